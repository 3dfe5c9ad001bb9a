//! `git exp run`: the run protocol, the code snapshot, and what it must leave alone.

use crate::common::TestEnv;

/// A training script that speaks the protocol: params in, metrics and an artifact out.
pub const TRAIN: &str = r#"
import json, os, sys
params = json.load(open(os.environ["GIT_EXP_PARAMS"]))
with open(os.environ["GIT_EXP_METRICS"], "a") as m:
    for i in range(3):
        m.write(json.dumps({"step": i, "train/loss": 1.0 / (i + 1), "acc": i / 4}) + "\n")
        print(f"epoch {i}", flush=True)
with open(os.path.join(os.environ["GIT_EXP_ARTIFACTS"], "model.bin"), "w") as f:
    f.write("weights " + str(params.get("lr")))
# One write per line: unbuffered (PYTHONUNBUFFERED under git exp run), print() writes each
# argument apart, and stderr's line could land between them in the merged log.
print(f"run id {os.environ['GIT_EXP_RUN_ID']} argv {sys.argv[1:]}")
print("to stderr", file=sys.stderr)
"#;

fn show_file(env: &TestEnv, id: &str, path: &str) -> String {
    env.git(["show", &format!("refs/git-exp/runs/{id}:{path}")])
}

#[test]
fn run_records_code_params_metrics_output_and_artifacts() {
    let env = TestEnv::with_commit();
    env.write("train.py", TRAIN);
    env.write(".gitignore", "ignored.txt\n");
    env.write("ignored.txt", "not in the snapshot\n");
    env.write("notes/new.txt", "untracked, not ignored\n");
    env.write("src/model.py", "W = 2  # changed, not committed\n");
    env.git(["add", ".gitignore"]);
    let before = env.user_state();

    let out = env.run([
        "run", "-n", "first", "-t", "baseline", "-p", "lr=0.1", "-p", "epochs=3", "--", "python3", "train.py", "--lr",
        "{lr}",
    ]);
    out.success();
    assert!(out.stdout.contains("epoch 2"), "output passes through\n{out}");
    assert!(out.stderr.contains("to stderr"), "{out}");
    assert!(out.stderr.contains("completed"), "{out}");
    assert_eq!(env.user_state(), before, "recording must not touch the user's state");
    env.fsck();

    let ids = env.run_ids();
    assert_eq!(ids.len(), 1);
    let id = &ids[0];
    let record = show_file(&env, id, ".git-exp/run.toml");
    for expected in [
        "schema = 1",
        &format!("id = \"{id}\""),
        "name = \"first\"",
        "status = \"completed\"",
        "command = [\"python3\", \"train.py\", \"--lr\", \"0.1\"]",
        "exit_code = 0",
        "branch = \"main\"",
        "dirty = true",
        "tags = [\"baseline\"]",
        "lr = 0.1",
        "epochs = 3",
        "[metrics.\"train/loss\"]",
    ] {
        assert!(record.contains(expected), "run.toml lacks `{expected}`:\n{record}");
    }
    assert_eq!(
        show_file(&env, id, ".git-exp/metrics/train/loss.csv"),
        "step,value,time\n0,1,1795428060.000\n1,0.5,1795428060.000\n2,0.3333333333333333,1795428060.000\n"
    );
    let log = show_file(&env, id, ".git-exp/output.log");
    assert!(log.contains("epoch 0") && log.contains("to stderr") && log.contains(&format!("run id {id}")), "{log}");
    assert!(show_file(&env, id, ".git-exp/artifacts.toml").contains("path = \"model.bin\""));
    assert!(show_file(&env, id, ".git-exp/env/vars.toml").contains("GIT_EXP_VERSION"));

    // The snapshot is the working tree: uncommitted edits and untracked files, not ignored ones.
    let head = env.git(["rev-parse", "HEAD"]);
    assert_eq!(env.git(["rev-parse", &format!("refs/git-exp/runs/{id}~2")]), head, "first run commit's parent is HEAD");
    let diff = env.git(["diff", "--name-status", "HEAD", &format!("refs/git-exp/runs/{id}"), "--", ".", ":!.git-exp"]);
    assert_eq!(diff, "A\t.gitignore\nA\tnotes/new.txt\nM\tsrc/model.py\nM\ttrain.py\n");
    assert_eq!(show_file(&env, id, "src/model.py"), "W = 2  # changed, not committed\n");
    let log = env.git(["log", "--format=%s", "-2", &format!("refs/git-exp/runs/{id}")]);
    assert_eq!(log, format!("run {id} (first): completed\nrun {id} (first): running\n"));
    let reflog = env.git(["reflog", "show", "--format=%gs", &format!("refs/git-exp/runs/{id}")]);
    assert_eq!(reflog, format!("git-exp: completed run {id}\ngit-exp: create run {id}\n"));
}

