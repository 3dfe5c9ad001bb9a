//! Cell alignment of `git exp nbdiff` against known truths: generated pairs (with and without
//! ids) whose generator writes what a perfect diff reports, real-history cases, phantom moves.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{TestEnv, missing_tool};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks").join(name).to_string_lossy().into_owned()
}

fn json_diff(env: &TestEnv, old: &str, new: &str) -> Value {
    let out = env.run(["nbdiff", old, new, "--format", "json"]);
    out.success();
    out.json()
}

/// `(old_index, new_index)` of every listed cell, `None` for the missing side.
fn listed(diff: &Value) -> Vec<(Option<u64>, Option<u64>, String)> {
    diff["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let moved = if c["moved"] == true { ":moved" } else { "" };
            (c["old_index"].as_u64(), c["new_index"].as_u64(), format!("{}{moved}", c["status"].as_str().unwrap()))
        })
        .collect()
}

/// Runs bench/gen_notebooks.py into `dir`; false (after `missing_tool`) when python3 is absent.
fn generate(dir: &Path, cells: usize, seed: u64, ids: bool) -> bool {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen_notebooks.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).args(["--cells", &cells.to_string(), "--seed", &seed.to_string(), "--out"]).arg(dir);
    if ids {
        cmd.arg("--ids");
    }
    match cmd.status() {
        Ok(status) => {
            assert!(status.success(), "gen_notebooks.py failed");
            true
        }
        Err(e) => {
            missing_tool("generated_pairs_reproduce_the_truth", &format!("python3: {e}"));
            false
        }
    }
}

/// Checks a diff against the generator's truth: the counts exactly, and every listed cell
/// against the truth's pairing (unchanged cells in place are not listed, so they are covered by
/// the counts).
fn check_against_truth(dir: &Path, diff: &Value, what: &str) {
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    for key in ["added", "deleted", "modified", "moved", "unchanged"] {
        assert_eq!(diff["summary"][key], truth[key], "{what}: {key} (summary {})", diff["summary"]);
    }
    let pairs: BTreeSet<(u64, u64)> =
        truth["pairs"].as_array().unwrap().iter().map(|p| (p[0].as_u64().unwrap(), p[1].as_u64().unwrap())).collect();
    let paired_old: BTreeSet<u64> = pairs.iter().map(|p| p.0).collect();
    let paired_new: BTreeSet<u64> = pairs.iter().map(|p| p.1).collect();
    for (old, new, status) in listed(diff) {
        match (old, new) {
            (Some(i), Some(j)) => assert!(pairs.contains(&(i, j)), "{what}: old {i} paired with new {j} ({status})"),
            (None, Some(j)) => assert!(!paired_new.contains(&j), "{what}: new {j} shown added"),
            (Some(i), None) => assert!(!paired_old.contains(&i), "{what}: old {i} shown deleted"),
            (None, None) => panic!("{what}: a cell without either side"),
        }
    }
}

#[test]
fn generated_pairs_reproduce_the_truth() {
    let env = TestEnv::new();
    for cells in [500, 2_000, 5_000] {
        for ids in [false, true] {
            let dir = env.repo.join(format!("gen-{cells}-{ids}"));
            if !generate(&dir, cells, 1, ids) {
                return;
            }
            let diff =
                json_diff(&env, &dir.join("old.ipynb").to_string_lossy(), &dir.join("new.ipynb").to_string_lossy());
            check_against_truth(&dir, &diff, &format!("{cells} cells, ids: {ids}"));
        }
    }
}

#[test]
fn generated_pairs_with_other_seeds() {
    let env = TestEnv::new();
    for seed in [2, 3, 4, 5] {
        let dir = env.repo.join(format!("gen-{seed}"));
        if !generate(&dir, 2_000, seed, false) {
            return;
        }
        let diff = json_diff(&env, &dir.join("old.ipynb").to_string_lossy(), &dir.join("new.ipynb").to_string_lossy());
        check_against_truth(&dir, &diff, &format!("seed {seed}"));
    }
}

