//! The object-only code snapshot: the working tree as it is on disk, written as tree edits on
//! top of HEAD's tree without touching the index, the working tree or any ref.
//!
//! gix's status does the stat-cache work (only racy or changed files are hashed). Its items come
//! from several threads in no fixed order, so they are collected first and applied in two passes:
//! staged changes (HEAD→index), then the disk (index→worktree), so that the disk wins.

use std::path::Path;

use gix::bstr::{BString, ByteSlice as _};
use gix::status::index_worktree::Item as WorktreeItem;
use gix::status::plumbing::index_as_worktree::{Change as WorktreeChange, EntryStatus};

use super::large::STREAM_BLOB_BYTES;
use super::{Error, Oid, Repo, Result, TreeEdit};

/// Limits on what untracked files a snapshot takes.
#[derive(Debug, Clone)]
pub struct SnapshotOptions {
    /// Untracked files larger than this are skipped.
    pub max_file_size: u64,
    /// Untracked content past this total is skipped.
    pub max_total_size: u64,
    /// Untracked paths matching these globs are skipped (`snapshot.exclude` and the defaults)...
    pub exclude: globset::GlobSet,
    /// ...unless they match one of these (`snapshot.include`).
    pub include: globset::GlobSet,
    /// Untracked files taken that are larger than this are listed in [`CodeSnapshot::large`].
    pub warn_size: u64,
}

impl SnapshotOptions {
    fn excluded(&self, path: &str) -> bool {
        self.exclude.is_match(path) && !self.include.is_match(path)
    }
}

/// An untracked file that was left out of the snapshot, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Larger than `snapshot.max_file_size`.
    TooLarge,
    /// Over the `snapshot.max_total_size` budget for untracked content.
    OverBudget,
    /// Matched a `snapshot.exclude` glob.
    Excluded,
    /// Not a file or link we can store (socket, fifo, unreadable).
    Unreadable,
    /// A name that is not UTF-8: run trees name files by UTF-8 paths.
    NonUtf8Name,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SkipReason::TooLarge => "larger than snapshot.max_file_size",
            SkipReason::OverBudget => "over snapshot.max_total_size",
            SkipReason::Excluded => "matches snapshot.exclude",
            SkipReason::Unreadable => "not a regular file",
            SkipReason::NonUtf8Name => "its name is not UTF-8",
        })
    }
}

/// The working tree as edits on HEAD's tree.
#[derive(Debug, Clone)]
pub struct CodeSnapshot {
    /// HEAD's tree (the empty tree for an unborn HEAD).
    pub base_tree: Oid,
    /// Edits that turn `base_tree` into the working tree, in the order to apply them.
    pub edits: Vec<TreeEdit>,
    pub skipped: Vec<Skipped>,
    /// Untracked files taken that are over `warn_size`: path and bytes, for a warning.
    pub large: Vec<(String, u64)>,
}

impl CodeSnapshot {
    /// True if the snapshot differs from the base tree.
    pub fn dirty(&self) -> bool {
        !self.edits.is_empty()
    }
}

