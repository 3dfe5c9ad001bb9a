//! Tests of the diff model and its renderings on constructed runs.