#[test]
fn a_retitled_header_is_edited_in_place() {
    let env = TestEnv::new();
    let diff = json_diff(&env, &fixture("retitled--1.ipynb"), &fixture("retitled--2.ipynb"));
    let expected = [(5, 5, "modified"), (6, 6, "modified"), (7, 7, "modified")];
    let expected: Vec<_> = expected.iter().map(|&(i, j, s)| (Some(i), Some(j), s.to_owned())).collect();
    assert_eq!(listed(&diff), expected);
    let out = env.run(["nbdiff", &fixture("retitled--1.ipynb"), &fixture("retitled--2.ipynb")]);
    assert!(
        out.success()
            .contains("## cell 7 (markdown): modified\n@@ source @@\n-## Time complexity\n+**Time complexity:**\n")
    );
}

#[test]
fn a_header_moved_ten_cells_down_is_a_move() {
    let env = TestEnv::new();
    let diff = json_diff(&env, &fixture("header-moved--1.ipynb"), &fixture("header-moved--2.ipynb"));
    assert_eq!(
        listed(&diff),
        vec![(Some(3), Some(12), "unchanged:moved".to_owned()), (Some(13), None, "deleted".to_owned())]
    );
}

fn code_cell(source: &str, id: Option<&str>) -> Value {
    let mut cell =
        json!({"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": source});
    if let Some(id) = id {
        cell["id"] = id.into();
    }
    cell
}

fn write_notebook(env: &TestEnv, name: &str, cells: Vec<Value>) -> PathBuf {
    let nb = json!({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5});
    let path = env.repo.join(name);
    std::fs::write(&path, serde_json::to_string(&nb).unwrap()).unwrap();
    path
}

#[test]
fn one_missing_id_moves_nothing() {
    let env = TestEnv::new();
    let sources = ["import os", "x = 1", "y = x + 1", "print(y)", "z = y * 2", "print(z)", "w = z - 1", "print(w)"];
    let ids = ["a", "b", "c", "d", "e", "f", "g", "h"];
    let old: Vec<Value> = sources.iter().zip(ids).map(|(s, id)| code_cell(s, Some(id))).collect();
    let mut new = old.clone();
    new[4] = code_cell("z = y * 3", None);
    new[1] = code_cell("x = 2", Some("b"));
    let old = write_notebook(&env, "old.ipynb", old);
    let new = write_notebook(&env, "new.ipynb", new);
    let diff = json_diff(&env, &old.to_string_lossy(), &new.to_string_lossy());
    assert_eq!(diff["summary"], json!({"added": 0, "deleted": 0, "modified": 2, "moved": 0, "unchanged": 6}));
}

#[test]
fn many_identical_cells_move_nothing() {
    let env = TestEnv::new();
    for ids in [false, true] {
        let id = |k: usize| ids.then(|| format!("c{k}"));
        let old: Vec<Value> = (0..10_000).map(|k| code_cell("x = 1", id(k).as_deref())).collect();
        let mut new = old.clone();
        new.remove(3_000);
        new.insert(7_000, code_cell("print('inserted')", id(20_000).as_deref()));
        let old = write_notebook(&env, "old.ipynb", old);
        let new = write_notebook(&env, "new.ipynb", new);
        let diff = json_diff(&env, &old.to_string_lossy(), &new.to_string_lossy());
        assert_eq!(
            diff["summary"],
            json!({"added": 1, "deleted": 1, "modified": 0, "moved": 0, "unchanged": 9_999}),
            "ids: {ids}"
        );
    }
}

