//! The only module that talks to git: gix for everything local, the `git` CLI for the network.
//!
//! Its API speaks git-exp (write a blob, snapshot the working tree, compare-and-swap a ref) and
//! exposes object ids but no gix lifetimes, so the rest of the crate never sees gix.

mod cli;
mod config;
mod diff;
mod error;
mod large;
mod maintenance;
mod objects;
mod packed_refs;
mod promisor;
mod refs;
mod safe_directory;
mod snapshot;
mod transport;

use std::path::{Path, PathBuf};

pub use cli::{SubmoduleState, commit_all, init_repository, submodules};
pub use config::{DiffDriver, DriverChange, Scope, install_diff_driver, uninstall_diff_driver};
pub use diff::{DiffEntry, FileKind, TreeChange, unified_diff};
pub use error::Error;
pub use gix::ObjectId as Oid;
pub use objects::{FileChange, TreeEdit, TreeFile};
pub use packed_refs::RefList;
pub use snapshot::{CodeSnapshot, Skipped, SnapshotOptions};
pub use transport::{FetchedRef, PushedRef, RefOutcome};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An object id from its raw bytes (20 for SHA-1); `None` for any other length.
pub fn oid_from_bytes(bytes: &[u8]) -> Option<Oid> {
    gix::hash::oid::try_from_bytes(bytes).ok().map(ToOwned::to_owned)
}

/// An open repository. Cheap to clone into worker threads through [`Repo::thread_local`].
pub struct Repo {
    sync: gix::ThreadSafeRepository,
    repo: gix::Repository,
    /// Where the command was started, relative to the work tree root (`.` at the root).
    prefix: PathBuf,
}

/// A repository handle that is `Sync`: call [`SharedRepo::open`] once per thread.
#[derive(Clone)]
pub struct SharedRepo {
    sync: gix::ThreadSafeRepository,
    prefix: PathBuf,
}

impl SharedRepo {
    pub fn open(&self) -> Repo {
        Repo { sync: self.sync.clone(), repo: self.sync.to_thread_local(), prefix: self.prefix.clone() }
    }

    /// Opens a handle for a worker that reads many objects, some of them again and again (the
    /// report: a run's commit and trees by several of its sections, every run's base commit
    /// and tree). gix keeps no cache unless asked. Two, each up to `bytes` per thread:
    /// decoded objects, so a repeated read costs no file, inflate or parse; and delta bases in
    /// packs, where after `git gc` the series of a run or of many runs are deltas of one another,
    /// so a chain is not inflated again from its base for every object on it.
    pub fn open_caching(&self, bytes: usize) -> Repo {
        let mut repo = self.open();
        repo.repo.object_cache_size(bytes);
        repo.repo.objects.set_pack_cache(move || Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(bytes)));
        repo
    }
}

/// What HEAD points at when a run starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The commit, or `None` for an unborn branch.
    pub commit: Option<Oid>,
    /// The short branch name, or `None` when detached.
    pub branch: Option<String>,
}

impl Repo {
    /// Opens the repository containing `dir`, honouring `GIT_DIR`, `GIT_WORK_TREE` and friends.
    pub fn discover(dir: &Path) -> Result<Self> {
        let sync = gix::ThreadSafeRepository::discover_with_environment_overrides(dir)
            .map_err(|e| Error::NotARepository { path: dir.to_owned(), detail: error::describe(&e) })?;
        let repo = sync.to_thread_local();
        if repo.git_dir_trust() != gix::sec::Trust::Full {
            safe_directory::check(dir)?;
        }
        let prefix = match repo.workdir() {
            Some(root) => {
                let root = gix::path::realpath(root).unwrap_or_else(|_| root.to_owned());
                let here = gix::path::realpath(dir).unwrap_or_else(|_| dir.to_owned());
                here.strip_prefix(&root).map(Path::to_owned).unwrap_or_default()
            }
            None => PathBuf::new(),
        };
        Ok(Self { sync, repo, prefix })
    }

    /// Returns a handle that can be sent to other threads, each of which opens its own [`Repo`].
    pub fn shared(&self) -> SharedRepo {
        SharedRepo { sync: self.sync.clone(), prefix: self.prefix.clone() }
    }

    /// The directory shared by all worktrees (`.git` of the main worktree).
    pub fn common_dir(&self) -> &Path {
        self.repo.common_dir()
    }

    /// The working tree root, or `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The starting directory relative to the work tree root, `/`-separated, `.` at the root.
    pub fn prefix(&self) -> String {
        let text = self.prefix.to_string_lossy().replace('\\', "/");
        if text.is_empty() { ".".to_owned() } else { text }
    }

    /// Returns HEAD's commit and branch.
    pub fn head(&self) -> Result<Head> {
        let head = self.repo.head().map_err(|e| Error::git("cannot read HEAD", &e))?;
        let branch = head.referent_name().map(|n| n.shorten().to_string());
        let commit = head.id().map(|id| id.detach());
        Ok(Head { commit, branch })
    }
}

/// Reads string settings from git's config as git would for a command started in `dir`: the
/// repository's config with the global ones below it, or only the global ones outside a
/// repository. Unreadable config reads as unset: these are preferences (pager, colours), and a
/// broken config file is reported by the command that needs the repository.
pub fn config_strings(dir: &Path, keys: &[&str]) -> Vec<Option<String>> {
    let to_string = |v: Option<gix::bstr::BString>| v.map(|v| v.to_string());
    if let Ok(sync) = gix::ThreadSafeRepository::discover_with_environment_overrides(dir) {
        let repo = sync.to_thread_local();
        let config = repo.config_snapshot();
        return keys.iter().map(|k| to_string(config.string(*k))).collect();
    }
    let mut config = gix::config::File::from_globals().unwrap_or_default();
    // `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n` settings win, as in git; a malformed one is skipped
    // like a broken file.
    if let Ok(overrides) = gix::config::File::from_environment_overrides() {
        let _ = config.append(overrides);
    }
    keys.iter().map(|k| to_string(config.string(*k))).collect()
}