impl Repo {
    /// Snapshots the working tree: tracked files as on disk, plus untracked files that are not
    /// ignored, within `options`. Writes blobs for changed files only; touches nothing else.
    pub fn snapshot_code(&self, options: &SnapshotOptions) -> Result<CodeSnapshot> {
        let repo = &self.repo;
        let workdir = repo.workdir().ok_or(Error::Bare)?.to_owned();
        let base_tree = repo.head_tree_id_or_empty().map_err(|e| Error::git("cannot read HEAD's tree", &e))?.detach();

        let status = repo
            .status(gix::progress::Discard)
            .map_err(|e| Error::git("cannot compute status", &e))?
            .untracked_files(gix::status::UntrackedFiles::Files)
            .index_worktree_submodules(gix::status::Submodule::Given {
                ignore: gix::submodule::config::Ignore::All,
                check_dirty: false,
            });
        // Comparing HEAD's tree with the index reads every tree object (a third of a run's
        // instructions at 1,000 files). git keeps the index's own tree in the cache-tree
        // extension: when it is valid and is HEAD's tree, nothing is staged, so only the index
        // and the working tree are compared.
        let index = repo.index_or_empty().map_err(|e| Error::git("cannot read the index", &e))?;
        let nothing_staged = index.tree().is_some_and(|tree| {
            tree.id == base_tree && tree.num_entries.is_some_and(|n| n as usize == index.entries().len())
        });
        let iter: Box<dyn Iterator<Item = Result<gix::status::Item>>> = if nothing_staged {
            let iter = status
                .into_index_worktree_iter(Vec::<BString>::new())
                .map_err(|e| Error::git("cannot compute status", &e))?;
            Box::new(iter.map(|item| {
                item.map(gix::status::Item::IndexWorktree).map_err(|e| Error::git("cannot compute status", &e))
            }))
        } else {
            let iter = status
                .head_tree(base_tree)
                .into_iter(Vec::<BString>::new())
                .map_err(|e| Error::git("cannot compute status", &e))?;
            Box::new(iter.map(|item| item.map_err(|e| Error::git("cannot compute status", &e))))
        };

        let mut staged = Vec::new();
        let mut on_disk = Vec::new();
        let mut untracked = Vec::new();
        for item in iter {
            let item = item?;
            match item {
                gix::status::Item::TreeIndex(change) => staged.extend(staged_edit(&change)?),
                gix::status::Item::IndexWorktree(WorktreeItem::Modification { rela_path, status, .. }) => {
                    match status {
                        EntryStatus::Change(WorktreeChange::Removed) => on_disk.push(DiskChange::Remove(rela_path)),
                        EntryStatus::Change(WorktreeChange::SubmoduleModification(_)) | EntryStatus::NeedsUpdate(_) => {
                        }
                        EntryStatus::Change(_) | EntryStatus::IntentToAdd | EntryStatus::Conflict { .. } => {
                            on_disk.push(DiskChange::Rehash(rela_path));
                        }
                    }
                }
                gix::status::Item::IndexWorktree(WorktreeItem::DirectoryContents { entry, .. }) => {
                    let is_file =
                        matches!(entry.disk_kind, Some(gix::dir::entry::Kind::File | gix::dir::entry::Kind::Symlink));
                    if entry.status == gix::dir::entry::Status::Untracked && is_file {
                        untracked.push(entry.rela_path);
                    }
                }
                gix::status::Item::IndexWorktree(WorktreeItem::Rewrite { .. }) => {}
            }
        }

        let mut hasher = Hasher { repo: self, workdir: &workdir, pipeline: None };
        let mut edits = staged;
        for change in on_disk {
            match change {
                DiskChange::Remove(path) => edits.push(TreeEdit::Remove { path: path.to_string() }),
                DiskChange::Rehash(path) => {
                    let path = path.to_string();
                    match hasher.hash(&path)? {
                        Some(edit) => edits.push(edit),
                        None => edits.push(TreeEdit::Remove { path }),
                    }
                }
            }
        }

        // Sorted so that the size budget is spent the same way on every machine.
        untracked.sort();
        let mut skipped = Vec::new();
        let mut large = Vec::new();
        let mut budget = options.max_total_size;
        for path in untracked {
            let Ok(path) = path.to_str().map(str::to_owned) else {
                // Said in the warning and the record rather than left out silently; the name is
                // shown with U+FFFD where its bytes are not UTF-8.
                if !options.excluded(path.to_str_lossy().as_ref()) {
                    skipped.push(Skipped { path: path.to_str_lossy().into_owned(), reason: SkipReason::NonUtf8Name });
                }
                continue;
            };
            let full = workdir.join(&path);
            let Ok(meta) = std::fs::symlink_metadata(&full) else {
                continue; // removed while we looked: it is simply not part of the snapshot
            };
            let reason = if options.excluded(&path) {
                Some(SkipReason::Excluded)
            } else if meta.len() > options.max_file_size {
                Some(SkipReason::TooLarge)
            } else if meta.len() > budget {
                Some(SkipReason::OverBudget)
            } else {
                None
            };
            if let Some(reason) = reason {
                // Excluded files are what the user asked for; only report size skips.
                if reason != SkipReason::Excluded {
                    skipped.push(Skipped { path, reason });
                }
                continue;
            }
            match hasher.hash(&path)? {
                Some(edit) => {
                    budget -= meta.len();
                    if meta.len() > options.warn_size {
                        large.push((path, meta.len()));
                    }
                    edits.push(edit);
                }
                None => skipped.push(Skipped { path, reason: SkipReason::Unreadable }),
            }
        }
        Ok(CodeSnapshot { base_tree, edits, skipped, large })
    }
}

enum DiskChange {
    Remove(BString),
    Rehash(BString),
}

