//! Sharing runs: push/fetch/pull through a real bare `file://` remote and a second clone, blob
//! remotes (a directory and an S3 server on 127.0.0.1), and bundles, friendly and hostile.

use std::path::{Path, PathBuf};

use crate::common::{Outcome, TestEnv};

const WRITE_ARTIFACT: &str = "import os\n\
    d = os.environ['GIT_EXP_ARTIFACTS']\n\
    open(os.path.join(d, 'model.txt'), 'w').write('weights of ' + os.environ['GIT_EXP_RUN_ID'])\n";

/// A repository with one commit pushed to a bare remote `origin`, and a blob directory.
struct Team {
    env: TestEnv,
    remote: PathBuf,
    blobs: PathBuf,
}

impl Team {
    fn new() -> Self {
        let env = TestEnv::with_commit();
        let remote = env.root.join("remote.git");
        let blobs = env.root.join("blobs");
        std::fs::create_dir_all(&blobs).unwrap();
        env.git(["init", "-q", "--bare", remote.to_str().unwrap()]);
        env.git(["remote", "add", "origin", &format!("file://{}", remote.display())]);
        env.git(["push", "-q", "origin", "main"]);
        env.write("train.py", WRITE_ARTIFACT);
        Self { env, remote, blobs }
    }

    /// Records a run that writes one artifact; returns its id.
    fn record(&self, name: &str) -> String {
        self.env.run(["run", "-n", name, "--", "python3", "train.py"]).success();
        self.env.run_ids()[0].clone()
    }

    /// Clones the remote into `root/<name>` (with `extra` clone options).
    fn clone(&self, name: &str, extra: &[&str]) -> PathBuf {
        let dir = self.env.root.join(name);
        let url = format!("file://{}", self.remote.display());
        let mut args = vec!["clone", "-q"];
        args.extend(extra);
        args.extend([url.as_str(), dir.to_str().unwrap()]);
        self.env.git_in(&self.env.root, args);
        dir
    }

    fn run(&self, dir: &Path, args: &[&str]) -> Outcome {
        self.env.run_in(dir, &[], args)
    }

    fn show(&self, dir: &Path, run: &str) -> serde_json::Value {
        self.run(dir, &["show", run, "--format", "json"]).json()
    }
}

#[test]
fn push_fetch_pull_and_lazy_artifacts_between_two_clones() {
    let team = Team::new();
    let env = &team.env;
    env.git(["config", "exp.blobs", team.blobs.to_str().unwrap()]);
    let id = team.record("first");
    let before = env.user_state();

    let out = env.run(["push"]);
    let err = &out.stderr;
    assert!(out.success().is_empty(), "push writes status to stderr only\n{out}");
    assert!(err.contains("Uploaded 1 blob") && err.contains("Pushed 1 run to origin"), "{out}");
    assert_eq!(env.user_state(), before, "push leaves branches, index and HEAD alone");
    let on_remote = env.git_in(&team.remote, ["for-each-ref", "--format=%(refname)", "refs/git-exp/"]);
    assert_eq!(on_remote.trim(), format!("refs/git-exp/runs/{id}"));
    assert!(env.run(["push"]).stderr.contains("Pushed 0 runs to origin (1 up to date)"));

    // The second clone: `git clone` does not bring runs; `git exp fetch` does, blobs stay lazy.
    let b = team.clone("b", &[]);
    assert_eq!(team.run(&b, &["ls", "--format", "json"]).json(), serde_json::json!([]));
    let fetched = team.run(&b, &["fetch"]);
    assert!(fetched.stderr.contains("Fetched from origin: 1 new, 0 updated, 0 merged."), "{fetched}");
    assert_eq!(team.show(&b, &id)["name"], "first");
    assert!(!b.join(".git/git-exp/blobs/sha256").exists(), "fetch downloads no blobs");

    // Without a blob remote the artifact is unavailable, with one it is fetched on demand.
    let out = team.run(&b, &["artifacts", &id, "-o", "out"]);
    assert!(out.failure(1).contains("artifact `model.txt`"), "{out}");
    env.git_in(&b, ["config", "exp.blobs", team.blobs.to_str().unwrap()]);
    team.run(&b, &["artifacts", &id, "-o", "out"]).success();
    assert_eq!(std::fs::read_to_string(b.join("out/model.txt")).unwrap(), format!("weights of {id}"));

    // pull: refs plus the blobs of the runs it brought in.
    let second = team.record("second");
    env.run(["push"]).success();
    let c = team.clone("c", &[]);
    // This time the blob remote comes from exp.toml, relative to the repository root.
    std::fs::write(c.join("exp.toml"), "[blobs]\nremote = \"../blobs\"\n").unwrap();
    let out = team.run(&c, &["pull"]);
    assert!(out.stderr.contains("2 new") && out.stderr.contains("Downloaded 2 blobs"), "{out}");
    let blob_count = std::fs::read_dir(c.join(".git/git-exp/blobs/sha256")).unwrap().count();
    assert_eq!(blob_count, 2, "{out}");
    assert_eq!(team.show(&c, &second)["status"], "completed");
}

