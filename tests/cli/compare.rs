//! `git exp compare`: runs side by side.

use crate::common::TestEnv;

fn three_runs(env: &TestEnv) -> [String; 3] {
    let a = env.snapshot(&["-n", "base", "-p", "lr=0.1", "-p", "bs=32", "--metric", "acc=0.9", "-t", "baseline"]);
    let b = env.snapshot(&["-n", "lower-lr", "-p", "lr=0.01", "-p", "bs=32", "--metric", "acc=0.93"]);
    let c =
        env.snapshot(&["-n", "more|pipes<b>", "-p", "lr=0.01", "-p", "bs=64", "--metric", "acc=0.91", "-m", "a note"]);
    [a, b, c]
}

#[test]
fn compare_shows_runs_side_by_side() {
    let env = TestEnv::with_commit();
    let [a, b, c] = three_runs(&env);
    let out = env.run(["compare", &a, &b, &c, "--hide-unchanged", "--format", "table"]);
    insta::assert_snapshot!("compare_hide_unchanged", out.to_string());
    let md = env.run(["compare", "base", "lower-lr", &c, "--hide-unchanged", "--format", "md"]);
    insta::assert_snapshot!("compare_markdown", md.to_string());

    // Without --hide-unchanged, equal rows stay (the host, the branch); empty ones never show.
    let all = env.run(["compare", &a, &b, "--format", "csv"]);
    let rows: Vec<&str> = all.success().lines().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(
        rows,
        [
            "field",
            "name",
            "status",
            "started",
            "duration",
            "branch",
            "base",
            "tags",
            "host.hostname",
            "params.bs",
            "params.lr",
            "metrics.acc"
        ]
    );

    let json = env.run(["compare", &a, &b, "--format", "json"]).json();
    let lr = json.as_array().unwrap().iter().find(|r| r["field"] == "params.lr").unwrap();
    assert_eq!(lr[&a], 0.1);
    assert_eq!(lr[&b], 0.01);
}

#[test]
fn compare_reports_bad_runs() {
    let env = TestEnv::with_commit();
    let [a, ..] = three_runs(&env);
    let out = env.run(["compare", &a, "nope"]);
    assert!(
        out.failure(1).starts_with("error: no run matches `nope` (tried name)\nhint: `git exp ls` lists the runs"),
        "{out}"
    );
    let out = env.run(["compare", &a, &a, "--format", "csv"]);
    assert!(out.stderr.contains(&format!("warning: {a} names run {a} again; it is shown once")), "{out}");
    assert!(out.success().starts_with(&format!("field,{a}\n")), "{out}");
    let out = env.run(["compare"]);
    assert!(out.failure(2).contains("required"), "{out}");
}