#[test]
fn failing_command_is_recorded_as_failed_with_its_exit_code() {
    let env = TestEnv::with_commit();
    let out = env.run(["run", "--", "sh", "-c", "echo boom; exit 3"]);
    assert_eq!(out.code, 3, "{out}");
    let runs = env.run(["ls", "--format", "json"]).json();
    assert_eq!(runs[0]["status"], "failed");
    assert_eq!(runs[0]["exit_code"], 3);
}

#[test]
fn missing_program_is_recorded_and_exits_127() {
    let env = TestEnv::with_commit();
    let out = env.run(["run", "--", "no-such-program-xyz"]);
    let stderr = out.failure(127);
    assert!(stderr.contains("error: cannot run `no-such-program-xyz`"), "{out}");
    assert_eq!(env.run(["ls", "--format", "json"]).json()[0]["status"], "failed");
}

#[test]
fn run_from_a_subdirectory_records_cwd_and_runs_there() {
    let env = TestEnv::with_commit();
    let sub = env.repo.join("src");
    let mut cmd = env.cmd_in(&sub);
    let out = cmd.args(["run", "--", "sh", "-c", "pwd"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).trim_end().ends_with("/repo/src"));
    let runs = env.run(["ls", "--format", "json"]).json();
    assert_eq!(runs[0]["cwd"], "src");
}

#[test]
fn unborn_head_gives_a_run_without_parent() {
    let env = TestEnv::new();
    env.write("a.txt", "a\n");
    env.run(["run", "--", "true"]).success();
    let id = &env.run_ids()[0];
    let parents = env.git(["rev-list", "--parents", "-n1", &format!("refs/git-exp/runs/{id}~1")]);
    assert_eq!(parents.split_whitespace().count(), 1, "no parent: {parents}");
    let record = show_file(&env, id, ".git-exp/run.toml");
    assert!(!record.contains("base ="), "{record}");
    assert_eq!(show_file(&env, id, "a.txt"), "a\n");
    env.fsck();
}

