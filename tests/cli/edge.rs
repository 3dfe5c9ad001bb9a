//! Small edge cases that used to go wrong silently: untracked names that are not UTF-8, trash
//! without a reflog, a failed start, a negative size in exp.toml, many metric keys.

use std::os::unix::ffi::OsStrExt as _;

use crate::common::TestEnv;

#[test]
fn an_untracked_file_whose_name_is_not_utf8_is_named_in_a_warning() {
    let env = TestEnv::with_commit();
    let name = std::ffi::OsStr::from_bytes(b"data-\xff.txt");
    std::fs::write(env.repo.join(name), "bytes").unwrap();
    env.write("notes.txt", "kept\n");
    let out = env.run(["snapshot", "-n", "odd"]);
    out.success();
    assert!(out.stderr.contains("data-\u{fffd}.txt (its name is not UTF-8)"), "{out}");
    let id = env.run_ids()[0].clone();
    let files = env.git(["ls-tree", "-r", "--name-only", &format!("refs/git-exp/runs/{id}")]);
    assert!(files.lines().any(|l| l == "notes.txt"), "{files}");
    let record = env.git(["show", &format!("refs/git-exp/runs/{id}:.git-exp/run.toml")]);
    assert!(record.contains("reason = \"non-utf8-name\""), "{record}");
    env.fsck();
}

#[test]
fn gc_empties_trash_that_has_no_reflog() {
    let env = TestEnv::with_commit();
    let id = env.snapshot(&["-n", "old"]);
    env.run(["rm", &id]).success();
    let trash_ref = format!("refs/git-exp/trash/{id}");
    env.git(["rev-parse", "--verify", &trash_ref]);
    // As after `git reflog expire --expire=all`, or in a copy made without logs.
    env.git(["reflog", "expire", "--expire=all", &trash_ref]);
    let log = env.repo.join(".git/logs").join(&trash_ref);
    if log.exists() {
        std::fs::remove_file(&log).unwrap();
    }
    let out = env.run(["gc", "--trash-days", "0"]);
    assert!(out.success().is_empty() && out.stderr.contains("Deleted 1 run from the trash"), "{out}");
    assert_eq!(env.git(["for-each-ref", "refs/git-exp/"]), "");
    env.fsck();
}

#[test]
fn a_command_that_cannot_start_is_one_failed_run_with_the_error() {
    let env = TestEnv::with_commit();
    env.write("not-executable.sh", "echo hi\n");
    for (command, why) in
        [("no-such-program-xyz", "No such file or directory"), ("./not-executable.sh", "Permission denied")]
    {
        let out = env.run(["run", "--", command]);
        assert!(out.failure(127).contains(&format!("error: cannot run `{command}`: {why}")), "{out}");
    }
    let runs = env.run(["ls", "--format", "json"]).json();
    let statuses: Vec<&str> = runs.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["failed", "failed"]);
    // Nothing is left for `recover` to turn into a crashed run.
    let out = env.run(["recover"]);
    out.success();
    let runs = env.run(["ls", "--format", "json"]).json();
    assert_eq!(runs.as_array().unwrap().len(), 2, "{out}");
    let shown = env.run(["show", "@"]);
    assert!(shown.success().contains("cannot run `./not-executable.sh`"), "{shown}");
}

#[test]
fn a_negative_size_in_exp_toml_is_one_line_naming_the_key() {
    let env = TestEnv::with_commit();
    env.write("exp.toml", "[snapshot]\nmax_file_size = -5\n");
    let out = env.run(["snapshot"]);
    assert_eq!(
        out.failure(1),
        "error: exp.toml: snapshot.max_file_size = -5 is not a size: use a whole number of bytes, \
         or a string with KiB, MiB or GiB (\"5MiB\") (line 2)\n"
    );
}

#[test]
fn a_run_with_ten_thousand_metric_keys_shows_every_series() {
    let env = TestEnv::with_commit();
    let script = r#"awk 'BEGIN { printf "{"; for (i = 0; i < 10000; i++) printf "%s\"k/%d\": %d", (i ? ", " : ""), i, i; print "}" }' >> "$GIT_EXP_METRICS""#;
    env.run(["run", "--", "sh", "-c", script]).success();
    let out = env.run(["show", "@", "--format", "json"]);
    let json = out.json();
    assert_eq!(json["metrics"].as_object().unwrap().len(), 10_000, "{}", out.stderr);
    let series = env.run(["metrics", "@", "--format", "json"]).json();
    assert_eq!(series["k/9999"][0]["value"], 9999.0);
}
