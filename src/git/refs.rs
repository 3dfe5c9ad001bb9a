//! Reference updates: every edit states what it expects to find (compare-and-swap) and writes
//! a reflog line, so concurrent writers cannot lose each other's updates.

use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};

use super::packed_refs::{self, RefList};
use super::{Error, Oid, Repo, Result};

/// How often a ref edit is tried when its directory vanishes under it (see [`directory_vanished`]).
const DIRECTORY_RACE_TRIES: u32 = 20;

/// Whether an edit failed because a directory it had just created was gone when it made its lock
/// file there: `git pack-refs --prune` deletes the directories it emptied (refs/git-exp/runs/ once
/// every run ref is packed), and may do so between gix creating `refs/git-exp/runs/` for a new
/// run and opening `<id>.lock` in it. Nothing was written, so trying again is safe; git's own ref
/// writes retry the same way (`raceproof_create_file`).
fn directory_vanished(e: &gix::Error) -> bool {
    e.classify().any(|cause| {
        cause.class() == gix::error::Class::NotFound
            && cause
                .error()
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
    })
}

impl Repo {
    /// Points `name` at `new` only if it still points at `expected` (`None`: must not exist).
    ///
    /// Fails with [`Error::RefMoved`] when another writer got there first (or holds the lock) and
    /// with [`Error::RefExists`] when a create finds the ref already present.
    pub fn cas_ref(&self, name: &str, expected: Option<Oid>, new: Oid, why: &str) -> Result<()> {
        let edit = RefEdit {
            change: Change::Update { log: reflog(why), expected: previous(expected), new: Target::Object(new) },
            name: full_name(name)?,
            deref: false,
        };
        self.edit_refs(vec![edit], name, expected.is_none())
    }

    /// Deletes `name` if it still points at `expected`.
    pub fn delete_ref(&self, name: &str, expected: Oid) -> Result<()> {
        let edit = RefEdit {
            change: Change::Delete { expected: previous(Some(expected)), log: RefLog::AndReference },
            name: full_name(name)?,
            deref: false,
        };
        self.edit_refs(vec![edit], name, false)
    }

    /// Moves a ref in one transaction: creates `to` at `id` and deletes `from` if it is still at `id`.
    pub fn move_ref(&self, from: &str, to: &str, id: Oid, why: &str) -> Result<()> {
        let create = RefEdit {
            change: Change::Update { log: reflog(why), expected: PreviousValue::MustNotExist, new: Target::Object(id) },
            name: full_name(to)?,
            deref: false,
        };
        let delete = RefEdit {
            change: Change::Delete { expected: previous(Some(id)), log: RefLog::AndReference },
            name: full_name(from)?,
            deref: false,
        };
        self.edit_refs(vec![create, delete], from, false)
    }

    fn edit_refs(&self, edits: Vec<RefEdit>, name: &str, creating: bool) -> Result<()> {
        let now = crate::clock::now();
        let time = gix::date::Time { seconds: now.as_second(), offset: 0 };
        let committer = self.signature(time, true);
        let mut buf = gix::date::parse::TimeBuf::default();
        let committer_ref = gix::actor::SignatureRef {
            name: committer.name.as_ref(),
            email: committer.email.as_ref(),
            time: committer.time.to_str(&mut buf),
        };
        let mut attempt = 1;
        loop {
            match self.repo.edit_references_as(edits.clone(), Some(committer_ref)) {
                Ok(_) => return Ok(()),
                Err(e) if e.is_conflict() && creating => return Err(Error::RefExists { name: name.to_owned() }),
                Err(e) if e.is_conflict() || e.is_retryable() => return Err(Error::RefMoved { name: name.to_owned() }),
                Err(e) if attempt < DIRECTORY_RACE_TRIES && directory_vanished(&e) => {
                    std::thread::sleep(std::time::Duration::from_millis(u64::from(attempt)));
                    attempt += 1;
                }
                Err(e) => return Err(Error::git(format!("cannot update ref `{name}`"), &e)),
            }
        }
    }

    /// Returns `(name, target)` of every ref starting with `prefix`, sorted by name.
    pub fn refs_with_prefix(&self, prefix: &str) -> Result<Vec<(String, Oid)>> {
        let list = self.ref_list(prefix)?;
        Ok((0..list.len()).map(|n| (list.name(n).to_owned(), list.targets()[n])).collect())
    }

