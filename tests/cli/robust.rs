//! Robustness: listing while refs are packed, closed pipes, gc next to runs it cannot read.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::common::TestEnv;

const COPIES: usize = 300;

/// `COPIES` distinct commits with the tree of `run` (the message differs), written in one `git`.
fn copies_of(env: &TestEnv, run: &str, tag: &str) -> Vec<String> {
    let commit = env.git(["cat-file", "commit", run]);
    let dir = env.root.join(format!("copies-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<String> = (0..COPIES)
        .map(|i| {
            let path = dir.join(i.to_string());
            std::fs::write(&path, format!("{commit}copy {tag} {i}\n")).unwrap();
            path.to_str().unwrap().to_owned()
        })
        .collect();
    let mut cmd = Command::new("git");
    env.hermetic(&mut cmd);
    let mut child = cmd
        .current_dir(&env.repo)
        .args(["hash-object", "-t", "commit", "-w", "--stdin-paths"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all((paths.join("\n") + "\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn ls_and_report_see_every_run_while_refs_are_being_packed() {
    let env = TestEnv::with_commit();
    let id = env.snapshot(&["-n", "base", "--metric", "acc=0.9"]);
    let run = format!("refs/git-exp/runs/{id}");
    let (a, b) = (copies_of(&env, &run, "a"), copies_of(&env, &run, "b"));
    let packer_env = TestEnvRefs { repo: env.repo.clone(), home: env.home.clone() };
    packer_env.update(&a);

    // In the background, refs keep moving between loose files and packed-refs: each round
    // rewrites every copy ref as a loose file, then packs and prunes them.
    let stop = Arc::new(AtomicBool::new(false));
    let packer = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut rounds = 0;
            while !stop.load(Ordering::Relaxed) {
                packer_env.update(if rounds % 2 == 0 { &b } else { &a });
                packer_env.pack();
                rounds += 1;
            }
            rounds
        })
    };
    for round in 0..20 {
        let out = env.run(["ls", "--format", "json"]);
        assert_eq!(out.code, 0, "round {round}\n{out}");
        assert_eq!(out.json().as_array().unwrap().len(), COPIES + 1, "round {round}\n{out}");
        assert!(!out.stderr.contains("skipping"), "round {round}\n{out}");
        if round % 5 == 0 {
            let site = env.root.join(format!("site-{round}"));
            let out = env.run(["report", "-o", site.to_str().unwrap()]);
            assert_eq!(out.code, 0, "report, round {round}\n{out}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let rounds = packer.join().unwrap();
    assert!(rounds > 0);
}

/// The repository, for the packing thread (a TestEnv is not `Send`): git with the same
/// hermetic config.
struct TestEnvRefs {
    repo: std::path::PathBuf,
    home: std::path::PathBuf,
}

impl TestEnvRefs {
    fn git(&self) -> Command {
        let mut cmd = Command::new("git");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .current_dir(&self.repo);
        cmd
    }

    fn update(&self, oids: &[String]) {
        let mut child = self.git().args(["update-ref", "--stdin"]).stdin(Stdio::piped()).spawn().unwrap();
        let script: String =
            oids.iter().enumerate().map(|(i, oid)| format!("update refs/git-exp/runs/copy{i:04} {oid}\n")).collect();
        child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
    }

    fn pack(&self) {
        assert!(self.git().args(["pack-refs", "--all", "--prune"]).status().unwrap().success());
    }
}

/// `metrics` streams each series from its stored file: the CSV of a key is the stored file byte
/// for byte (read with real git), and every format has one row per point, in order. `loss` is
/// over 8 MiB, so it is streamed from `git cat-file`; `acc` is read whole. `full` has values of
/// 16 and 17 digits, which the export reads and prints again to check before copying them: the
/// same bytes.
#[test]
fn metrics_export_streams_the_stored_series() {
    let env = TestEnv::with_commit();
    let script = r#"awk 'BEGIN { for (i = 0; i < 300000; i++) { print "{\"loss\": " i / 7 "}"; if (i < 1000) printf "{\"acc\": %d, \"full\": %.17g}\n", i, 1 / (i + 3) } }' >> "$GIT_EXP_METRICS""#;
    env.run(["run", "--", "sh", "-c", script]).success();
    let id = env.run(["ls", "--format", "json"]).json()[0]["id"].as_str().unwrap().to_owned();
    for key in ["loss", "acc", "full"] {
        let stored = env.git(["cat-file", "blob", &format!("refs/git-exp/runs/{id}:.git-exp/metrics/{key}.csv")]);
        assert_eq!(env.run(["metrics", "@", key, "--format", "csv"]).success(), stored, "{key}");
        assert_eq!(env.run(["metrics", "@", key, "--format", "tsv"]).success(), stored.replace(',', "\t"), "{key}");
    }
    assert!(env.run(["metrics", "@", "full", "--format", "csv"]).success().contains("\n0,0.3333333333333333,"));

    let json = env.run(["metrics", "@", "--format", "json"]).json();
    for (key, count) in [("loss", 300000), ("acc", 1000), ("full", 1000)] {
        let points = json[key].as_array().unwrap();
        assert_eq!(points.len(), count, "{key}");
        assert_eq!(points[count - 1]["step"], count - 1);
    }
    assert_eq!(json["acc"][123]["value"], 123.0);
    assert_eq!(json["full"][2]["value"], 0.2);
    assert_eq!(json["loss"][7]["value"], 1.0);
    // Several keys: a key column; a header plus one line per point (md: plus the rule).
    for (format, extra) in [("table", 1), ("tsv", 1), ("md", 2)] {
        let text = env.run(["metrics", "@", "--format", format]).success().to_owned();
        assert_eq!(text.lines().count(), 302000 + extra, "{format}");
        assert!(text.lines().nth(extra).unwrap().contains("acc"), "{format}: {}", text.lines().nth(extra).unwrap());
    }
    let table = env.run(["metrics", "@", "loss"]).success().to_owned();
    assert!(table.starts_with("step    value     time\n0       0         1795428060.000\n"), "{}", &table[..80]);
    let table = env.run(["metrics", "@", "full"]).success().to_owned();
    let first: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(first, ["0", "0.333333", "1795428060.000"], "{}", &table[..80]);
}

/// A series file that git-exp did not write (a tool's or a hand's spellings, a blank line, no
/// final newline) prints as the points it holds, as before: only rows spelled as git-exp writes
/// them are copied from the file.
#[test]
fn metrics_export_prints_other_spellings_as_their_points() {
    let env = TestEnv::with_commit();
    let id = env.snapshot(&["--metric", "loss=1"]);
    // Row 5: 2⁴⁹ + 0.25 as serde_json writes it; `{:?}`, and so git-exp, writes `…312.3`.
    let stored = "step,value,time\n0,1.50,10.5\n+1,0.1000000000000000055511151231257827,11\n\n2,1e5,12.0000\n3,0.25,13.000\n4,-0,1e1\n5,562949953421312.2,14.000";
    let file = env.root.join("loss.csv");
    std::fs::write(&file, stored).unwrap();
    let blob = env.git(["hash-object", "-w", file.to_str().unwrap()]);
    // The run's tree with that file in place of its series.
    let run_ref = format!("refs/git-exp/runs/{id}");
    let index = env.root.join("series-index");
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        env.hermetic(&mut cmd);
        let out = cmd.current_dir(&env.repo).env("GIT_INDEX_FILE", &index).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    git(&["read-tree", &run_ref]);
    git(&["update-index", "--cacheinfo", &format!("100644,{},.git-exp/metrics/loss.csv", blob.trim())]);
    let tree = git(&["write-tree"]);
    let message = env.git(["log", "-1", "--format=%B", &run_ref]);
    let commit = git(&["commit-tree", &tree, "-p", &format!("{run_ref}^"), "-m", message.trim()]);
    git(&["update-ref", &run_ref, &commit]);
    assert_eq!(env.git(["cat-file", "blob", &format!("{run_ref}:.git-exp/metrics/loss.csv")]), stored);

    let csv = env.run(["metrics", &id, "loss", "--format", "csv"]);
    assert_eq!(
        csv.success(),
        "step,value,time\n0,1.5,10.500\n1,0.1,11.000\n2,100000,12.000\n3,0.25,13.000\n4,-0,10.000\n5,562949953421312.3,14.000\n"
    );
    let json = env.run(["metrics", &id, "loss", "--format", "json"]).success().to_owned();
    assert!(json.contains("\"step\": 2,\n      \"value\": 100000.0,\n      \"time\": 12.0\n"), "{json}");
    assert!(json.contains("\"step\": 4,\n      \"value\": -0.0,\n      \"time\": 10.0\n"), "{json}");
    let table = env.run(["metrics", &id, "loss"]).success().to_owned();
    assert!(table.contains("\n0     1.5        10.500\n"), "{table}");
    assert!(table.ends_with("\n5     5.6295e14  14.000\n"), "{table}");
}

#[test]
fn every_format_ends_quietly_on_a_closed_pipe() {
    let env = TestEnv::with_commit();
    // Enough points that the output is far larger than a pipe's buffer.
    let script = r#"awk 'BEGIN { for (i = 0; i < 50000; i++) print "{\"loss\": " i "}" }' >> "$GIT_EXP_METRICS""#;
    env.run(["run", "--", "sh", "-c", script]).success();
    for format in ["json", "csv", "tsv", "md", "table"] {
        let mut child = env
            .cmd()
            .args(["metrics", "@", "loss", "--format", format])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "{format}: no output");
        drop(reader);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}
