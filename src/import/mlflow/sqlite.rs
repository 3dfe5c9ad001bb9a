//! MLflow's SQL store in SQLite, read-only: `runs` (`run_uuid`, `name`, `status`, `start_time`,
//! `end_time`, `user_id`, `lifecycle_stage`, `artifact_uri`, `experiment_id`), `experiments`,
//! `params`/`tags` (`key`, `value`, `run_uuid`), `metrics` (`key`, `value`, `timestamp`, `step`,
//! `is_nan`, `run_uuid`) and, since MLflow 3, `logged_models` (`source_run_id`,
//! `artifact_location`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};

use super::{artifact_dir, check_run_id, finish, status};
use crate::import::{ForeignRun, MAX_KEYS_PER_RUN, MAX_POINTS_PER_RUN, MAX_VALUE_BYTES, Point, millis};

pub struct SqliteStore {
    db: Connection,
    /// Relative artifact locations are taken relative to the database's directory.
    dir: PathBuf,
}

const RUN: &str = "SELECT r.run_uuid, r.name, r.status, r.start_time, r.end_time, r.user_id, r.artifact_uri, \
    e.name FROM runs r LEFT JOIN experiments e ON e.experiment_id = r.experiment_id WHERE r.run_uuid = ?1";

impl SqliteStore {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if !path.is_file() {
            anyhow::bail!("MLflow database {} does not exist", path.display());
        }
        let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_context(|| format!("cannot open MLflow database {}", path.display()))?;
        let has_runs: Option<String> = db
            .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'runs'", [], |r| r.get(0))
            .optional()
            .with_context(|| format!("{} is not an SQLite database", path.display()))?;
        if has_runs.is_none() {
            anyhow::bail!("{} is not an MLflow database (it has no `runs` table)", path.display());
        }
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        Ok(Self { db, dir })
    }

    pub fn run_ids(&self) -> anyhow::Result<Vec<String>> {
        let mut stmt = self.db.prepare(
            "SELECT run_uuid FROM runs WHERE lifecycle_stage IS NOT 'deleted' ORDER BY start_time, run_uuid",
        )?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    pub fn read(&self, id: &str) -> anyhow::Result<ForeignRun> {
        check_run_id(id)?;
        let mut run = self.db.query_row(RUN, params![id], |r| {
            Ok(ForeignRun {
                run_id: r.get(0)?,
                name: r.get::<_, Option<String>>(1)?.filter(|n| !n.is_empty()),
                status: r.get::<_, Option<String>>(2)?.as_deref().and_then(status),
                started: r.get::<_, Option<i64>>(3)?.and_then(millis),
                ended: r.get::<_, Option<i64>>(4)?.and_then(millis),
                user: r.get::<_, Option<String>>(5)?.filter(|u| !u.is_empty()),
                artifact_dirs: r
                    .get::<_, Option<String>>(6)?
                    .map(|uri| (String::new(), PathBuf::from(uri)))
                    .into_iter()
                    .collect(),
                experiment: r.get(7)?,
                ..ForeignRun::default()
            })
        })?;
        run.params = self.values("params", id)?;
        run.tags = self.values("tags", id)?;
        run.metrics = self.metrics(id)?;
        let uris: Vec<(String, PathBuf)> = std::mem::take(&mut run.artifact_dirs);
        for (prefix, uri) in uris.into_iter().chain(self.logged_models(id)?) {
            if let Some(dir) = artifact_dir(&uri.to_string_lossy(), &self.dir, &mut run.warnings) {
                run.artifact_dirs.push((prefix, dir));
            }
        }
        Ok(finish(run))
    }

    fn values(&self, table: &str, id: &str) -> anyhow::Result<Vec<(String, String)>> {
        // `table` is one of two constants, never input.
        let mut stmt = self.db.prepare(&format!("SELECT key, value FROM {table} WHERE run_uuid = ?1 ORDER BY key"))?;
        let mut rows = stmt.query(params![id])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            let value: String = row.get::<_, Option<String>>(1)?.unwrap_or_default();
            if value.len() as u64 > MAX_VALUE_BYTES {
                anyhow::bail!("{table} `{}` is larger than {MAX_VALUE_BYTES} bytes", key.escape_debug());
            }
            out.push((key, value));
            if out.len() > MAX_KEYS_PER_RUN {
                anyhow::bail!("more than {MAX_KEYS_PER_RUN} {table}");
            }
        }
        Ok(out)
    }

    fn metrics(&self, id: &str) -> anyhow::Result<Vec<(String, Vec<Point>)>> {
        let mut stmt = self.db.prepare(
            "SELECT key, step, value, timestamp, is_nan FROM metrics WHERE run_uuid = ?1 ORDER BY key, timestamp, step",
        )?;
        let mut rows = stmt.query(params![id])?;
        let mut out: Vec<(String, Vec<Point>)> = Vec::new();
        let mut total = 0usize;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            let is_nan: bool = row.get::<_, Option<bool>>(4)?.unwrap_or(false);
            let value: f64 = if is_nan { f64::NAN } else { row.get(2)? };
            let ms: i64 = row.get::<_, Option<i64>>(3)?.unwrap_or(0);
            let point = Point { step: row.get::<_, Option<i64>>(1)?.unwrap_or(0), value, time: ms as f64 / 1000.0 };
            match out.last_mut() {
                Some((last, points)) if *last == key => points.push(point),
                _ => out.push((key, vec![point])),
            }
            total += 1;
            if total > MAX_POINTS_PER_RUN {
                anyhow::bail!("more than {MAX_POINTS_PER_RUN} metric points");
            }
        }
        Ok(out)
    }

    /// MLflow 3's logged models of the run, as `models/<name>/` artifacts.
    fn logged_models(&self, id: &str) -> anyhow::Result<Vec<(String, PathBuf)>> {
        let exists: Option<String> = self
            .db
            .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'logged_models'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_none() {
            return Ok(vec![]);
        }
        let mut stmt = self.db.prepare(
            "SELECT name, model_id, artifact_location FROM logged_models WHERE source_run_id = ?1 \
             AND lifecycle_stage IS NOT 'deleted' ORDER BY creation_timestamp_ms, model_id",
        )?;
        let mut rows = stmt.query(params![id])?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(row) = rows.next()? {
            let name: Option<String> = row.get(0)?;
            let model_id: String = row.get(1)?;
            let location: String = row.get(2)?;
            let name = name.unwrap_or_else(|| model_id.clone());
            let prefix =
                if seen.insert(name.clone()) { format!("models/{name}") } else { format!("models/{model_id}") };
            out.push((prefix, PathBuf::from(location)));
        }
        Ok(out)
    }
}
