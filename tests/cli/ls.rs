//! `git exp ls`: filters, sort keys, columns and formats over recorded runs.

use crate::common::TestEnv;

#[test]
fn ls_outside_a_repository_fails_clearly() {
    let env = TestEnv::new();
    let outside = env.root.join("home");
    let mut cmd = env.cmd_in(&outside);
    let out = cmd.args(["ls"]).env("GIT_CEILING_DIRECTORIES", &env.root).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: git-exp works inside a git repository"), "{stderr}");
}

#[test]
fn ls_with_no_runs_prints_an_empty_list() {
    let env = TestEnv::with_commit();
    let out = env.run(["ls", "--format", "json"]);
    assert_eq!(out.success().trim(), "[]");
}

/// Four snapshot runs: two ablations, a debug run and a run without metrics.
fn four_runs() -> (TestEnv, [String; 4]) {
    let env = TestEnv::with_commit();
    let a = env
        .snapshot(&["-n", "abl-lr", "-p", "lr=0.001", "-p", "bs=32", "--metric", "acc=0.95", "--metric", "loss=0.2"]);
    let b = env
        .snapshot(&["-n", "abl-bs", "-p", "lr=0.001", "-p", "bs=64", "--metric", "acc=0.91", "--metric", "loss=0.3"]);
    let c = env.snapshot(&[
        "-n", "debug-1", "-t", "debug", "-p", "lr=0.1", "-p", "bs=32", "--metric", "acc=0.97", "--metric", "loss=0.1",
    ]);
    let d = env.snapshot(&["-n", "plain", "-p", "lr=0.01", "-t", "wip"]);
    (env, [a, b, c, d])
}