    /// Returns every ref starting with `prefix` with its target, sorted by name, compactly: one
    /// string of names and one array of targets, not a string per ref (100,000 run refs are
    /// listed on every `ls`).
    ///
    /// Safe against a concurrent `git pack-refs --prune`, which writes packed-refs and then
    /// deletes the loose files: loose refs are read first and packed-refs after (git's order), so
    /// a loose ref that vanishes mid-listing is found in packed-refs, or was deleted. gix's own
    /// iterator reads packed-refs first and would miss or fail on such a ref.
    pub fn ref_list(&self, prefix: &str) -> Result<RefList> {
        let list_error =
            |e: &dyn std::fmt::Display| Error::Git { what: "cannot list refs".into(), detail: e.to_string() };
        let store = &self.repo.refs;
        let relative: &gix::path::RelativePath = prefix.try_into().map_err(|e| list_error(&e))?;
        // Passing no packed buffer lists the loose refs alone.
        let mut loose = std::collections::BTreeMap::new();
        for reference in store.iter_prefixed_packed(relative, None).map_err(|e| list_error(&e))? {
            match reference {
                Ok(reference) => {
                    if let Some(id) = reference.target.try_id() {
                        loose.insert(reference.name.as_bstr().to_string(), id.to_owned());
                    }
                }
                // Listed, then gone before it was read: packed (read below) or deleted.
                Err(e)
                    if e.downcast_any_ref::<std::io::Error>()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound) => {}
                Err(e) => return Err(Error::Git { what: "cannot read ref".into(), detail: e.to_string() }),
            }
        }
        // A fresh read of the file, not gix's cached snapshot, which may predate the loose refs
        // read above.
        let packed = packed_refs::read(&store.packed_refs_path(), prefix, self.repo.object_hash())
            .map_err(|e| list_error(&e))?;
        Ok(RefList::merge(packed, loose))
    }

    /// Returns the target of `name`, or `None` if it does not exist.
    pub fn find_ref(&self, name: &str) -> Result<Option<Oid>> {
        let found =
            self.repo.try_find_reference(name).map_err(|e| Error::git(format!("cannot read ref `{name}`"), &e))?;
        Ok(found.and_then(|r| r.target().try_id().map(ToOwned::to_owned)))
    }

    /// Returns the time (Unix seconds) of the newest reflog entry of `name`.
    pub fn reflog_time(&self, name: &str) -> Option<i64> {
        let reference = self.repo.try_find_reference(name).ok()??;
        let mut platform = reference.log_iter();
        let mut reverse = platform.rev().ok()??;
        let line = reverse.next()?.ok()?;
        Some(line.signature.time.seconds)
    }
}

fn previous(expected: Option<Oid>) -> PreviousValue {
    match expected {
        Some(old) => PreviousValue::MustExistAndMatch(Target::Object(old)),
        None => PreviousValue::MustNotExist,
    }
}

/// Refs outside refs/heads|remotes|notes get no reflog unless it is forced.
fn reflog(why: &str) -> LogChange {
    LogChange { mode: RefLog::AndReference, force_create_reflog: true, message: why.replace('\n', " ").into() }
}

fn full_name(name: &str) -> Result<FullName> {
    FullName::try_from(name)
        .map_err(|e| Error::Git { what: format!("invalid ref name `{name}`"), detail: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `git pack-refs --prune` removes a ref directory it emptied; here another thread removes
    /// the emptied `refs/git-exp/runs/` every 0.5 ms while refs are created in it and deleted
    /// again. Every create must succeed: without the retry, one of the first few dozen failed
    /// with "obtaining the lock: No such file or directory".
    #[test]
    fn ref_edits_survive_their_directory_being_removed_meanwhile() {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = std::process::Command::new("git").args(["init", "-q"]).current_dir(dir.path()).status();
        assert!(status.expect("git runs").success());
        let repo = Repo::discover(dir.path()).expect("repo opens");
        let tree = repo.empty_tree();
        let commit = repo.write_commit(tree, &[], "c", 0).expect("commit");
        let runs_dir = dir.path().join(".git/refs/git-exp/runs");
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    // Fails while the directory holds a ref or does not exist: as pack-refs does.
                    let _ = std::fs::remove_dir(&runs_dir);
                    std::thread::sleep(std::time::Duration::from_micros(500));
                }
            });
            for i in 0..600 {
                let name = format!("refs/git-exp/runs/r{i}");
                let created = repo.cas_ref(&name, None, commit, "create");
                let deleted = created.as_ref().map(|()| repo.delete_ref(&name, commit));
                if !matches!(deleted, Ok(Ok(()))) {
                    done.store(true, std::sync::atomic::Ordering::Relaxed); // or the scope never ends
                    panic!("edit {i} of {name}: {created:?} then {deleted:?}");
                }
            }
            done.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
}
