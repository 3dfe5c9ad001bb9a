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
mod environment;
mod filter_cases;
mod help;
mod index;
mod large_files;
mod layering;
mod listing_index;
mod live;
mod ls;
mod mlflow;
mod nbalign;
mod nbdiff;
mod output;
mod packaging;
mod python;
mod recover;
mod report;
mod report_sweep;
mod review;
mod robust;
mod run;
mod security;
mod sharing;
mod stress;
mod tensorboard;
mod workflow;
