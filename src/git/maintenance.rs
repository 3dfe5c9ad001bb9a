//! Keeping refs and objects packed as runs accumulate, the way `git gc --auto` would, without
//! making the user's command wait for long.

use std::path::Path;
use std::process::{Command, Stdio};

use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};

use super::{Error, Repo, Result};

/// git's own `gc.auto` default: a repack is due past about this many loose objects.
const LOOSE_OBJECTS: usize = 6700;

impl Repo {
    /// Counts the loose refs below `prefix` (a path under the common dir, like `refs/git-exp/runs`).
    pub fn loose_ref_count(&self, prefix: &str) -> usize {
        std::fs::read_dir(self.common_dir().join(prefix)).map(|d| d.count()).unwrap_or(0)
    }

    /// Moves every loose ref below `prefix` into `packed-refs`, keeping their reflogs.
    /// Returns how many were packed.
    pub fn pack_refs(&self, prefix: &str) -> Result<usize> {
        let loose: Vec<(String, super::Oid)> = self
            .refs_with_prefix(prefix)?
            .into_iter()
            .filter(|(name, _)| self.common_dir().join(name).is_file())
            .collect();
        if loose.is_empty() {
            return Ok(0);
        }
        let edits = loose.iter().map(|(name, id)| {
            let name = FullName::try_from(name.as_str())
                .map_err(|e| Error::Git { what: format!("invalid ref name `{name}`"), detail: e.to_string() })?;
            // Same old and new value: only the packing happens, no reflog line is written.
            Ok(RefEdit {
                change: Change::Update {
                    log: LogChange { mode: RefLog::AndReference, force_create_reflog: false, message: "pack".into() },
                    expected: PreviousValue::MustExistAndMatch(Target::Object(*id)),
                    new: Target::Object(*id),
                },
                name,
                deref: false,
            })
        });
        let edits: Vec<RefEdit> = edits.collect::<Result<_>>()?;
        let count = edits.len();
        let packing =
            gix::refs::file::transaction::PackedRefs::DeletionsAndNonSymbolicUpdatesRemoveLooseSourceReference(
                Box::new(self.repo.objects.clone()),
            );
        self.repo
            .refs
            .transaction()
            .packed_refs(packing)
            .prepare(edits, gix::lock::acquire::Fail::Immediately, gix::lock::acquire::Fail::Immediately)
            .and_then(|t| t.commit(None))
            .map_err(|e| Error::git("cannot pack refs", &e))?;
        Ok(count)
    }

    /// Starts `git gc --auto` in the background when loose objects are past git's own threshold
    /// (estimated from one fan-out directory, as git does). Does not wait for it.
    pub fn gc_auto_in_background(&self) {
        let sample = self.common_dir().join("objects/17");
        let loose = std::fs::read_dir(&sample).map(|d| d.count()).unwrap_or(0);
        if loose * 256 <= LOOSE_OBJECTS {
            return;
        }
        let Some(dir) = self.workdir().or_else(|| Some(self.common_dir())).map(Path::to_owned) else { return };
        // git gc --auto detaches by itself (gc.autoDetach) and locks against concurrent gcs.
        let _ = Command::new("git")
            .current_dir(dir)
            .args(["gc", "--auto", "--quiet"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}