#[test]
fn linked_worktree_and_git_dir_environment() {
    let env = TestEnv::with_commit();
    let wt = env.root.join("wt");
    env.git(["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()]);
    std::fs::write(wt.join("side.txt"), "only in the worktree\n").unwrap();
    let mut cmd = env.cmd_in(&wt);
    assert!(cmd.args(["run", "--", "true"]).output().unwrap().status.success());
    let runs = env.run(["ls", "--format", "json"]).json();
    assert_eq!(runs[0]["branch"], "side", "runs are shared across worktrees");
    let id = runs[0]["id"].as_str().unwrap();
    assert_eq!(show_file(&env, id, "side.txt"), "only in the worktree\n");

    let mut cmd = env.cmd_in(&env.root);
    let out = cmd
        .args(["snapshot", "-m", "from outside"])
        .env("GIT_DIR", env.repo.join(".git"))
        .env("GIT_WORK_TREE", &env.repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(env.run_ids().len(), 2);
    env.fsck();
}

#[test]
fn params_files_and_substitution() {
    let env = TestEnv::with_commit();
    env.write("p.yaml", "lr: 0.01\nmodel:\n  depth: 4\n  name: resnet\n");
    env.write("p.json", r#"{"batch": 32, "lr": 0.5}"#);
    env.write("p.toml", "dropout = 0.1\n");
    let out = env.run([
        "run",
        "--params-file",
        "p.yaml",
        "--params-file",
        "p.json",
        "--params-file",
        "p.toml",
        "-p",
        "lr=0.2",
        "--",
        "echo",
        "{lr}",
        "{model.depth}",
        "{batch}",
    ]);
    assert_eq!(out.success(), "0.2 4 32\n");
    let params = &env.run(["ls", "--format", "json"]).json()[0]["params"];
    assert_eq!(params["lr"], 0.2);
    assert_eq!(params["model"]["name"], "resnet");
    assert_eq!(params["dropout"], 0.1);

    let out = env.run(["run", "--", "echo", "{nope}"]);
    assert!(out.failure(2).contains("error: the command uses `{nope}` but there is no param `nope`"), "{out}");
    let out = env.run(["run", "-p", "lr", "--", "true"]);
    assert!(out.failure(2).contains("`-p lr` is not a param"), "{out}");
    let out = env.run(["run", "--params-file", "p.txt", "--", "true"]);
    assert!(out.failure(2).contains("p.txt"), "{out}");
    assert_eq!(env.run_ids().len(), 1, "usage errors record nothing");
}

#[test]
fn malformed_metric_lines_are_reported_once_and_lose_nothing() {
    let env = TestEnv::with_commit();
    env.write(
        "m.py",
        r#"import os
m = open(os.environ["GIT_EXP_METRICS"], "a")
m.write('{"loss": 1}\nnot json\n[1]\n{"loss": "high", "acc": 0.5}\n{"a//b": 1}\n{"loss": NaN}\n')
m.write('{"blob": "' + "x" * (10 << 20) + '"}\n')
m.write('{"loss": 0.5}\n')
os.write(1, b"bytes \xff\xfe not utf-8\n")
"#,
    );
    let out = env.run(["run", "--", "python3", "m.py"]);
    out.success();
    let warnings: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        ["warning: 5 metric lines could not be used (first: line 2: invalid JSON (expected ident))"],
        "{out}"
    );
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["metrics"]["loss"]["count"], 3);
    assert_eq!(run["metrics"]["acc"]["count"], 1);
    assert_eq!(run["malformed_metric_lines"], 5);
    let csv = env.run(["metrics", "@", "loss", "--format", "csv"]);
    assert_eq!(csv.success(), "step,value,time\n0,1,1795428060.000\n1,nan,1795428060.000\n2,0.5,1795428060.000\n");
    let id = run["id"].as_str().unwrap();
    let log = env.git(["cat-file", "blob", &format!("refs/git-exp/runs/{id}:.git-exp/output.log")]);
    assert!(log.contains("not utf-8"));
}

#[test]
fn scrape_reads_metrics_from_stdout() {
    let env = TestEnv::with_commit();
    env.run(["run", "--scrape", "--", "sh", "-c", "echo 'epoch 1: loss=0.5 acc: 0.7'; echo 'loss=0.25'"]).success();
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["metrics"]["loss"]["count"], 2);
    assert_eq!(run["metrics"]["loss"]["last"], 0.25);
    assert_eq!(run["metrics"]["acc"]["last"], 0.7);
}

#[test]
fn system_metrics_are_sampled() {
    let env = TestEnv::with_commit();
    env.write("busy.py", "import time\nt = time.time()\nwhile time.time() - t < 2: pass\n");
    env.run(["run", "--system-interval", "0.2", "--", "python3", "busy.py"]).success();
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert!(run["metrics"]["sys/rss_bytes"]["count"].as_u64().unwrap() >= 2, "{run}");
    assert!(run["metrics"]["sys/rss_bytes"]["max"].as_f64().unwrap() > 1e6, "{run}");
    // A loaded machine gives the busy loop less than a core; it still gets some.
    assert!(run["metrics"]["sys/cpu_percent"]["max"].as_f64().unwrap() > 5.0, "{run}");
}

#[test]
fn output_is_bounded_and_the_whole_log_kept_as_a_blob() {
    let env = TestEnv::with_commit();
    env.write("exp.toml", "[output]\nmax_size = \"1KiB\"\n");
    env.run(["run", "--", "python3", "-c", "print('\\n'.join(f'line {i:05}' for i in range(2000)))"]).success();
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["output"]["truncated"], true);
    assert_eq!(run["output"]["bytes"], 22000);
    let id = run["id"].as_str().unwrap();
    let log = show_file(&env, id, ".git-exp/output.log");
    assert!(log.starts_with("line 00000\n"));
    assert!(log.ends_with("line 01999\n"));
    assert!(log.contains("bytes cut here; the complete log is blob "), "{log}");
    let blob = run["output"]["blob"].as_str().unwrap();
    assert!(env.repo.join(format!(".git/git-exp/blobs/sha256/{}/{}", &blob[..2], &blob[2..])).is_file());
}

