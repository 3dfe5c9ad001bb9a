//! Emptying the trash and packing run refs, for `gc`.

use super::{RUNS_PREFIX, Result, Run, Store};

impl Store {
    /// When `run` went to the trash (Unix seconds), from its ref's reflog. A ref without one
    /// (reflogs expired, `core.logAllRefUpdates=false`, a copied repository) counts from its
    /// commit instead, so it still leaves the trash.
    pub fn trashed_at(&self, run: &Run) -> Result<i64> {
        match self.repo.reflog_time(&run.ref_name()) {
            Some(time) => Ok(time),
            None => Ok(self.repo.commit_info(run.commit)?.time),
        }
    }

    /// Deletes a run's ref for good, if it still points at the commit `run` was read from.
    pub fn purge(&self, run: &Run) -> Result<()> {
        Ok(self.repo.delete_ref(&run.ref_name(), run.commit)?)
    }

    /// Packs the loose run refs and returns how many were packed.
    pub fn pack_run_refs(&self) -> Result<usize> {
        Ok(self.repo.pack_refs(RUNS_PREFIX)?)
    }
}
