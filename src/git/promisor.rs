//! Partial clones (`git clone --filter=blob:none`): objects the clone left out are fetched from
//! the promisor remote when a run needs them. gix does not fetch lazily, so this asks `git`,
//! whose object reads do (`git cat-file -t <oid>` fetches a missing object and stores it).

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Oid, Repo};

/// Whether this process already said that it fetches missing objects (once is enough).
static ANNOUNCED: AtomicBool = AtomicBool::new(false);

impl Repo {
    /// Whether the repository is a partial clone: `git clone --filter` sets
    /// `remote.<name>.promisor` (git before 2.42 also `extensions.partialClone`).
    pub fn is_partial_clone(&self) -> bool {
        let config = self.repo.config_snapshot();
        config.string("extensions.partialClone").is_some_and(|name| !name.is_empty())
            || self
                .repo
                .remote_names()
                .iter()
                .any(|name| config.boolean(format!("remote.{name}.promisor").as_str()) == Some(true))
    }

    /// Runs `find` (a read of object `id`); when it fails because a partial clone left the object
    /// out, fetches it through `git` and reads again. Only a failed read pays for the check, so
    /// reads of present objects (every read outside a partial clone) cost one lookup as before.
    pub(super) fn with_lazy_fetch<T, E>(&self, id: Oid, mut find: impl FnMut() -> Result<T, E>) -> Result<T, E> {
        match find() {
            Err(_) if self.fetch_missing(id) => find(),
            found => found,
        }
    }

    /// Fetches object `id` through `git` if it is missing from a partial clone; true when it was
    /// fetched. Failures are left to the read that follows, whose error names the object.
    fn fetch_missing(&self, id: Oid) -> bool {
        if self.repo.has_object(id) || !self.is_partial_clone() {
            return false;
        }
        if !ANNOUNCED.swap(true, Ordering::Relaxed) {
            // Below the Ui layer: a status line straight to stderr, as git's own lazy fetch
            // would print; a failed write has nowhere better to go.
            let _ = writeln!(std::io::stderr().lock(), "fetching objects missing from this partial clone through git");
        }
        let status = Command::new("git")
            .arg("--git-dir")
            .arg(self.repo.git_dir())
            .args(["cat-file", "-t", &id.to_string()])
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // The fetched pack is new to gix's object database; it picks up new packs when a lookup
        // misses, which the read that follows does.
        matches!(status, Ok(s) if s.success())
    }
}
