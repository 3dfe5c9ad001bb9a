//! Environment differences: the files of `.git-exp/env/` compared entry by entry. pip freeze
//! lines pair up by package, TOML files by key, any other file by line.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::{Run, Store};

/// Where a run's environment capture is (FORMAT.md).
const ENV_DIR: &str = ".git-exp/env";

/// One entry that differs; `None` where it is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvChange {
    /// The file under `.git-exp/env/` (`pip-freeze.txt`).
    pub file: String,
    /// The package, the key or the line.
    pub key: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// Compares the environment captures of two runs; a run without one counts as empty.
pub fn diff_env(store: &Store, a: &Run, b: &Run) -> anyhow::Result<Vec<EnvChange>> {
    let env_tree = |run: &Run| -> anyhow::Result<_> {
        let tree = store.run_tree(run)?;
        Ok(store.subtree_or_empty(tree, ENV_DIR)?)
    };
    let changes = store.diff_trees(env_tree(a)?, env_tree(b)?, &[])?;
    let mut out = Vec::new();
    for change in changes {
        let read = |side: Option<crate::store::DiffEntry>| -> anyhow::Result<String> {
            Ok(match side {
                Some(e) => String::from_utf8_lossy(&store.read_blob(e.id)?).into_owned(),
                None => String::new(),
            })
        };
        out.extend(diff_file(&change.path, &read(change.old)?, &read(change.new)?));
    }
    Ok(out)
}

/// Compares two versions of one environment file.
pub fn diff_file(file: &str, a: &str, b: &str) -> Vec<EnvChange> {
    let (ea, eb) = if file.ends_with(".toml") {
        (toml_entries(a), toml_entries(b))
    } else if file.starts_with("pip") || file.starts_with("requirements") {
        (pip_entries(a), pip_entries(b))
    } else {
        (line_entries(a), line_entries(b))
    };
    let mut keys: Vec<&String> = ea.keys().chain(eb.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| ea.get(*k) != eb.get(*k))
        .map(|k| EnvChange { file: file.to_owned(), key: k.clone(), a: ea.get(k).cloned(), b: eb.get(k).cloned() })
        .collect()
}

/// `numpy==1.26.0` → numpy: 1.26.0; `pkg @ file:///…` → pkg: the reference; names compared
/// as pip does (case-insensitive, `_` and `.` equal to `-`).
fn pip_entries(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let split = ["==", " @ ", "==="].iter().find_map(|sep| line.split_once(sep));
            let (name, version) = split.unwrap_or((line, ""));
            (name.trim().to_lowercase().replace(['_', '.'], "-"), version.trim().to_owned())
        })
        .collect()
}

/// Every scalar of a TOML file under its dotted key.
fn toml_entries(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match toml::from_str::<toml::Table>(text) {
        Ok(table) => flatten("", &toml::Value::Table(table), &mut out),
        // Not TOML after all: compare it by line rather than not at all.
        Err(_) => return line_entries(text),
    }
    out
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, inner) in table {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, inner, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

fn line_entries(text: &str) -> BTreeMap<String, String> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| (l.to_owned(), l.to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(file: &str, a: &str, b: &str) -> Vec<String> {
        diff_file(file, a, b)
            .into_iter()
            .map(|c| format!("{} {:?} {:?}", c.key, c.a.as_deref(), c.b.as_deref()))
            .collect()
    }

    #[test]
    fn pip_freeze_pairs_packages() {
        let a = "numpy==1.26.0\nscipy==1.11.0\nPyYAML==6.0\n# comment\n";
        let b = "numpy==2.0.0\npyyaml==6.0\ntorch==2.1.0\nmylib @ file:///src/mylib\n";
        assert_eq!(
            changes("pip-freeze.txt", a, b),
            [
                r#"mylib None Some("file:///src/mylib")"#,
                r#"numpy Some("1.26.0") Some("2.0.0")"#,
                r#"scipy Some("1.11.0") None"#,
                r#"torch None Some("2.1.0")"#,
            ]
        );
    }

    #[test]
    fn toml_by_key_and_other_files_by_line() {
        let a = "CUDA_VISIBLE_DEVICES = \"0\"\n[tools]\npython = \"3.11\"\n";
        let b = "CUDA_VISIBLE_DEVICES = \"0,1\"\n[tools]\npython = \"3.11\"\n";
        assert_eq!(changes("vars.toml", a, b), [r#"CUDA_VISIBLE_DEVICES Some("0") Some("0,1")"#]);
        assert_eq!(
            changes("versions.txt", "gcc 12\nrustc 1.95\n", "gcc 13\nrustc 1.95\n"),
            [r#"gcc 12 Some("gcc 12") None"#, r#"gcc 13 None Some("gcc 13")"#]
        );
    }
}