#[test]
fn large_untracked_files_and_excludes_stay_out_of_the_snapshot() {
    let env = TestEnv::with_commit();
    env.write("exp.toml", "[snapshot]\nmax_file_size = 100\nexclude = [\"data\"]\n");
    env.write("big.bin", &"x".repeat(200));
    env.write("data/train.csv", "a,b\n");
    env.write("small.txt", "ok\n");
    let out = env.run(["snapshot"]);
    assert!(
        out.stderr.contains("warning: left out of the code snapshot: big.bin (larger than snapshot.max_file_size)"),
        "{out}"
    );
    let id = &env.run_ids()[0];
    let files = env.git(["ls-tree", "-r", "--name-only", &format!("refs/git-exp/runs/{id}")]);
    assert!(files.contains("small.txt") && !files.contains("big.bin") && !files.contains("data/"), "{files}");
    assert!(show_file(&env, id, ".git-exp/run.toml").contains("path = \"big.bin\""));
}

/// The snapshot is the working tree whatever the index holds: a clean index (git's cache tree
/// equal to HEAD's, which lets the snapshot skip comparing HEAD with the index), a staged new
/// file, and a staged edit edited again on disk.
#[test]
fn the_code_snapshot_is_the_working_tree_with_or_without_staged_changes() {
    let env = TestEnv::with_commit();
    env.write("train.py", "print('edited')\n");
    env.run(["run", "--", "true"]).success();
    let show = |path: &str| {
        let id = env.run_ids()[0].clone();
        env.git(["show", &format!("refs/git-exp/runs/{id}:{path}")])
    };
    assert_eq!(show("train.py"), "print('edited')\n", "an unstaged edit, clean index");

    env.write("new.py", "x = 1\n");
    env.git(["add", "new.py", "train.py"]);
    env.write("train.py", "print('edited twice')\n");
    env.run(["run", "--", "true"]).success();
    assert_eq!(show("new.py"), "x = 1\n", "a staged new file");
    assert_eq!(show("train.py"), "print('edited twice')\n", "the file on disk, not the staged one");
    assert_eq!(env.git(["diff", "--cached", "--name-only"]), "new.py\ntrain.py\n", "the index is untouched");
}

/// `run` keeps its own small heap off transparent huge pages (zeroing them was a sixth of its
/// CPU time), but the flag is inherited across exec: the program it runs must get the state
/// git-exp itself started with, here huge pages allowed, as the test process has them.
#[cfg(target_os = "linux")]
#[test]
fn the_program_run_is_paged_as_it_would_be_without_git_exp() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let ours = status.lines().find_map(|l| l.strip_prefix("THP_enabled:")).map(str::trim).map(str::to_owned);
    let Some(ours) = ours else {
        return crate::common::missing_tool(
            "the_program_run_is_paged_as_it_would_be_without_git_exp",
            "a kernel before 5.0: no THP_enabled in /proc/self/status",
        );
    };
    let env = TestEnv::with_commit();
    let out = env.run(["run", "-q", "--", "sh", "-c", "grep THP_enabled /proc/self/status"]);
    let theirs = out.success().trim().strip_prefix("THP_enabled:").map(str::trim).map(str::to_owned);
    assert_eq!(theirs.as_deref(), Some(ours.as_str()), "{out}");
}

/// Run commits carry the identity git would give them: the environment first, then
/// `committer.*`/`author.*`, then `user.*`, each of name and email on its own.
#[test]
fn run_commits_name_the_committer_and_author_git_would() {
    let env = TestEnv::with_commit();
    let who = |id: &str| {
        env.git(["log", "-1", "--format=%an <%ae>|%cn <%ce>", &format!("refs/git-exp/runs/{id}")]).trim().to_owned()
    };
    let id = env.snapshot(&[]);
    assert_eq!(who(&id), "Test User <test@example.com>|Test User <test@example.com>");

    env.git(["config", "committer.name", "Config Committer"]);
    let out = env
        .cmd()
        .args(["snapshot"])
        .env("GIT_AUTHOR_NAME", "Env Author")
        .env("GIT_COMMITTER_EMAIL", "env-committer@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(who(&id), "Env Author <test@example.com>|Config Committer <env-committer@example.com>");
    // And so does git for the same settings (the reference this follows).
    let git_says = env.git(["var", "GIT_COMMITTER_IDENT"]);
    assert!(git_says.starts_with("Config Committer <test@example.com>"), "{git_says}");
}
