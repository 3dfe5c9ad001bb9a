//! `git exp diff`: two runs, git revisions picking runs, markdown for pull requests, CI gates
//! (the GitHub Action's review step is tested in review.rs).

use std::path::Path;

use crate::common::TestEnv;

/// Run `base`, then run `tuned` on changed code: params changed, added and removed, metrics up
/// and down, a file changed, one added and one deleted.
fn two_runs(env: &TestEnv, tuned_name: &str) -> (String, String) {
    let base = env.snapshot(&[
        "-n", "base", "-p", "lr=0.1", "-p", "opt=sgd", "--metric", "acc=0.9", "--metric", "loss=0.3", "-t", "baseline",
    ]);
    env.write("src/model.py", "W = 2\nB = 0\n");
    env.write("data/prep.py", "print('prep')\n");
    std::fs::remove_file(env.repo.join("train.py")).unwrap();
    let tuned = env.snapshot(&[
        "-n",
        tuned_name,
        "-p",
        "lr=0.01",
        "-p",
        "dropout=0.2",
        "--metric",
        "acc=0.93",
        "--metric",
        "loss=0.33",
    ]);
    (base, tuned)
}

#[test]
fn diff_of_two_runs_as_text_markdown_and_json() {
    let env = TestEnv::with_commit();
    let (base, tuned) = two_runs(&env, "tuned");
    let text = env.run(["diff", &base, &tuned]);
    insta::assert_snapshot!("diff_text", text.to_string());
    let stat = env.run(["diff", "base", "tuned", "--stat"]);
    assert!(!stat.success().contains("@@"), "--stat shows no patches\n{stat}");
    assert!(stat.stdout.contains("src/model.py |    3 ++-"), "{stat}");

    let json = env.run(["diff", &base, &tuned, "--format", "json"]).json();
    assert_eq!(json["a"]["id"], base.as_str());
    assert_eq!(json["params"].as_array().unwrap().len(), 3, "{json:#}");
    assert_eq!(json["params"][0], serde_json::json!({"key": "dropout", "a": null, "b": 0.2}));
    assert_eq!(json["params"][2], serde_json::json!({"key": "opt", "a": "sgd", "b": null}));
    let acc = &json["metrics"][0];
    assert_eq!(acc["key"], "acc");
    assert_eq!(acc["rollups"][0]["rollup"], "last");
    assert!((acc["rollups"][0]["delta"].as_f64().unwrap() - 0.03).abs() < 1e-12, "{acc}");
    let files: Vec<(&str, &str)> = json["code"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(files, [("data/prep.py", "added"), ("src/model.py", "modified"), ("train.py", "deleted")]);

    let csv = env.run(["diff", &base, &tuned, "--format", "csv"]);
    assert_eq!(
        csv.success(),
        "field,a,b,delta,relative\nparams.dropout,,0.2,,\nparams.lr,0.1,0.01,,\nparams.opt,\"\"\"sgd\"\"\",,,\n\
         metrics.acc:last,0.9,0.93,0.030000000000000027,0.03333333333333336\n\
         metrics.loss:last,0.3,0.33,0.030000000000000027,0.10000000000000009\n"
    );
}

#[test]
fn markdown_escapes_what_users_wrote() {
    let env = TestEnv::with_commit();
    let (base, tuned) = two_runs(&env, "<img src=x onerror=alert(1)>|**x**");
    let md = env.run(["diff", &base, &tuned, "--format", "md", "--report-url", "https://example.org/r/{id}.html"]);
    insta::assert_snapshot!("diff_markdown", md.to_string());
    let text = md.success();
    assert!(!text.contains("<img"), "{text}");
    assert!(text.contains(&format!("[`{tuned}`](https://example.org/r/{tuned}.html)")), "{text}");
}

#[test]
fn fail_if_passes_and_fails() {
    let env = TestEnv::with_commit();
    let (base, tuned) = two_runs(&env, "tuned");
    let gate = |conditions: &[&str]| {
        let mut args = vec!["diff", base.as_str(), tuned.as_str()];
        for c in conditions {
            args.extend(["--fail-if", c]);
        }
        env.run(args)
    };
    // acc rose by 0.03 and loss by 10 %
    let out = gate(&["metrics.acc:last < -0.01", "status != completed"]);
    assert_eq!(out.stderr, "");
    assert!(out.success().contains("checks\n  passed  metrics.acc:last < -0.01\n"), "{out}");
    let out = gate(&["metrics.acc:last < -0.01", "metrics.loss:last > +5%"]);
    assert_eq!(
        out.failure(1),
        "error: 1 check failed: `metrics.loss:last > +5%` (metrics.loss:last 0.3 → 0.33 (+0.03, +10.0%))\n"
    );
    assert!(out.stdout.contains("  FAILED  metrics.loss:last > +5%\n"), "{out}");
    let out = gate(&["metrics.acc:last > 0.01", "metrics.loss:last >= +10% or params.lr < 0"]);
    assert!(out.failure(1).starts_with("error: 2 checks failed: `metrics.acc:last > 0.01` (metrics.acc:last 0.9 → 0.93 (+0.03, +3.3%)); `metrics.loss:last >= +10% or params.lr < 0` (metrics.loss:last 0.3 → 0.33 (+0.03, +10.0%); params.lr 0.1 → 0.01 (-0.09, -90.0%))\n"), "{out}");
    let md = env.run(["diff", &base, &tuned, "--format", "md", "--fail-if", "metrics.loss:last > +5%"]);
    assert_eq!(md.code, 1);
    assert!(md.stdout.contains("**❌ 1 of 1 check failed**"), "{md}");
    assert!(
        md.stdout.contains("- ❌ failed: `metrics.loss:last > +5%` (metrics.loss:last 0.3 → 0.33 (+0.03, +10.0%))"),
        "{md}"
    );

    // A misspelt metric is a usage error naming the closest names, not a silent pass.
    let out = gate(&["metrics.acc_:last < 0"]);
    assert_eq!(
        out.failure(2),
        "error: no run has the metric `acc_` that --fail-if `metrics.acc_:last < 0` reads\nhint: did you mean `metrics.acc`?\n"
    );
    let out = gate(&["metrics.acc:last < -1% and"]);
    assert_eq!(
        out.failure(2),
        "error: invalid --fail-if: expected a field, found the end of the expression\n  metrics.acc:last < -1% and\n                            ^\nhint: a condition starts with a field, as in `params.lr < 0.01`\n"
    );
    let out = gate(&["metrics.acc:last < high"]);
    assert!(out.failure(2).starts_with("error: invalid --fail-if: `metrics.acc:last` is a number: expected a change such as `-0.01` or `+5%`, found `high`\n"), "{out}");
}

#[test]
fn notebooks_are_diffed_by_cell() {
    let env = TestEnv::with_commit();
    let fixture = |name: &str| {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks").join(name))
            .unwrap()
    };
    env.write("analysis.ipynb", &fixture("foo--1.ipynb"));
    let a = env.snapshot(&[]);
    env.write("analysis.ipynb", &fixture("foo--2.ipynb"));
    let b = env.snapshot(&[]);
    let text = env.run(["diff", &a, &b]);
    let out = text.success();
    assert!(out.contains("  analysis.ipynb |   10 notebook cells: 2 modified\n"), "{text}");
    assert!(out.contains("## cell 1 (code): modified\n@@ source @@\n-def foe(x, y):\n+def foo(x, y):\n"), "{text}");
    let md = env.run(["diff", &a, &b, "--format", "md"]);
    assert!(md.success().contains("| analysis.ipynb | modified, notebook cells: 2 modified | 5 | 5 |"), "{md}");
}

#[test]
fn exit_code_reports_any_difference() {
    let env = TestEnv::with_commit();
    let a = env.snapshot(&["-p", "lr=0.1", "--metric", "acc=0.9"]);
    let b = env.snapshot(&["-p", "lr=0.1", "--metric", "acc=0.9"]);
    let same = env.run(["diff", &a, &b, "--exit-code"]);
    assert_eq!(same.code, 0, "{same}");
    env.write("README.md", "changed\n");
    let c = env.snapshot(&["-p", "lr=0.1", "--metric", "acc=0.9"]);
    let changed = env.run(["diff", &a, &c, "--exit-code"]);
    assert_eq!((changed.code, changed.stderr.as_str()), (1, ""), "{changed}");
    assert!(changed.stdout.contains("README.md"), "{changed}");
    assert_eq!(env.run(["diff", &a, &c]).code, 0, "without --exit-code a difference is no failure");
}

#[test]
fn environment_and_artifact_differences() {
    let env = TestEnv::with_commit();
    env.write("exp.toml", "[env]\nvars = [\"MY_SETTING\"]\npip_freeze = false\n");
    let record = |value: &str, artifact: &str| {
        let script = format!(
            "printf '{artifact}' > \"$GIT_EXP_ARTIFACTS/model.bin\"; echo '{{\"acc\": 0.5}}' >> \"$GIT_EXP_METRICS\""
        );
        let out = env.cmd().args(["run", "--", "sh", "-c", &script]).env("MY_SETTING", value).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    record("1", "weights-a");
    record("2", "weights-b");
    let json = env.run(["diff", "@~1", "@", "--format", "json"]).json();
    assert_eq!(json["env"], serde_json::json!([{"file": "vars.toml", "key": "MY_SETTING", "a": "1", "b": "2"}]));
    let artifact = &json["artifacts"][0];
    assert_eq!(artifact["path"], "model.bin");
    assert_ne!(artifact["a"]["sha256"], artifact["b"]["sha256"]);
    assert_eq!(artifact["b"]["size"], 9);
    let text = env.run(["diff", "@~1", "@"]);
    assert!(text.success().contains("environment\n  vars.toml  MY_SETTING  1 → 2\n"), "{text}");
    assert!(text.stdout.contains("artifacts\n  model.bin  "), "{text}");
}

/// main: one commit with run `main-1`, then one commit without runs. feature/x (from the first
/// commit): a commit with runs `feat-good` (acc 0.95), `feat-bad` (0.85, newer) and a failed
/// run (newest), then a commit without runs.
fn two_branches(env: &TestEnv) -> [String; 3] {
    let main_run = env.snapshot(&["-n", "main-1", "--metric", "acc=0.9"]);
    env.git(["checkout", "-q", "-b", "feature/x"]);
    env.write("src/model.py", "W = 3\n");
    env.git(["commit", "-q", "-am", "feature"]);
    let good = env.snapshot(&["-n", "feat-good", "--metric", "acc=0.95"]);
    let bad = env.snapshot(&["-n", "feat-bad", "--metric", "acc=0.85"]);
    assert_eq!(env.run(["run", "-n", "broken", "--", "false"]).code, 1);
    env.write("notes.txt", "no runs on this commit\n");
    env.git(["add", "notes.txt"]);
    env.git(["commit", "-q", "-m", "notes"]);
    env.git(["checkout", "-q", "main"]);
    env.write("README.md", "# main moved on\n");
    env.git(["commit", "-q", "-am", "main moves on"]);
    env.git(["checkout", "-q", "feature/x"]);
    [main_run, good, bad]
}

fn picked(env: &TestEnv, args: &[&str]) -> (String, String, String, String) {
    let mut all = vec!["diff", "--format", "json"];
    all.extend_from_slice(args);
    let out = env.run(all);
    let json = out.json();
    let side =
        |s: &str| (json[s]["id"].as_str().unwrap().to_owned(), json[s]["picked"].as_str().unwrap_or("").to_owned());
    let ((a, why_a), (b, why_b)) = (side("a"), side("b"));
    (a, why_a, b, why_b)
}

#[test]
fn revisions_pick_the_runs_based_on_each_side() {
    let env = TestEnv::with_commit();
    let [main_run, good, bad] = two_branches(&env);
    let first = env.git(["rev-parse", "--short=7", "main~1"]).trim().to_owned();
    let feature = env.git(["rev-parse", "--short=7", "feature/x~1"]).trim().to_owned();
    let head = env.git(["rev-parse", "--short=7", "HEAD"]).trim().to_owned();
    let main = env.git(["rev-parse", "--short=7", "main"]).trim().to_owned();

    // Neither tip has runs: each side walks back to its nearest commit with completed runs,
    // where the newest completed run is taken (the failed one is newer, and skipped).
    let (a, why_a, b, why_b) = picked(&env, &["main", "HEAD"]);
    assert_eq!((a.as_str(), b.as_str()), (main_run.as_str(), bad.as_str()));
    assert_eq!(
        why_a,
        format!(
            "the only completed run based on {first}, 1 commit before main ({main}): the nearest commit with completed runs"
        )
    );
    assert_eq!(
        why_b,
        format!(
            "newest of 2 completed runs based on {feature}, 1 commit before HEAD ({head}): the nearest commit with completed runs"
        )
    );
    // A..B is A B; A...B starts from the merge base, the commit main-1 is based on.
    let (a2, _, b2, _) = picked(&env, &["main..HEAD"]);
    assert_eq!((a2, b2), (a.clone(), b.clone()));
    let (a3, why_a3, ..) = picked(&env, &["main...feature/x"]);
    assert_eq!(a3, main_run);
    assert_eq!(why_a3, format!("the only completed run based on the merge base of main and feature/x ({first})"));
    // --pick chooses by a metric; runs given by name are taken as they are.
    let (_, _, best, why_best) = picked(&env, &["main", "HEAD", "--pick", "best:metrics.acc"]);
    assert_eq!(best, good);
    assert!(why_best.starts_with("highest metrics.acc (0.95) of 2 completed runs based on"), "{why_best}");
    let (_, _, worst, _) = picked(&env, &["main", "HEAD", "--pick", "worst:metrics.acc"]);
    assert_eq!(worst, bad);
    let (a4, why_a4, b4, _) = picked(&env, &["main-1", "HEAD", "--pick", "best:metrics.acc"]);
    assert_eq!((a4.as_str(), why_a4.as_str(), b4.as_str()), (main_run.as_str(), "", good.as_str()));

    // The code difference between the picked runs is the feature's change.
    let text = env.run(["diff", "main", "HEAD"]);
    assert!(text.success().contains("-W = 1\n+W = 3\n"), "{text}");
    assert!(text.stdout.contains(&format!("A picked: the only completed run based on {first}")), "{text}");
}

#[test]
fn revisions_without_runs_and_bad_sides() {
    let env = TestEnv::with_commit();
    two_branches(&env);
    let out = env.run(["diff", "nosuchthing", "HEAD"]);
    assert_eq!(
        out.failure(1),
        "error: `nosuchthing` is neither a run nor a git revision\nhint: give a run (id, id prefix, name, `@`, `@~N`) or a git revision (`main`, `HEAD~1`)\n"
    );
    env.git(["checkout", "-q", "--orphan", "lonely"]);
    env.git(["commit", "-q", "-m", "unrelated"]);
    let out = env.run(["diff", "main", "lonely"]);
    let err = out.failure(1);
    assert!(err.starts_with("error: no completed run is based on `lonely` ("), "{out}");
    assert!(err.contains("or on any of its 1 first-parent ancestors\nhint: record a run on that commit"), "{out}");
    // In a shallow clone the walk ends at the clone's edge, and the error says so.
    let shallow = env.root.join("shallow");
    let url = format!("file://{}", env.repo.display());
    env.git(["clone", "-q", "--depth", "1", "--branch", "feature/x", &url, shallow.to_str().unwrap()]);
    env.run_in(&shallow, &[], ["fetch"]).success();
    let out = env.run_in(&shallow, &[], ["diff", "HEAD", "feat-bad"]);
    let err = out.failure(1);
    assert!(
        err.contains("or on any of its 1 first-parent ancestors (the history of this shallow clone ends there)\nhint: fetch the history with `git fetch --unshallow origin`"),
        "{out}"
    );
    let out = env.run(["diff", "main...lonely"]);
    assert!(out.failure(1).starts_with("error: `main` and `lonely` have no common ancestor"), "{out}");
    let out = env.run(["diff", "main..HEAD", "main"]);
    assert!(out.failure(2).starts_with("error: `main..HEAD` is a range, which takes the place of both sides"), "{out}");
    let out = env.run(["diff", "main"]);
    assert!(out.failure(2).starts_with("error: `main` is one side: give two runs or revisions"), "{out}");
    let out = env.run(["diff", "main", "HEAD", "--pick", "best:metrics.acc:avg"]);
    assert!(out.failure(2).contains("unknown rollup `avg` in `metrics.acc:avg`"), "{out}");
    let out = env.run(["diff", "main", "feature/x", "--pick", "best:metrics.f1"]);
    assert!(out.failure(1).starts_with("error: none of the 2 completed runs based on"), "{out}");
}

/// Gate semantics: a metric missing on a side fails its check (unless --allow-missing); goals
/// judge changes better or worse and `--fail-if worse` gates them; runs with uncommitted changes
/// are marked in text, markdown and JSON and passed over for clean ones; --where narrows sides.
#[test]
fn missing_metrics_goals_dirty_marks_and_where() {
    let env = TestEnv::with_commit();
    env.snapshot(&["-n", "a", "-p", "model=x", "--metric", "acc=0.9", "--metric", "loss=0.3"]);
    env.write("README.md", "# changed, not committed\n");
    env.snapshot(&["-n", "b", "-p", "model=x", "--metric", "acc=0.85"]);

    let out = env.run(["diff", "a", "b", "--fail-if", "metrics.loss:last > +5%"]);
    assert_eq!(
        out.failure(1),
        "error: 1 check failed: `metrics.loss:last > +5%` (metrics.loss:last 0.3 → (none); metrics.loss:last is missing in B (run 6xqcqc8z))\n"
    );
    assert!(out.stdout.contains("B  6xqcqc8z  b  completed"), "{out}");
    assert!(out.stdout.contains(" (uncommitted changes)\n"), "{out}");
    env.run(["diff", "a", "b", "--fail-if", "metrics.loss:last > +5%", "--allow-missing"]).success();

    let md = env.run(["diff", "a", "b", "--goal", "acc=max", "--fail-if", "worse", "--format", "md"]);
    assert!(md.failure(1).contains("`worse` (metrics.acc:last 0.9 → 0.85 (-0.05, -5.6%): worse (goal max))"));
    assert!(md.stdout.contains("| `metrics.acc` | 0.9 | 0.85 | ❌ -0.05 | -5.6% |"), "{md}");
    assert!(md.stdout.contains("⚠️ uncommitted changes |"), "{md}");
    // A goal in exp.toml does the same; a metric that went the right way passes.
    env.write("exp.toml", "[metrics]\nacc = \"min\"\n");
    let json = env.run(["diff", "a", "b", "--fail-if", "worse", "--format", "json"]);
    let json = json.json();
    assert_eq!(json["b"]["dirty"], true);
    assert_eq!(json["metrics"][0]["goal"], "min");
    assert_eq!(json["metrics"][0]["rollups"][0]["verdict"], "better");

    // On revisions, the clean run is preferred and --where narrows both sides.
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "two"]);
    env.snapshot(&["-n", "c", "-p", "model=y", "--metric", "acc=0.95"]);
    let out = env.run(["diff", "HEAD~1", "HEAD"]);
    assert!(out.stdout.contains("A picked: the only completed run based on HEAD~1"), "{out}");
    assert!(out.stdout.contains("(1 run with uncommitted changes passed over)"), "{out}");
    let out = env.run(["diff", "HEAD~1", "HEAD", "--where", "params.model = \"x\""]);
    assert!(out.stderr.contains("warning: both sides are run"), "{out}");
}
