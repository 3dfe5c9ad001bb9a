//! Reading and writing blobs, trees and commits.

use gix::bstr::ByteSlice as _;
use gix::objs::tree::EntryKind;

use super::{Error, Oid, Repo, Result};

/// One change to a tree, applied by [`Repo::write_tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeEdit {
    /// Creates or replaces a regular file.
    File { path: String, blob: Oid },
    /// Creates or replaces an executable file.
    Executable { path: String, blob: Oid },
    /// Creates or replaces a symbolic link whose blob holds the target.
    Link { path: String, blob: Oid },
    /// Removes a file or a whole directory (nothing happens if it is absent).
    Remove { path: String },
}

/// A file found in a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Path relative to the directory that was listed, `/`-separated.
    pub path: String,
    pub blob: Oid,
    pub mode: FileMode,
}

/// What kind of file a tree entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    Regular,
    Executable,
    /// A symbolic link; the blob holds its target.
    Link,
}

/// What a commit records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub tree: Oid,
    pub parents: Vec<Oid>,
    /// Committer time, Unix seconds.
    pub time: i64,
    pub message: String,
}

/// How often a loose-object write is tried again after its fan-out directory vanished.
pub(super) const VANISHED_DIR_RETRIES: u32 = 5;

/// Runs an object write again when it failed because its `objects/xx/` directory vanished:
/// `git gc` and `git prune` remove empty fan-out directories, and one can go between gix
/// creating it and moving the object in. git retries such writes the same way.
fn retry_vanished_dir<T, E: std::error::Error + 'static>(
    mut write: impl FnMut() -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let mut attempts = 0;
    loop {
        match write() {
            Err(e) if attempts < VANISHED_DIR_RETRIES && is_vanished_dir(&e) => attempts += 1,
            other => return other,
        }
    }
}

/// True when `err` or one of its causes is an io "not found" error.
pub(super) fn is_vanished_dir(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound) {
            return true;
        }
        cause = e.source();
    }
    false
}

impl Repo {
    /// Writes `data` as a blob.
    pub fn write_blob(&self, data: &[u8]) -> Result<Oid> {
        retry_vanished_dir(|| self.repo.write_blob(data))
            .map(|id| id.detach())
            .map_err(|e| Error::git("cannot write blob", &e))
    }

    /// Returns the bytes of blob `id`.
    pub fn read_blob(&self, id: Oid) -> Result<Vec<u8>> {
        let blob = self
            .with_lazy_fetch(id, || self.repo.find_blob(id))
            .map_err(|e| Error::git(format!("cannot read blob {id}"), &e))?;
        Ok(blob.detach().data)
    }

    /// Returns true if the object database has `id`.
    pub fn has_object(&self, id: Oid) -> bool {
        self.repo.has_object(id)
    }

    /// Writes the tree that is `base` with `edits` applied in order, and returns its id.
    pub fn write_tree(&self, base: Oid, edits: &[TreeEdit]) -> Result<Oid> {
        let mut attempts = 0;
        loop {
            let mut editor = self.repo.edit_tree(base).map_err(|e| Error::git("cannot edit tree", &e))?;
            for edit in edits {
                let outcome = match edit {
                    TreeEdit::File { path, blob } => editor.upsert(path.as_str(), EntryKind::Blob, *blob),
                    TreeEdit::Executable { path, blob } => {
                        editor.upsert(path.as_str(), EntryKind::BlobExecutable, *blob)
                    }
                    TreeEdit::Link { path, blob } => editor.upsert(path.as_str(), EntryKind::Link, *blob),
                    TreeEdit::Remove { path } => editor.remove(path.as_str()),
                };
                outcome.map_err(|e| Error::git("cannot edit tree", &e))?;
            }
            // As in `retry_vanished_dir`, with the edits made again on a fresh editor.
            match editor.write() {
                Err(e) if attempts < VANISHED_DIR_RETRIES && is_vanished_dir(&e) => attempts += 1,
                written => return written.map(|id| id.detach()).map_err(|e| Error::git("cannot write tree", &e)),
            }
        }
    }

    /// The id of the empty tree.
    pub fn empty_tree(&self) -> Oid {
        gix::ObjectId::empty_tree(self.repo.object_hash())
    }