#[test]
fn edits_of_one_run_in_two_clones_are_merged_not_lost() {
    let team = Team::new();
    let env = &team.env;
    let id = team.record("shared");
    env.run(["push"]).success();
    let b = team.clone("b", &[]);
    team.run(&b, &["fetch"]).success();

    env.run(["tag", &id, "from-a"]).success();
    env.run(["note", &id, "seen in a"]).success();
    env.run(["push"]).success();
    team.run(&b, &["tag", &id, "from-b"]).success();

    let out = team.run(&b, &["push"]);
    let err = out.failure(1);
    assert!(err.contains(&format!("rejected refs/git-exp/runs/{id}: it has edits this clone lacks")), "{out}");
    assert!(err.contains("hint:") && err.contains("git exp pull"), "{out}");

    let out = team.run(&b, &["fetch"]);
    assert!(out.stderr.contains(&format!("Merged run {id}")), "{out}");
    let merged = team.show(&b, &id);
    assert_eq!(merged["tags"], serde_json::json!(["from-b", "from-a"]));
    assert_eq!(merged["note"], "seen in a");
    assert_eq!(merged["status"], "completed");
    let parents = env.git_in(&b, ["log", "-1", "--format=%P", &format!("refs/git-exp/runs/{id}")]);
    assert_eq!(parents.split_whitespace().count(), 2, "the merge commit has both tips as parents");
    let reflog = env.git_in(&b, ["reflog", "-1", "--format=%gs", &format!("refs/git-exp/runs/{id}")]);
    assert_eq!(reflog.trim(), format!("git-exp: merge run {id}"));

    // The merge travels back; a second fetch is a no-op.
    team.run(&b, &["push"]).success();
    assert!(team.run(&b, &["fetch"]).stderr.contains("up to date"));
    let out = env.run(["fetch"]);
    assert!(out.stderr.contains("1 updated"), "a fast-forward, not another merge\n{out}");
    assert_eq!(team.show(&env.repo, &id)["tags"], serde_json::json!(["from-b", "from-a"]));
    env.fsck();
}

#[test]
fn shallow_partial_fetch_lists_runs_whose_base_is_missing() {
    let team = Team::new();
    let env = &team.env;
    env.git(["commit", "-q", "-am", "second"]);
    env.git(["push", "-q", "origin", "main"]);
    let first = env.git(["rev-parse", "HEAD~1"]);
    // A run whose base is the older commit, which a depth-1 clone does not have.
    env.git(["checkout", "-q", "HEAD~1"]);
    let id = team.record("old-base");
    env.git(["checkout", "-q", "main"]);
    env.run(["push"]).success();

    // A shallow clone and a shallow fetch of the runs (their own two commits, not their base).
    let b = team.clone("b", &["--depth", "1"]);
    let refspec = "+refs/git-exp/runs/*:refs/git-exp/remotes/origin/runs/*";
    env.git_in(&b, ["fetch", "-q", "--depth", "2", "origin", refspec]);
    let out = team.run(&b, &["fetch"]);
    assert!(out.stderr.contains("1 new"), "{out}");
    let has_base = std::process::Command::new("git").current_dir(&b).args(["cat-file", "-e", first.trim()]).status();
    assert!(!has_base.unwrap().success(), "the base commit must be missing for this test to mean anything");
    let shown = team.show(&b, &id);
    assert_eq!(shown["base"], first.trim());
    // `show` and `report` say the same thing about the missing base.
    let note = format!("base commit {} is not in this repository (shallow clone?)", first.trim());
    assert_eq!(shown["base_note"], note.as_str(), "{shown}");
    let site = env.root.join("site-b");
    team.run(&b, &["report", "-o", site.to_str().unwrap()]).success();
    let page = std::fs::read_to_string(site.join(format!("runs/{id}.html"))).unwrap();
    assert!(page.contains(&note), "{page}");
    let ls = team.run(&b, &["ls", "--format", "json"]).json();
    assert_eq!(ls[0]["id"], id.as_str());
}

