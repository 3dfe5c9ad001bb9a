//! The one integration-test binary: every test runs the real `git-exp` binary against real
//! temporary git repositories (see `common::TestEnv`).
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

mod common;

mod blobs;
mod browser;
mod compare;
mod crash;
mod demo;
mod diff;
mod edit;
mod help;
mod layering;
mod ls;
mod nbdiff;
mod output;
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
