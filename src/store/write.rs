//! Writing runs: the first commit of a run (code snapshot plus record) and every later record
//! edit, each a new commit on the run ref moved by compare-and-swap.

use std::time::Duration;

use super::record::{RECORD_DIR, RUN_TOML, RunRecord};
use super::{Error, RUNS_PREFIX, Result, Run, Store};
use crate::git::{self, CodeSnapshot, Oid, TreeEdit};
use crate::ids::{IdSource, RunId};

/// A file of the record other than `run.toml`, already written as a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFile {
    /// Path inside `.git-exp/`, `/`-separated (`metrics/loss.csv`).
    pub path: String,
    pub blob: Oid,
}

/// A run about to be created.
pub struct NewRun<'a> {
    pub record: RunRecord,
    pub code: &'a CodeSnapshot,
    pub files: Vec<RecordFile>,
    /// Whether the name was given by the user (kept on an id collision) or generated.
    pub named: bool,
}

/// How often a compare-and-swap is retried before giving up.
const MAX_TRIES: u32 = 64;

impl Store {
    /// Creates a run: its first commit (code snapshot plus `.git-exp/`, parent `base`) and its ref,
    /// create-only. An id collision draws a new id (and a new name unless one was given).
    pub fn create_run(&self, ids: &mut IdSource, mut new: NewRun<'_>) -> Result<Run> {
        let base: Vec<Oid> = match &new.record.base {
            Some(hex) => vec![Oid::from_hex(hex.as_bytes()).map_err(|_| Error::BadRecord {
                reference: new.record.id.to_string(),
                detail: format!("base `{hex}` is not a commit id"),
            })?],
            None => vec![],
        };
        for _ in 0..MAX_TRIES {
            let mut edits = new.code.edits.clone();
            // A `.git-exp/` of the user's own must not mix into the record.
            edits.push(TreeEdit::Remove { path: RECORD_DIR.into() });
            edits.extend(self.record_edits(&new.record, &new.files)?);
            let tree = self.repo.write_tree(new.code.base_tree, &edits)?;
            let commit = self.repo.write_commit(tree, &base, &new.record.commit_message(), commit_seconds())?;
            let name = ref_name(&new.record.id);
            match self.repo.cas_ref(&name, None, commit, &format!("git-exp: create run {}", new.record.id)) {
                Ok(()) => {
                    let status = new.record.status;
                    return Ok(Run { commit, record: new.record, status, in_trash: false });
                }
                Err(git::Error::RefExists { .. }) => {
                    new.record.id = ids.run_id();
                    if !new.named {
                        new.record.name = ids.name();
                    }
                }
                // A lock held by another writer (packing refs, say): try again shortly.
                Err(git::Error::RefMoved { .. }) => std::thread::sleep(Duration::from_millis(1 + ids.below(20))),
                Err(other) => return Err(other.into()),
            }
        }
        Err(Error::Contended { id: new.record.id.to_string(), tries: MAX_TRIES })
    }

    /// Applies `edit` to the newest record of run `id`, adds `files`, and commits the result on
    /// the run ref. When another writer moved the ref meanwhile, re-reads and applies `edit`
    /// again on top of theirs, so neither update is lost.
    pub fn update_run(
        &self,
        id: &RunId,
        why: &str,
        files: &[RecordFile],
        edit: impl FnMut(&mut RunRecord),
    ) -> Result<Run> {
        self.update_run_if(id, why, files, false, edit)
    }

    /// [`Self::update_run`], and with `only_while_running` only while the newest record is still
    /// `running` ([`Error::NoLongerRunning`] otherwise): `recover` commits a crash over what it
    /// listed as a dead run, and the run may have finished between that listing and this
    /// commit; its own final record must not be overwritten with a crash.
    pub fn update_run_if(
        &self,
        id: &RunId,
        why: &str,
        files: &[RecordFile],
        only_while_running: bool,
        mut edit: impl FnMut(&mut RunRecord),
    ) -> Result<Run> {
        let name = ref_name(id);
        let mut jitter = IdSource::new();
        for attempt in 0..MAX_TRIES {
            let Some(tip) = self.repo.find_ref(&name)? else {
                return Err(Error::InTrash { id: id.to_string() });
            };
            let mut record = self.read_record(tip)?;
            if only_while_running && record.status != super::Status::Running {
                return Err(Error::NoLongerRunning { id: id.to_string(), status: record.status.to_string() });
            }
            edit(&mut record);
            let tip_tree = self.repo.commit_info(tip)?.tree;
            let tree = self.repo.write_tree(tip_tree, &self.record_edits(&record, files)?)?;
            let commit = self.repo.write_commit(tree, &[tip], &record.commit_message(), commit_seconds())?;
            match self.repo.cas_ref(&name, Some(tip), commit, &format!("git-exp: {why}")) {
                Ok(()) => {
                    let status = self.effective_status(&record);
                    return Ok(Run { commit, record, status, in_trash: false });
                }
                Err(git::Error::RefMoved { .. }) => {
                    std::thread::sleep(Duration::from_millis(1 + jitter.below(5 + 5 * u64::from(attempt))));
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(Error::Contended { id: id.to_string(), tries: MAX_TRIES })
    }

    fn record_edits(&self, record: &RunRecord, files: &[RecordFile]) -> Result<Vec<TreeEdit>> {
        let toml = self.repo.write_blob(record.to_toml().as_bytes())?;
        let mut edits = vec![TreeEdit::File { path: RUN_TOML.into(), blob: toml }];
        edits.extend(files.iter().map(|f| TreeEdit::File { path: format!("{RECORD_DIR}/{}", f.path), blob: f.blob }));
        Ok(edits)
    }

    /// Moves a run to the trash (`refs/git-exp/trash/<id>`), recoverable with [`Store::restore`].
    pub fn trash(&self, run: &Run) -> Result<()> {
        let from = ref_name(run.id());
        let to = format!("{}{}", super::TRASH_PREFIX, run.id());
        self.repo.move_ref(&from, &to, run.commit, &format!("git-exp: rm run {}", run.id()))?;
        Ok(())
    }

    /// Moves a run back from the trash.
    pub fn restore(&self, run: &Run) -> Result<()> {
        let from = format!("{}{}", super::TRASH_PREFIX, run.id());
        let to = ref_name(run.id());
        self.repo.move_ref(&from, &to, run.commit, &format!("git-exp: restore run {}", run.id()))?;
        Ok(())
    }
}

pub fn ref_name(id: &RunId) -> String {
    format!("{RUNS_PREFIX}{id}")
}

fn commit_seconds() -> i64 {
    crate::clock::now().as_second()
}