#[test]
fn bad_remotes_get_clear_errors() {
    let team = Team::new();
    let env = &team.env;
    let id = team.record("r");

    let err = env.run(["fetch", "nosuch"]);
    assert!(err.failure(1).contains("error: `nosuch` is not a remote of this repository (known: origin)"), "{err}");
    let err = env.run(["push", "nosuch"]);
    assert!(err.failure(1).contains("`nosuch` is neither a remote nor a run"), "{err}");
    let gone = team.env.root.join("gone.git");
    let err = env.run(["fetch", &format!("file://{}", gone.display())]);
    assert!(err.failure(1).contains("cannot reach remote"), "{err}");

    // An unmounted blob directory is an error, not a silently created local directory.
    env.git(["config", "exp.blobs", team.env.root.join("unmounted").to_str().unwrap()]);
    let err = env.run(["push"]);
    assert!(err.failure(1).contains("cannot reach the blob remote"), "{err}");
    assert!(!team.env.root.join("unmounted").exists());

    // A blob lost from the remote costs that artifact only.
    env.git(["config", "exp.blobs", team.blobs.to_str().unwrap()]);
    env.run(["push"]).success();
    for prefix in std::fs::read_dir(team.blobs.join("sha256")).unwrap().flatten() {
        std::fs::remove_dir_all(prefix.path()).unwrap();
    }
    let b = team.clone("b", &[]);
    env.git_in(&b, ["config", "exp.blobs", team.blobs.to_str().unwrap()]);
    let out = team.run(&b, &["pull", &id]); // the remote defaults to origin
    assert!(out.failure(1).contains("is not on the blob remote"), "{out}");
    assert_eq!(team.show(&b, &id)["status"], "completed", "the run itself is usable");
    let out = team.run(&b, &["artifacts", &id, "-o", "out"]);
    assert!(out.failure(1).contains("artifact `model.txt` of run"), "{out}");
}

#[test]
fn fetch_configure_adds_the_staging_refspec() {
    let team = Team::new();
    let id = team.record("r");
    team.env.run(["push"]).success();
    let b = team.clone("b", &[]);
    let out = team.run(&b, &["fetch", "--configure"]);
    assert!(out.stderr.contains("Added `+refs/git-exp/runs/*:refs/git-exp/remotes/origin/runs/*`"), "{out}");
    let specs = team.env.git_in(&b, ["config", "--get-all", "remote.origin.fetch"]);
    assert_eq!(specs.lines().count(), 2, "{specs}");
    assert!(!team.run(&b, &["fetch", "--configure"]).stderr.contains("Added"), "added once only");
    // A plain `git fetch` now stages the runs, and never touches refs/git-exp/runs/ itself.
    team.env.git_in(&b, ["update-ref", "-d", &format!("refs/git-exp/remotes/origin/runs/{id}")]);
    team.env.git_in(&b, ["fetch", "-q"]);
    let staged = team.env.git_in(&b, ["for-each-ref", "--format=%(refname)", "refs/git-exp/remotes/"]);
    assert_eq!(staged.trim(), format!("refs/git-exp/remotes/origin/runs/{id}"));
}

/// Runs `moto_server` on a free port of 127.0.0.1 for the life of the value.
struct S3Server {
    child: std::process::Child,
    endpoint: String,
}