#[test]
fn an_id_only_change_is_shown_as_such() {
    let env = TestEnv::new();
    let old = vec![code_cell("import os", Some("a")), code_cell("x = 1", Some("b")), code_cell("print(x)", Some("c"))];
    let mut new = old.clone();
    new[1]["id"] = "b2".into();
    let old = write_notebook(&env, "old.ipynb", old);
    let new = write_notebook(&env, "new.ipynb", new);
    let diff = json_diff(&env, &old.to_string_lossy(), &new.to_string_lossy());
    assert_eq!(listed(&diff), vec![(Some(1), Some(1), "modified".to_owned())]);
    assert_eq!((&diff["cells"][0]["old_id"], &diff["cells"][0]["id"]), (&json!("b"), &json!("b2")));
    let out = env.run([std::ffi::OsStr::new("nbdiff"), old.as_os_str(), new.as_os_str()]);
    assert!(out.success().contains("## cell 2 (code): modified\n@@ id b → b2 @@\n"), "{out}");
}

/// The pairing of one fixture pair in the table's notation: `+N` added, `−N` deleted, `I→J`
/// paired (`~` modified, `*` moved), 1-based; cells unchanged in place are not listed.
fn pairing(diff: &Value) -> BTreeSet<String> {
    listed(diff)
        .into_iter()
        .map(|(old, new, status)| match (old, new) {
            (Some(i), Some(j)) => {
                let edit = if status.starts_with("modified") { "~" } else { "" };
                let moved = if status.ends_with(":moved") { "*" } else { "" };
                format!("{}→{}{edit}{moved}", i + 1, j + 1)
            }
            (None, Some(j)) => format!("+{}", j + 1),
            (Some(i), None) => format!("−{}", i + 1),
            (None, None) => panic!("a cell without either side"),
        })
        .collect()
}

/// `multi_cell_nb` + `--local` is `multi_cell_nb--local`; `multilevel-test-base` + `-local` is
/// `multilevel-test-local`; a whole name stays as it is.
fn sibling(old: &str, new: &str) -> String {
    let cut = if new.starts_with("--") {
        old.rfind("--")
    } else if new.starts_with('-') {
        old.rfind('-')
    } else {
        None
    };
    match (cut, new.starts_with('-')) {
        (Some(at), true) => format!("{}{new}", &old[..at]),
        (None, true) => format!("{old}{new}"),
        (_, false) => new.to_owned(),
    }
}

/// Every row of the fixture table in docs/NBDIFF.md is what `git exp nbdiff` reports: the cell
/// counts and the pairing, so the table (nbdime's pairing beside ours) cannot go stale.
#[test]
fn fixture_pairings_match_the_table_in_the_docs() {
    let env = TestEnv::new();
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/NBDIFF.md")).unwrap();
    let mut rows = 0;
    for line in docs.lines().filter(|l| l.starts_with("| `")) {
        let columns: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| old → new | cells | git exp nbdiff | nbdime |`: only the fixture table has a `→`
        // in its first and second columns.
        let [_, names, cells, ours, ..] = columns[..] else { continue };
        let Some((counts_old, counts_new)) = cells.split_once(" → ") else { continue };
        let names: Vec<&str> = names.split('`').skip(1).step_by(2).collect();
        let [old, news @ ..] = &names[..] else { panic!("no fixture names in {line}") };
        // `--2`, `--3` in one row: each against the same old notebook.
        for new in news {
            let (old_file, new_file) = (format!("{old}.ipynb"), format!("{}.ipynb", sibling(old, new)));
            let diff = json_diff(&env, &fixture(&old_file), &fixture(&new_file));
            let expected: BTreeSet<String> =
                ours.split(" (").next().unwrap().split(", ").map(str::to_owned).filter(|s| !s.is_empty()).collect();
            assert_eq!(pairing(&diff), expected, "{old_file} → {new_file}");
            let summary = &diff["summary"];
            let count = |key: &str| summary[key].as_u64().unwrap();
            let paired = count("modified") + count("unchanged");
            assert_eq!(
                (paired + count("deleted"), paired + count("added")),
                (counts_old.parse().unwrap(), counts_new.parse().unwrap()),
                "{old_file} → {new_file}: cell counts"
            );
            rows += 1;
        }
    }
    assert!(rows >= 20, "the fixture table in docs/NBDIFF.md was not found ({rows} rows)");
}