fn staged_edit(change: &gix::diff::index::Change) -> Result<Option<TreeEdit>> {
    use gix::diff::index::ChangeRef;
    let edit = match change {
        ChangeRef::Addition { location, entry_mode, id, .. }
        | ChangeRef::Modification { location, entry_mode, id, .. } => {
            let path = location.to_string();
            let blob = id.clone().into_owned();
            match entry_mode.to_tree_entry_mode().map(|m| m.kind()) {
                Some(gix::objs::tree::EntryKind::BlobExecutable) => TreeEdit::Executable { path, blob },
                Some(gix::objs::tree::EntryKind::Link) => TreeEdit::Link { path, blob },
                Some(gix::objs::tree::EntryKind::Blob) => TreeEdit::File { path, blob },
                // Gitlinks and trees are left as HEAD has them.
                // Gitlinks (submodules) are left as HEAD has them.
                _ => return Ok(None),
            }
        }
        ChangeRef::Deletion { location, .. } => TreeEdit::Remove { path: location.to_string() },
        ChangeRef::Rewrite { location, .. } => {
            return Err(Error::Git { what: "unexpected rename in status".into(), detail: location.to_string() });
        }
    };
    Ok(Some(edit))
}

/// Hashes working-tree files into blobs the way `git add` would (clean filters applied).
struct Hasher<'a> {
    repo: &'a Repo,
    workdir: &'a Path,
    pipeline: Option<(gix::filter::Pipeline<'a>, gix::worktree::IndexPersistedOrInMemory)>,
}

impl Hasher<'_> {
    /// Returns the edit that stores the file at `path`, or `None` if it is gone or not a file.
    fn hash(&mut self, path: &str) -> Result<Option<TreeEdit>> {
        let full = self.workdir.join(path);
        let Ok(meta) = std::fs::symlink_metadata(&full) else {
            return Ok(None);
        };
        let owned = path.to_owned();
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&full).map_err(|e| Error::io(format!("cannot read link `{path}`"), e))?;
            let bytes = gix::path::into_bstr(target)
                .map_err(|e| Error::git(format!("cannot store link `{path}`"), &e))?
                .into_owned();
            let blob = self.repo.write_blob(&bytes)?;
            return Ok(Some(TreeEdit::Link { path: owned, blob }));
        }
        if !meta.is_file() {
            return Ok(None);
        }
        let blob = self.store(path, &full)?;
        Ok(Some(if is_executable(&meta) {
            TreeEdit::Executable { path: owned, blob }
        } else {
            TreeEdit::File { path: owned, blob }
        }))
    }

    /// Stores the file through the clean filters (autocrlf, `.gitattributes`), built on first
    /// use. A file from [`STREAM_BLOB_BYTES`] on is streamed into the object database rather
    /// than read whole, unless a filter that rewrites text (eol, `ident`, an encoding) applies:
    /// gix buffers those whole before we see them.
    fn store(&mut self, path: &str, full: &Path) -> Result<Oid> {
        use gix::filter::plumbing::pipeline::convert::ToGitOutcome;
        if self.pipeline.is_none() {
            let pipeline = self.repo.repo.filter_pipeline(None).map_err(|e| Error::git("cannot set up filters", &e))?;
            self.pipeline = Some(pipeline);
        }
        let Some((pipeline, index)) = self.pipeline.as_mut() else { unreachable!("the pipeline was set just above") };
        let read_err = |e| Error::io(format!("cannot read `{path}`"), e);
        let file = std::fs::File::open(full).map_err(read_err)?;
        let large = file.metadata().map_err(read_err)?.len() >= STREAM_BLOB_BYTES;
        let outcome = pipeline
            .convert_to_git(file, Path::new(path), index)
            .map_err(|e| Error::git(format!("cannot filter `{path}`"), &e))?;
        match outcome {
            ToGitOutcome::Unchanged(mut file) if large => self.repo.write_blob_from_file(&mut file, path),
            // A clean driver's output (git-lfs: a pointer) is judged by the file it was given.
            ToGitOutcome::Process(mut out) if large => self.repo.write_blob_spooled(&mut out, path),
            ToGitOutcome::Unchanged(mut file) => self.repo.write_blob(&read_all(&mut file).map_err(read_err)?),
            ToGitOutcome::Process(mut out) => self.repo.write_blob(&read_all(&mut out).map_err(read_err)?),
            ToGitOutcome::Buffer(data) => self.repo.write_blob(data),
        }
    }
}

fn read_all(reader: &mut dyn std::io::Read) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    reader.read_to_end(&mut data)?;
    Ok(data)
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}
