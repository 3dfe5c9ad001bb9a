//! One table of filter cases (tests/fixtures/filter-cases.json) for both engines of the
//! `--where` language: `git exp ls --where` on a real repository, then the report's browser
//! filter (src/report/js/filter.js) in node on the same runs, and typed into the filter box of a
//! real report in Chromium. A case the engines disagree on fails here.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{TestEnv, missing_tool};

pub fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/filter-cases.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

/// Records the runs of the table's `setup`, in order.
pub fn env_with_cases(table: &Value) -> TestEnv {
    let env = TestEnv::with_commit();
    for step in table["setup"].as_array().unwrap() {
        if let Some(path) = step["write"].as_str() {
            env.write(path, step["content"].as_str().unwrap());
            continue;
        }
        let args = strings(&step["git-exp"]);
        let out = env.run(&args);
        // `run` exits with the command's code; the failing run is meant to fail.
        assert!(out.code == 0 || args[0] == "run", "setup step {args:?} failed\n{out}");
    }
    env
}

/// What `ls --where` says about one case, or `None` when it agrees with the table.
fn check_case(env: &TestEnv, now: &str, case: &Value) -> Option<String> {
    let expr = case["where"].as_str().unwrap();
    let out = env.run_in(&env.repo, &[("GIT_EXP_NOW", now)], ["ls", "--where", expr, "--format", "json"]);
    if let Some(rows) = case.get("rows") {
        if out.code != 0 {
            return Some(format!("{expr:?}: expected rows {rows}, got\n{out}"));
        }
        let mut got: Vec<String> =
            out.json().as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect();
        let mut want = strings(rows);
        got.sort();
        want.sort();
        return (got != want).then(|| format!("{expr:?}: ls gives {got:?}, the table says {want:?}"));
    }
    let message = match (case["error"].as_str(), case["error-prefix"].as_str()) {
        (Some(error), _) => format!("error: invalid --where: {error}\n"),
        (None, Some(prefix)) => format!("error: invalid --where: {prefix}"),
        _ => return Some(format!("{expr:?}: a case needs rows, error or error-prefix")),
    };
    let hint = case["hint"].as_str().map(|h| format!("hint: {h}\n"));
    let fine = out.code == 2 && out.stderr.contains(&message) && hint.is_none_or(|h| out.stderr.contains(&h));
    (!fine).then(|| format!("{expr:?}: expected exit 2 with {message:?} {:?}, got\n{out}", case["hint"]))
}

#[test]
fn both_filter_engines_give_the_rows_of_the_case_table() {
    let table = fixture();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "the table has {} cases", cases.len());
    let env = env_with_cases(&table);
    let now = table["now"].as_str().unwrap();
    let failures: Vec<String> = cases.iter().filter_map(|case| check_case(&env, now, case)).collect();
    assert!(failures.is_empty(), "`ls --where` disagrees with the table:\n{}", failures.join("\n"));

    // The browser engine, on the same runs as `ls --format json` prints them (as data/runs.js has them).
    let runs = env.run_in(&env.repo, &[("GIT_EXP_NOW", now)], ["ls", "--format", "json"]).json();
    let input = env.root.join("filter-cases.json");
    std::fs::write(&input, json!({ "now": now, "runs": runs, "cases": cases }).to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report/js/test/filter.js");
    let out = match Command::new("node").arg(&script).arg(&input).env("TZ", "UTC").output() {
        Ok(out) => out,
        Err(e) => return missing_tool("both_filter_engines_give_the_rows_of_the_case_table", &format!("node: {e}")),
    };
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "filter.js disagrees with `ls --where`:\n{report}");
    assert!(report.contains(&format!("{} of {} cases agree", cases.len(), cases.len())), "{report}");
}

/// The same table typed into the filter box of a report built with the table's clock.
#[test]
fn the_filter_box_gives_the_rows_of_the_case_table() {
    let Some(chromium) = crate::browser::chromium() else {
        return missing_tool("the_filter_box_gives_the_rows_of_the_case_table", "no chromium on PATH");
    };
    let table = fixture();
    let env = env_with_cases(&table);
    let now = table["now"].as_str().unwrap();
    env.run_in(&env.repo, &[("GIT_EXP_NOW", now)], ["report", "-o", "../site"]).success();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/filter_cases.py");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/filter-cases.json");
    let out = Command::new("python3")
        .arg(&script)
        .arg(env.root.join("site"))
        .arg(&fixture)
        .env("CHROMIUM", &chromium)
        .env("TZ", "UTC")
        .output()
        .expect("python3 runs");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the filter box disagrees with `ls --where`:\n{report}");
}