    /// Writes a commit with the configured identity (fallback `git-exp <git-exp@localhost>`)
    /// and the time `seconds` (from the run clock, so tests can pin it).
    pub fn write_commit(&self, tree: Oid, parents: &[Oid], message: &str, seconds: i64) -> Result<Oid> {
        let time = gix::date::Time { seconds, offset: 0 };
        let committer = self.signature(time, true);
        let author = self.signature(time, false);
        let commit = gix::objs::Commit {
            tree,
            parents: parents.iter().copied().collect(),
            author,
            committer,
            encoding: None,
            message: message.into(),
            extra_headers: vec![],
        };
        retry_vanished_dir(|| self.repo.write_object(&commit))
            .map(|id| id.detach())
            .map_err(|e| Error::git("cannot write commit", &e))
    }

    /// Returns the user's identity with `time` (committer or author).
    pub(super) fn signature(&self, time: gix::date::Time, committer: bool) -> gix::actor::Signature {
        let (name, email) = self.identity(committer).unwrap_or_else(|| ("git-exp".into(), "git-exp@localhost".into()));
        gix::actor::Signature { name, email, time }
    }

    /// The committer's or author's name and email, resolved as `gix::Repository::committer()`
    /// and `author()` resolve them (`GIT_COMMITTER_*`/`GIT_AUTHOR_*`, which gix reads into
    /// `committer.*`/`author.*`, then `user.*`, then `EMAIL` and gitoxide's fallbacks), each
    /// part on its own. Not through those functions: they also work out the current time in
    /// the local time zone, which the caller replaces, and finding the zone read the names of
    /// the whole time zone database, a tenth of `run`'s own time.
    fn identity(&self, committer: bool) -> Option<(gix::bstr::BString, gix::bstr::BString)> {
        use gix::config::tree::{Author, Committer, User, gitoxide};
        let config = self.repo.config_snapshot();
        let first = |keys: &[&dyn gix::config::tree::Key]| keys.iter().find_map(|key| config.string(*key));
        let [name, email, name_fallback, email_fallback]: [&dyn gix::config::tree::Key; 4] = if committer {
            [
                &Committer::NAME,
                &Committer::EMAIL,
                &gitoxide::Committer::NAME_FALLBACK,
                &gitoxide::Committer::EMAIL_FALLBACK,
            ]
        } else {
            [&Author::NAME, &Author::EMAIL, &gitoxide::Author::NAME_FALLBACK, &gitoxide::Author::EMAIL_FALLBACK]
        };
        let name = first(&[name, &User::NAME, name_fallback])?;
        let email = first(&[email, &User::EMAIL, &gitoxide::User::EMAIL_FALLBACK, email_fallback])?;
        Some((name, email))
    }

    /// Returns tree, parents, time and message of commit `id`.
    pub fn commit_info(&self, id: Oid) -> Result<CommitInfo> {
        let commit = self
            .with_lazy_fetch(id, || self.repo.find_commit(id))
            .map_err(|e| Error::git(format!("cannot read commit {id}"), &e))?;
        let decoded = commit.decode().map_err(|e| Error::git(format!("cannot decode commit {id}"), &e))?;
        let time = decoded.committer().map(|s| s.seconds()).unwrap_or(0);
        Ok(CommitInfo {
            tree: decoded.tree(),
            parents: decoded.parents().collect(),
            time,
            message: decoded.message.to_str_lossy().into_owned(),
        })
    }

    /// Returns the bytes of the file at `path` in `tree`, or `None` when there is none.
    pub fn read_path(&self, tree: Oid, path: &str) -> Result<Option<Vec<u8>>> {
        match self.lookup(tree, path)? {
            Some((id, EntryKind::Blob | EntryKind::BlobExecutable)) => self.read_blob(id).map(Some),
            _ => Ok(None),
        }
    }

    /// Returns the id of the directory at `path` in `tree`, or `None` when there is none.
    pub fn tree_at(&self, tree: Oid, path: &str) -> Result<Option<Oid>> {
        match self.lookup(tree, path)? {
            Some((id, EntryKind::Tree)) => Ok(Some(id)),
            _ => Ok(None),
        }
    }