impl S3Server {
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let child = std::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let server = Self { child, endpoint: format!("http://127.0.0.1:{port}") };
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        None
    }

    fn vars(&self) -> Vec<(&str, &str)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn s3_blob_remote_round_trip() {
    let Some(server) = S3Server::start() else {
        // .ci/run installs moto; only a machine without it gets here.
        crate::common::missing_tool(
            "s3_blob_remote_round_trip",
            "`moto_server` is not installed or did not start (pip install 'moto[server]')",
        );
        return;
    };
    let team = Team::new();
    let env = &team.env;
    // Create the bucket (moto accepts an unsigned request). A loaded machine can accept the
    // connection before moto serves requests, so the request is tried for up to 30 s.
    let create = format!(
        "import time, urllib.request\n\
         for attempt in range(150):\n\
         \x20   try:\n\
         \x20       urllib.request.urlopen(urllib.request.Request('{}/exp-bucket', method='PUT')); break\n\
         \x20   except Exception:\n\
         \x20       if attempt == 149: raise\n\
         \x20       time.sleep(0.2)\n",
        server.endpoint
    );
    env.git(["config", "exp.blobs", "s3://exp-bucket/team/runs"]);
    let python = std::process::Command::new("python3").args(["-c", &create]).status().unwrap();
    assert!(python.success());
    let id = team.record("s3");
    let vars = server.vars();

    let out = env.run_in(&env.repo, &vars, ["push"]);
    assert!(out.stderr.contains("Uploaded 1 blob to s3://exp-bucket/team/runs (0 already there)"), "{out}");
    assert!(!out.stderr.contains("testing"), "credentials never appear in output");
    let out = env.run_in(&env.repo, &vars, ["push"]);
    assert!(out.stderr.contains("Uploaded 0 blobs") && out.stderr.contains("1 already there"), "{out}");

    let b = team.clone("b", &[]);
    env.git_in(&b, ["config", "exp.blobs", "s3://exp-bucket/team/runs"]);
    env.run_in(&b, &vars, ["fetch"]).success();
    let out = env.run_in(&b, &vars, ["artifacts", &id, "-o", "out"]);
    out.success();
    assert_eq!(std::fs::read_to_string(b.join("out/model.txt")).unwrap(), format!("weights of {id}"));

    // A key that is not there, and a server that is not there.
    env.git_in(&b, ["config", "exp.blobs", "s3://exp-bucket/other-prefix"]);
    std::fs::remove_dir_all(b.join(".git/git-exp/blobs")).unwrap();
    let out = env.run_in(&b, &vars, ["artifacts", &id, "-o", "out2"]);
    assert!(out.failure(1).contains("is not on the blob remote s3://exp-bucket/other-prefix"), "{out}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = format!("http://127.0.0.1:{closed}");
    let mut vars = server.vars();
    vars[0].1 = &dead;
    let out = env.run_in(&env.repo, &vars, ["push"]);
    assert!(out.failure(1).contains("cannot reach the blob remote s3://exp-bucket/team/runs"), "{out}");
}

#[test]
fn bundle_round_trip_into_a_repository_without_remotes() {
    let team = Team::new();
    let env = &team.env;
    let id = team.record("bundled");
    env.run(["tag", &id, "keep"]).success();
    let bundle = env.root.join("runs.tar.zst");
    let out = env.run(["export", bundle.to_str().unwrap(), &id]);
    assert!(out.stderr.contains("Exported 1 run and 1 blob"), "{out}");

    let other = env.root.join("other");
    std::fs::create_dir_all(&other).unwrap();
    env.git_in(&other, ["init", "-q"]);
    let out = team.run(&other, &["import", bundle.to_str().unwrap()]);
    assert!(out.stderr.contains("1 new") && out.stderr.contains("Imported 1 blob."), "{out}");
    let shown = team.show(&other, &id);
    assert_eq!(shown["tags"], serde_json::json!(["keep"]));
    team.run(&other, &["artifacts", &id, "-o", "out"]).success();
    assert_eq!(std::fs::read_to_string(other.join("out/model.txt")).unwrap(), format!("weights of {id}"));
    let again = team.run(&other, &["import", bundle.to_str().unwrap()]);
    assert!(again.stderr.contains("up to date"), "{again}");
}

/// A raw tar entry: name bytes, type, declared size and data.
type RawEntry<'a> = (&'a [u8], tar::EntryType, u64, &'a [u8]);

/// Writes a tar.zst whose entries are given raw.
fn hostile_bundle(path: &Path, entries: &[RawEntry<'_>]) {
    let file = std::fs::File::create(path).unwrap();
    let mut builder = tar::Builder::new(zstd::Encoder::new(file, 3).unwrap().auto_finish());
    for (name, kind, size, data) in entries {
        let mut header = tar::Header::new_gnu();
        // Set the name bytes directly: the tar crate's own setters refuse `..` and absolute paths.
        header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
        header.set_entry_type(*kind);
        header.set_size(*size);
        header.set_mode(0o644);
        if *kind == tar::EntryType::Symlink {
            header.set_link_name("/etc/passwd").unwrap();
        }
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap();
}

#[test]
fn hostile_bundles_are_refused_and_write_nothing() {
    let env = TestEnv::with_commit();
    let manifest = br#"{"schema": 1, "runs": [], "blobs": [{"sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "size": 5}]}"#;
    let evil_blob = zstd::encode_all(&b"evil!"[..], 3).unwrap();
    let blob_name = b"blobs/sha256/2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    use tar::EntryType::{Char, Regular, Symlink};
    let cases: Vec<(&str, Vec<RawEntry<'_>>, &str)> = vec![
        ("absolute", vec![(b"/tmp/evil", Regular, 4, b"evil")], "`/tmp/evil` is not a plain relative path"),
        ("dotdot", vec![(b"blobs/../../evil", Regular, 4, b"evil")], "is not a plain relative path"),
        ("symlink", vec![(b"manifest.json", Symlink, 0, b"")], "is a symbolic link, not a regular file"),
        ("device", vec![(b"runs.bundle", Char, 0, b"")], "is a device file, not a regular file"),
        ("oversized", vec![(b"runs.bundle", Regular, 100 << 30, b"")], "declares 107374182400 bytes, over the limit"),
        ("unknown", vec![(b"notes.txt", Regular, 4, b"evil")], "is not part of a git-exp bundle"),
        (
            "bad hash",
            vec![
                (b"manifest.json", Regular, manifest.len() as u64, manifest),
                (blob_name, Regular, evil_blob.len() as u64, &evil_blob),
            ],
            "is corrupt",
        ),
        ("no runs", vec![(b"manifest.json", Regular, manifest.len() as u64, manifest)], "has no `runs.bundle`"),
    ];
    for (what, entries, expected) in cases {
        let path = env.root.join(format!("{what}.tar.zst"));
        hostile_bundle(&path, &entries);
        let out = env.run(["import", path.to_str().unwrap()]);
        let err = out.failure(1);
        assert!(err.contains(expected) && err.contains("nothing was imported"), "{what}:\n{out}");
        assert_eq!(env.git(["for-each-ref", "refs/git-exp/"]), "", "{what}: no refs written");
        let stored = env.repo.join(".git/git-exp/blobs/sha256");
        assert!(!stored.exists(), "{what}: no blobs written");
        let tmp = env.repo.join(".git/git-exp/tmp");
        assert_eq!(std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0), 0, "{what}: staging removed");
    }
    // A truncated entry: the header promises more bytes than the archive holds.
    let path = env.root.join("truncated.tar.zst");
    let mut raw = Vec::new();
    {
        let mut builder = tar::Builder::new(&mut raw);
        let mut header = tar::Header::new_gnu();
        header.set_path("runs.bundle").unwrap();
        header.set_size(4096);
        header.set_cksum();
        builder.append(&header, &[0u8; 4096][..]).unwrap();
    }
    raw.truncate(512 + 100); // the header and 100 of its 4096 bytes
    std::fs::write(&path, zstd::encode_all(&raw[..], 3).unwrap()).unwrap();
    let out = env.run(["import", path.to_str().unwrap()]);
    assert!(out.failure(1).contains("nothing was imported") || out.stderr.contains("damaged"), "{out}");
    assert_eq!(env.git(["for-each-ref", "refs/git-exp/"]), "");
}
