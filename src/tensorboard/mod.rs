//! TensorBoard event files: the reader ([`events`]), finding event files under a directory
//! ([`logdir`]) and mapping their scalars and images to git-exp's metric keys and logged-media
//! paths ([`read`]). Recording them into runs is `capture::tensorboard`'s job: this module
//! knows nothing of runs, so both `git exp run` and `git exp import --tensorboard` use it.

pub mod events;
pub mod logdir;
pub mod read;

pub use read::{Reader, Sink, digest};