    /// Returns the files (blobs) directly in the directory `dir` of `tree` (`""` for the root):
    /// name and blob id, in tree order.
    pub fn files_in(&self, tree: Oid, dir: &str) -> Result<Vec<(String, Oid)>> {
        let tree = if dir.is_empty() || dir == "." {
            tree
        } else {
            match self.tree_at(tree, dir)? {
                Some(id) => id,
                None => return Ok(Vec::new()),
            }
        };
        let tree_obj = self
            .with_lazy_fetch(tree, || self.repo.find_tree(tree))
            .map_err(|e| Error::git(format!("cannot read tree {tree}"), &e))?;
        let decoded = tree_obj.decode().map_err(|e| Error::git(format!("cannot decode tree {tree}"), &e))?;
        Ok(decoded
            .entries
            .iter()
            .filter(|e| matches!(e.mode.kind(), EntryKind::Blob | EntryKind::BlobExecutable))
            .map(|e| (e.filename.to_str_lossy().into_owned(), e.oid.to_owned()))
            .collect())
    }

    /// Returns the object id and kind at `path` in `tree`.
    fn lookup(&self, tree: Oid, path: &str) -> Result<Option<(Oid, gix::object::tree::EntryKind)>> {
        // A blob:none partial clone has every tree; the root is fetched for tree filters.
        let tree = self
            .with_lazy_fetch(tree, || self.repo.find_tree(tree))
            .map_err(|e| Error::git(format!("cannot read tree {tree}"), &e))?;
        let entry = tree.lookup_entry_by_path(path).map_err(|e| Error::git(format!("cannot look up `{path}`"), &e))?;
        Ok(entry.map(|e| (e.object_id(), e.mode().kind())))
    }

    /// Lists every file below `tree`, recursively, sorted by path.
    pub fn list_files(&self, tree: Oid) -> Result<Vec<TreeFile>> {
        let mut out = Vec::new();
        self.walk(tree, "", &mut out)?;
        Ok(out)
    }

    fn walk(&self, tree: Oid, prefix: &str, out: &mut Vec<TreeFile>) -> Result<()> {
        let tree_obj = self
            .with_lazy_fetch(tree, || self.repo.find_tree(tree))
            .map_err(|e| Error::git(format!("cannot read tree {tree}"), &e))?;
        let decoded = tree_obj.decode().map_err(|e| Error::git(format!("cannot decode tree {tree}"), &e))?;
        let entries: Vec<(String, Oid, EntryKind)> = decoded
            .entries
            .iter()
            .map(|e| (e.filename.to_str_lossy().into_owned(), e.oid.to_owned(), e.mode.kind()))
            .collect();
        for (name, id, kind) in entries {
            let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            match kind {
                EntryKind::Tree => self.walk(id, &path, out)?,
                EntryKind::Blob => out.push(TreeFile { path, blob: id, mode: FileMode::Regular }),
                EntryKind::BlobExecutable => out.push(TreeFile { path, blob: id, mode: FileMode::Executable }),
                EntryKind::Link => out.push(TreeFile { path, blob: id, mode: FileMode::Link }),
                EntryKind::Commit => {}
            }
        }
        Ok(())
    }

    /// Resolves a git revision (`HEAD~1`, `main`, `abc123`) to a commit id.
    pub fn rev_parse_commit(&self, spec: &str) -> Result<Oid> {
        let id = self.repo.rev_parse_single(spec).map_err(|_| Error::NotFound { spec: spec.to_owned() })?;
        let object = id.object().map_err(|e| Error::git(format!("cannot read `{spec}`"), &e))?;
        let commit = object.peel_to_commit().map_err(|_| Error::NotFound { spec: format!("{spec} (not a commit)") })?;
        Ok(commit.id)
    }

    /// Resolves `<rev>:<path>` to the blob's bytes.
    pub fn rev_parse_blob(&self, spec: &str) -> Result<Vec<u8>> {
        let id = self.repo.rev_parse_single(spec).map_err(|_| Error::NotFound { spec: spec.to_owned() })?;
        let object = id.object().map_err(|e| Error::git(format!("cannot read `{spec}`"), &e))?;
        if object.kind != gix::object::Kind::Blob {
            return Err(Error::NotFound { spec: format!("{spec} (not a file)") });
        }
        Ok(object.detach().data)
    }

    /// Returns the best common ancestor of two commits, if any.
    pub fn merge_base(&self, a: Oid, b: Oid) -> Result<Option<Oid>> {
        match self.repo.merge_base(a, b) {
            Ok(id) => Ok(id.map(|id| id.detach())),
            Err(_) => Ok(None),
        }
    }

