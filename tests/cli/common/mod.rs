//! The shared test environment: a temporary home with a hermetic git config, a repository made
//! by real `git init`, a clock that moves one minute forward per call and a seed per call.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A test that needs a tool the machine lacks: on CI (`CI` set) the test fails, since a skip there
/// would pass as `ok` and hide that nothing was checked; elsewhere it prints why and the caller
/// returns early.
#[track_caller]
pub fn missing_tool(test: &str, reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {reason}, and CI is set: tests that need a tool must run on CI");
    }
    eprintln!("SKIPPED {test}: {reason}");
}

pub const FIXED_DATE: &str = "2026-11-23T10:00:00+00:00";

pub struct TestEnv {
    _root: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
    pub repo: PathBuf,
    calls: Cell<u64>,
}

/// What a command printed, and how it ended.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn from_output(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts exit code 0 and returns stdout.
    #[track_caller]
    pub fn success(&self) -> &str {
        assert_eq!(self.code, 0, "expected success\n{self}");
        &self.stdout
    }

    /// Asserts exit code `code` and returns stderr.
    #[track_caller]
    pub fn failure(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "expected exit {code}\n{self}");
        &self.stderr
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[exit {}]\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

impl TestEnv {
    /// A new environment with an empty repository (unborn `main`).
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let home = root.join("home");
        let repo = root.join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n\
             [core]\n\tautocrlf = false\n[protocol \"file\"]\n\tallow = always\n",
        )
        .unwrap();
        let env = Self { _root: dir, root, home, repo, calls: Cell::new(0) };
        env.git(["init", "-q"]);
        env
    }

    /// A new environment whose repository has one commit with a few files.
    pub fn with_commit() -> Self {
        let env = Self::new();
        env.write("README.md", "# demo\n");
        env.write("train.py", "print('hello')\n");
        env.write("src/model.py", "W = 1\n");
        env.git(["add", "."]);
        env.git(["commit", "-q", "-m", "initial"]);
        env
    }

    /// Writes a file in the repository, creating directories.
    pub fn write(&self, path: &str, content: &str) {
        let full = self.repo.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    /// Clears the environment of `cmd` but for what makes git and git-exp hermetic.
    pub fn hermetic(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_AUTHOR_DATE", FIXED_DATE)
            .env("GIT_COMMITTER_DATE", FIXED_DATE)
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100");
    }

    /// A `git-exp` command in the repository, with the clock and seed of the next call.
    pub fn cmd(&self) -> Command {
        self.cmd_in(&self.repo)
    }

    pub fn cmd_in(&self, dir: &Path) -> Command {
        let n = self.calls.get() + 1;
        self.calls.set(n);
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("git-exp"));
        self.hermetic(&mut cmd);
        let now = jiff::Timestamp::from_second(1_795_428_000 + 60 * n as i64).unwrap(); // 2026-11-23T10:00Z
        cmd.current_dir(dir).env("GIT_EXP_NOW", now.to_string()).env("GIT_EXP_SEED", n.to_string());
        cmd
    }

    /// Runs `git-exp` with `args` in the repository.
    pub fn run<I, S>(&self, args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.cmd();
        cmd.args(args).stdin(std::process::Stdio::null());
        Outcome::from_output(cmd.output().expect("git-exp runs"))
    }

    /// Runs `git-exp` with `args` in `dir` (another clone), with extra environment variables.
    pub fn run_in<I, S>(&self, dir: &Path, vars: &[(&str, &str)], args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.cmd_in(dir);
        cmd.args(args).envs(vars.iter().copied()).stdin(std::process::Stdio::null());
        Outcome::from_output(cmd.output().expect("git-exp runs"))
    }

    /// Runs real `git` with the same hermetic config, asserting success; returns stdout.
    #[track_caller]
    pub fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.git_in(&self.repo, args)
    }

    #[track_caller]
    pub fn git_in<I, S>(&self, dir: &Path, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new("git");
        self.hermetic(&mut cmd);
        let output = cmd.current_dir(dir).args(args).output().expect("git runs");
        let outcome = Outcome::from_output(output);
        assert_eq!(outcome.code, 0, "git failed\n{outcome}");
        outcome.stdout
    }

    /// Everything a recording command must leave alone: status, index bytes, HEAD, refs outside
    /// refs/git-exp, stash.
    pub fn user_state(&self) -> String {
        // `git status` may refresh the index's stat data; run it once first so the bytes settle.
        self.git(["status", "--porcelain=v2"]);
        let status = self.git(["status", "--porcelain=v2", "--branch", "--untracked-files=all"]);
        let index = std::fs::read(self.repo.join(".git/index")).map(|b| format!("{:x?}", sha(&b))).unwrap_or_default();
        let head = std::fs::read_to_string(self.repo.join(".git/HEAD")).unwrap();
        let refs = self.git(["for-each-ref", "--format=%(refname) %(objectname)"]);
        let refs: String = refs.lines().filter(|l| !l.starts_with("refs/git-exp/")).map(|l| format!("{l}\n")).collect();
        format!("{status}\nindex {index}\nHEAD {head}\n{refs}")
    }

    /// Asserts `git fsck --strict` is clean.
    #[track_caller]
    pub fn fsck(&self) {
        let mut cmd = Command::new("git");
        self.hermetic(&mut cmd);
        let output = cmd.current_dir(&self.repo).args(["fsck", "--strict", "--no-dangling"]).output().unwrap();
        let outcome = Outcome::from_output(output);
        assert_eq!(outcome.code, 0, "fsck failed\n{outcome}");
        assert!(!outcome.stderr.contains("error"), "fsck complained\n{outcome}");
    }

    /// Records a snapshot run with `args` (`-n NAME -p k=v --metric m=1 -t TAG`); returns its id.
    #[track_caller]
    pub fn snapshot(&self, args: &[&str]) -> String {
        let mut all = vec!["snapshot"];
        all.extend_from_slice(args);
        self.run(all).success().trim().to_owned()
    }

    /// Ids of the recorded runs, newest first.
    pub fn run_ids(&self) -> Vec<String> {
        let json = self.run(["ls", "--format", "json"]);
        json.json().as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    }
}

/// A small stable digest for comparing file bytes in assertions (not cryptographic).
fn sha(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}