fn ids(env: &TestEnv, args: &[&str]) -> Vec<String> {
    let mut all = vec!["ls", "--format", "json"];
    all.extend_from_slice(args);
    let out = env.run(all);
    out.json()
        .as_array()
        .unwrap_or_else(|| panic!("not a list\n{out}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn where_sort_and_limit_select_runs() {
    let (env, [a, b, c, d]) = four_runs();
    let (a, b, c, d) = (a.as_str(), b.as_str(), c.as_str(), d.as_str());
    // The clock ticks a minute per call: the runs started at 10:01 to 10:04; this is call 5
    // (10:05), then call 6 (10:06).
    assert_eq!(ids(&env, &["--since", "3m"]), [d, c, b]);
    assert_eq!(ids(&env, &["--where", "started > 4m ago"]), [d, c]);
    assert_eq!(ids(&env, &[]), [d, c, b, a], "newest first by default");
    let issue = ["--where", "params.lr < 0.01 and metrics.acc:max > 0.9 and not tags contains \"debug\""];
    assert_eq!(ids(&env, &issue), [b, a]);
    assert_eq!(ids(&env, &[&issue[..], &["--sort", "-metrics.acc:max"]].concat()), [a, b]);
    assert_eq!(ids(&env, &["--where", "status in [failed, crashed] or name ~ \"^abl-\""]), [b, a]);
    // repeated --where: all must match; missing values never match a comparison
    assert_eq!(ids(&env, &["-w", "params.bs = 32", "-w", "metrics.loss < 1"]), [c, a]);
    assert_eq!(ids(&env, &["--where", "metrics.acc != 0.95"]), [c, b]);
    assert_eq!(ids(&env, &["--where", "not metrics.acc exists"]), [d]);
    assert_eq!(ids(&env, &["--where", "tags exists"]), [d, c]);
    // sort: several keys, comma list or repeated, missing values last in both directions
    assert_eq!(ids(&env, &["--sort", "-metrics.acc"]), [c, a, b, d]);
    assert_eq!(ids(&env, &["--sort", "metrics.acc"]), [b, a, c, d]);
    assert_eq!(ids(&env, &["--sort", "params.bs,-metrics.loss"]), [a, c, b, d]);
    assert_eq!(ids(&env, &["--sort", "params.bs", "--sort", "-metrics.loss"]), [a, c, b, d]);
    assert_eq!(ids(&env, &["--sort", "name", "--limit", "2"]), [b, a]);
    assert_eq!(ids(&env, &["-n", "1"]), [d]);
    assert_eq!(ids(&env, &["--where", "started >= 2026-11-23T10:03:00Z"]), [d, c]);
    assert_eq!(ids(&env, &["--where", "started = 2026-11-23"]).len(), 4);
    assert_eq!(ids(&env, &["--since", "2026-11-23"]).len(), 4);
    assert_eq!(ids(&env, &["--since", "2026-11-24"]).len(), 0);
}

#[test]
fn table_csv_and_markdown_output() {
    let (env, _) = four_runs();
    let table = env.run(["ls", "--format", "table"]);
    insta::assert_snapshot!("ls_table_default_columns", table.to_string());
    let csv =
        env.run(["ls", "--format", "csv", "--sort", "name", "--columns", "id,name,params.lr,metrics.acc:max,tags"]);
    insta::assert_snapshot!("ls_csv_columns", csv.to_string());
    let md = env.run(["ls", "--format", "md", "--where", "params.bs exists", "--all-columns"]);
    let host =
        env.run(["ls", "--format", "json", "-n", "1"]).json()[0]["host"]["hostname"].as_str().unwrap().to_owned();
    let host = format!(r"\| {} \|", host.replace('.', r"\."));
    insta::with_settings!({filters => vec![(host.as_str(), "| [HOST] |")]}, {
        insta::assert_snapshot!("ls_md_all_columns", md.to_string());
    });
    let tsv = env.run(["ls", "--format", "tsv", "--columns", "name,started,duration", "-n", "1"]);
    assert_eq!(tsv.success(), "name\tstarted\tduration\nplain\t2026-11-23T10:04:00.000Z\t0\n");
}

#[test]
fn hide_unchanged_and_json_columns() {
    let (env, [a, b, ..]) = four_runs();
    let out = env.run(["ls", "--format", "csv", "--where", "name ~ ^abl", "--hide-unchanged"]);
    assert_eq!(
        out.success(),
        format!(
            "id,name,started,params.bs,metrics.acc,metrics.loss\n{b},abl-bs,2026-11-23T10:02:00.000Z,64,0.91,0.3\n{a},abl-lr,2026-11-23T10:01:00.000Z,32,0.95,0.2\n"
        )
    );
    let json = env
        .run(["ls", "--format", "json", "--columns", "id,params.bs,metrics.acc:max,tags,duration", "-n", "3"])
        .json();
    assert_eq!(
        json[2],
        serde_json::json!({"id": b, "params.bs": 64, "metrics.acc:max": 0.91, "tags": null, "duration": 0})
    );
    assert_eq!(json[0]["tags"], serde_json::json!(["wip"]));
    // without column options, json is the whole run (the format other tools read)
    let whole = env.run(["ls", "--format", "json", "-n", "1"]).json();
    assert_eq!(whole[0]["params"]["lr"], 0.01);
    assert!(whole[0]["commit"].is_string());
}

#[test]
fn terminal_table_fits_the_width() {
    let env = TestEnv::with_commit();
    let long = "a very long note that goes on and on well past the width of any reasonable terminal";
    env.snapshot(&["-n", "long", "-m", long]);
    let out =
        env.cmd().args(["ls", "--format", "table", "--columns", "id,name,note"]).env("COLUMNS", "40").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
    assert!(text.lines().nth(1).unwrap().ends_with('…'), "{text}");
}

#[test]
fn bad_input_is_a_usage_error_with_a_caret() {
    let (env, _) = four_runs();
    let out = env.run(["ls", "--where", "params.lr < 0.01 and metrics.acc:avg > 0.9"]);
    assert_eq!(
        out.failure(2),
        "error: invalid --where: unknown rollup `avg` in `metrics.acc:avg`\n  params.lr < 0.01 and metrics.acc:avg > 0.9\n                                   ^^^\nhint: rollups are first, last, min, max, mean and count\n"
    );
    assert_eq!(out.stdout, "");
    let out = env.run(["ls", "--where", "params.lr <"]);
    assert_eq!(
        out.failure(2),
        "error: invalid --where: expected a value after `<`, found the end of the expression\n  params.lr <\n             ^\n"
    );
    let out = env.run(["ls", "--where", "duration > 10 minutes"]);
    assert!(out.failure(2).starts_with("error: invalid --where: expected `and` or `or`, found `minutes`\n"), "{out}");
    let out = env.run(["ls", "--columns", "id,nmae"]);
    let err = out.failure(2);
    assert!(
        err.starts_with(
            "error: invalid --columns: unknown field `nmae`\n  id,nmae\n     ^^^^\nhint: fields are id, name, status,"
        ),
        "{out}"
    );
    let out = env.run(["ls", "--sort", "-params"]);
    assert!(out.failure(2).starts_with("error: invalid --sort: `params` needs a key, as in `params.lr`\n"), "{out}");
    let out = env.run(["ls", "--since", "lately"]);
    assert!(out.failure(2).starts_with("error: invalid --since: `lately` is neither a duration nor a date\n"), "{out}");
    let out = env.run(["ls", "--columns", "id", "--all-columns"]);
    assert!(out.failure(2).contains("cannot be used with"), "{out}");
}

#[test]
fn runs_of_one_branch() {
    let env = TestEnv::with_commit();
    let on_main = env.snapshot(&["-n", "m"]);
    env.git(["checkout", "-q", "-b", "feature/x"]);
    let on_feature = env.snapshot(&["-n", "f"]);
    let (on_main, on_feature) = (on_main.as_str(), on_feature.as_str());
    assert_eq!(ids(&env, &["--branch", "feature/x"]), [on_feature]);
    assert_eq!(ids(&env, &["--branch", "main"]), [on_main]);
    assert_eq!(ids(&env, &["--where", "branch = feature/x or branch = main"]), [on_feature, on_main]);
    let out = env.run(["ls", "--branch", "nope", "--format", "table"]);
    assert_eq!(out.success(), "");
    assert_eq!(out.stderr, "No runs match.\n");
}