    /// Returns the first-parent ancestors of `start`, itself first, at most `limit` of them.
    /// A missing commit (shallow clone) ends the walk quietly.
    pub fn ancestors(&self, start: Oid, limit: usize) -> Vec<Oid> {
        let Ok(walk) = self.repo.rev_walk([start]).first_parent_only().all() else {
            return vec![start];
        };
        walk.take(limit).map_while(|info| info.ok().map(|i| i.id)).collect()
    }
}

/// How a path differs between two trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileChange {
    Added,
    Modified,
    Deleted,
}

impl Repo {
    /// Lists the files that differ between two trees (by content or mode), sorted by path,
    /// leaving out everything below `skip` (a directory such as `.git-exp`).
    pub fn changed_files(&self, from: Oid, to: Oid, skip: &str) -> Result<Vec<(FileChange, String)>> {
        // Built on diff_trees, which skips subtrees that did not change; submodules stay out
        // (they are left as the base has them everywhere else too).
        let changes = self.diff_trees(from, to, &[skip])?;
        let is_file = |e: &Option<super::DiffEntry>| e.as_ref().is_some_and(|e| e.kind != super::FileKind::Submodule);
        let out = changes
            .into_iter()
            .filter_map(|c| match (is_file(&c.old), is_file(&c.new)) {
                (false, true) => Some((FileChange::Added, c.path)),
                (true, false) => Some((FileChange::Deleted, c.path)),
                (true, true) => Some((FileChange::Modified, c.path)),
                (false, false) => None,
            })
            .collect();
        Ok(out)
    }
}

impl Repo {
    /// Writes every file of `tree` below `dir` (which must not exist yet), leaving out the
    /// directory `skip`. Blobs are written as stored: no smudge filters, links as links. Every
    /// path is checked before anything is written (a run is untrusted). Returns the paths written.
    pub fn write_tree_to(&self, tree: Oid, dir: &std::path::Path, skip: &str) -> Result<Vec<String>> {
        let files: Vec<TreeFile> = self
            .list_files(tree)?
            .into_iter()
            .filter(|f| f.path != skip && !f.path.starts_with(&format!("{skip}/")))
            .collect();
        for file in &files {
            crate::relpath::check(&file.path)?;
        }
        std::fs::create_dir(dir).map_err(|e| Error::io(format!("cannot create `{}`", dir.display()), e))?;
        let mut written = Vec::new();
        for file in files {
            self.write_file(&file, dir)?;
            written.push(file.path);
        }
        Ok(written)
    }

    /// Writes one file of a tree at its path below `root` (creating directories), replacing what
    /// is there. The path is checked with git's rules and no directory on the way may be a
    /// symbolic link: a run must not write outside `root` or into `.git`.
    pub fn write_file(&self, file: &TreeFile, root: &std::path::Path) -> Result<()> {
        let target = crate::relpath::prepare(root, &file.path)?;
        let target = target.as_path();
        // Opened before anything is removed, so that a blob that is not there changes nothing.
        // Streamed: a large file of a run is copied through a fixed-size buffer.
        let mut data = self.open_blob(file.blob)?;
        let io = |e| Error::io(format!("cannot write `{}`", target.display()), e);
        // Replace a link (or anything) there rather than write through it.
        if std::fs::symlink_metadata(target).is_ok_and(|m| !m.is_dir()) {
            std::fs::remove_file(target).map_err(io)?;
        }
        match file.mode {
            #[cfg(unix)]
            FileMode::Link => {
                // A run is untrusted: a link target longer than any path is refused, not read whole.
                let mut link = Vec::new();
                std::io::Read::read_to_end(&mut std::io::Read::take(data, MAX_LINK_TARGET + 1), &mut link)
                    .map_err(io)?;
                if link.len() as u64 > MAX_LINK_TARGET {
                    return Err(io(std::io::Error::other("the link target is longer than 4096 bytes")));
                }
                std::os::unix::fs::symlink(String::from_utf8_lossy(&link).as_ref(), target).map_err(io)?;
            }
            _ => {
                // create_new: never open through a link created meanwhile.
                let mut out = std::fs::OpenOptions::new().write(true).create_new(true).open(target).map_err(io)?;
                std::io::copy(&mut data, &mut out).map_err(io)?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    let mode = if file.mode == FileMode::Executable { 0o755 } else { 0o644 };
                    out.set_permissions(std::fs::Permissions::from_mode(mode)).map_err(io)?;
                }
            }
        }
        Ok(())
    }
}

/// The longest link target a run may hold: Linux's `PATH_MAX`.
const MAX_LINK_TARGET: u64 = 4096;
