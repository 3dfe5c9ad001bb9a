//! The one integration-test binary: every test runs the real `git-exp` binary against real
//! temporary git repositories (see `common::TestEnv`).
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

mod common;

mod blobs;
mod browser;
mod clones;
mod compare;
mod completion;
mod crash;
mod demo;
mod diff;
mod edge;
mod edit;
mod help;
mod layering;
mod ls;
mod nbalign;
mod nbdiff;
mod output;
mod packaging;
mod python;
mod recover;
mod report;
mod review;
mod robust;
mod run;
mod security;
mod sharing;
mod stress;
mod workflow;
