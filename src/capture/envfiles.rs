//! The environment files of a run beside `vars.toml`: `python.toml` and `pip-freeze.txt` (the
//! Python that ran, probed or reported by the helper through `$GIT_EXP_ENV_OUT`), `lockfiles.toml`
//! (lock files in the code snapshot, by blob id) and `submodules.toml` (each submodule's commit
//! and dirtiness). Formats in docs/FORMAT.md.

use std::path::Path;

use super::pyenv::PythonEnv;
use crate::store::{Oid, Store};

/// The file the helper writes, in the spool (not in `env/`, which is copied as it is).
pub const ENV_OUT_FILE: &str = "env-out.json";
/// Largest helper report read: thousands of packages fit in far less.
const MAX_ENV_OUT: u64 = 8 << 20;

/// True for the name of a file that pins a Python environment.
#[must_use]
pub fn is_lock_file(name: &str) -> bool {
    matches!(
        name,
        "uv.lock"
            | "poetry.lock"
            | "Pipfile.lock"
            | "pixi.lock"
            | "pdm.lock"
            | "conda-lock.yml"
            | "environment.yml"
            | "environment.yaml"
    ) || (name.starts_with("requirements") && name.ends_with(".txt"))
}

/// `lockfiles.toml`: the lock files at the root of `tree` and in `cwd`, path → blob id; `None`
/// when there are none.
pub fn lockfiles_toml(store: &Store, tree: Oid, cwd: &str) -> anyhow::Result<Option<String>> {
    let mut table = toml::Table::new();
    let cwd = cwd.trim_matches('/');
    let dirs = if cwd.is_empty() || cwd == "." { vec![""] } else { vec!["", cwd] };
    for dir in dirs {
        for (name, blob) in store.files_in(tree, dir)? {
            if is_lock_file(&name) {
                let path = if dir.is_empty() { name } else { format!("{dir}/{name}") };
                table.insert(path, toml::Value::String(blob.to_string()));
            }
        }
    }
    Ok((!table.is_empty()).then(|| toml::to_string(&table).unwrap_or_default()))
}

/// `submodules.toml`: one table per submodule (`commit` checked out, `recorded` by the
/// superproject, `dirty`); `None` without submodules.
#[must_use]
pub fn submodules_toml(root: &Path) -> Option<String> {
    let subs = crate::store::submodules(root);
    if subs.is_empty() {
        return None;
    }
    let mut table = toml::Table::new();
    for sub in subs {
        let mut entry = toml::Table::new();
        entry.insert("commit".into(), toml::Value::String(sub.commit.unwrap_or_else(|| "not checked out".into())));
        entry.insert("recorded".into(), toml::Value::String(sub.recorded));
        entry.insert("dirty".into(), toml::Value::Boolean(sub.dirty));
        table.insert(sub.path, toml::Value::Table(entry));
    }
    toml::to_string(&table).ok()
}

#[derive(serde::Deserialize)]
struct Report {
    python: ReportedPython,
}

/// Other keys are ignored: the helper may say more than git-exp records.
#[derive(serde::Deserialize)]
struct ReportedPython {
    executable: String,
    version: String,
    #[serde(default)]
    packages: Vec<(String, String)>,
}

/// Reads the helper's report from `path`: `Ok(None)` when there is none, `Err` with a one-line
/// reason when it is unusable (the probed record is kept then).
pub fn helper_report(path: &Path) -> Result<Option<PythonEnv>, String> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(None);
    };
    if meta.len() > MAX_ENV_OUT {
        return Err(format!("$GIT_EXP_ENV_OUT is {} bytes, over the limit of {MAX_ENV_OUT}", meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read $GIT_EXP_ENV_OUT: {e}"))?;
    let report: Report =
        serde_json::from_slice(&bytes).map_err(|e| format!("$GIT_EXP_ENV_OUT is not a valid report: {e}"))?;
    let p = report.python;
    let line = |s: &str| s.len() <= 4096 && !s.contains(['\n', '\r']);
    if !line(&p.executable) || !line(&p.version) {
        return Err("$GIT_EXP_ENV_OUT: executable and version must be one line each".into());
    }
    let mut packages = Vec::with_capacity(p.packages.len());
    for (name, version) in p.packages {
        let ok = |s: &str| !s.is_empty() && s.len() <= 200 && !s.chars().any(|c| c.is_control() || c == '=');
        if !ok(&name) || !(version.is_empty() || ok(&version)) {
            return Err(format!("$GIT_EXP_ENV_OUT: bad package entry {:?}", name.chars().take(40).collect::<String>()));
        }
        packages.push((name, version));
    }
    packages.sort_by_key(|(n, _)| n.to_lowercase());
    packages.dedup_by(|a, b| a.0.eq_ignore_ascii_case(&b.0));
    Ok(Some(PythonEnv {
        executable: p.executable,
        version: p.version,
        prefix: String::new(),
        source: "helper".into(),
        site_packages: Vec::new(),
        packages,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_file_names() {
        for yes in ["uv.lock", "poetry.lock", "requirements.txt", "requirements-dev.txt", "environment.yml"] {
            assert!(is_lock_file(yes), "{yes}");
        }
        for no in ["Cargo.lock", "requirements.in", "README.md"] {
            assert!(!is_lock_file(no), "{no}");
        }
    }

    #[test]
    fn helper_reports_are_checked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(ENV_OUT_FILE);
        assert_eq!(helper_report(&path), Ok(None));
        std::fs::write(&path, r#"{"python": {"executable": "/v/bin/python", "version": "3.11.4", "packages": [["numpy", "2.0"], ["attrs", "23.1"]]}}"#)
            .expect("write");
        let env = helper_report(&path).expect("valid").expect("present");
        assert_eq!(env.freeze(), "attrs==23.1\nnumpy==2.0\n");
        assert_eq!(env.source, "helper");
        std::fs::write(&path, r#"{"python": {"executable": "x", "version": "3", "packages": [["a\nb", "1"]]}}"#)
            .expect("write");
        assert!(helper_report(&path).is_err());
        std::fs::write(&path, "not json").expect("write");
        assert!(helper_report(&path).expect_err("invalid").starts_with("$GIT_EXP_ENV_OUT is not a valid report"));
    }
}
