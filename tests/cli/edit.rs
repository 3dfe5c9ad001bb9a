//! snapshot, show, metrics, artifacts, tag, note, rename, rm, restore, gc, and bad input.

use crate::common::TestEnv;

fn snapshot(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["snapshot"];
    all.extend_from_slice(args);
    env.run(all).success().trim().to_owned()
}

#[test]
fn snapshot_show_and_metrics() {
    let env = TestEnv::with_commit();
    let before = env.user_state();
    let id = snapshot(
        &env,
        &["-n", "nb", "-m", "notebook checkpoint", "-p", "k=v", "--metric", "acc=0.91", "--metric", "loss=inf"],
    );
    assert_eq!(env.user_state(), before);
    env.fsck();
    let show = env.run(["show", "@"]);
    let text = show.success();
    assert!(text.starts_with(&format!("run {id} (nb)  completed\n")), "{text}");
    assert!(text.contains("note      notebook checkpoint"), "{text}");
    assert!(text.contains("  k = v"), "{text}");
    assert!(text.contains("acc "), "{text}");
    let json = env.run(["show", &id, "--format", "json"]).json();
    assert_eq!(json["metrics"]["loss"]["last"], "inf");
    assert_eq!(json["metrics"]["acc"]["last"], 0.91);
    let metrics = env.run(["metrics", &id, "--format", "csv"]);
    assert_eq!(metrics.success(), "key,step,value,time\nacc,0,0.91,1795428060.000\nloss,0,inf,1795428060.000\n");
    let out = env.run(["metrics", &id, "nope"]);
    assert!(
        out.failure(1).contains(&format!("error: run {id} (nb) has no metric `nope` (it has: acc, loss)")),
        "{out}"
    );
}

#[test]
fn run_specs_and_their_errors() {
    let env = TestEnv::with_commit();
    let a = snapshot(&env, &["-n", "twin"]);
    let b = snapshot(&env, &["-n", "twin"]);
    let c = snapshot(&env, &["-n", "other"]);
    assert_eq!(env.run(["show", "@", "--format", "json"]).json()["id"], c.as_str());
    assert_eq!(env.run(["show", "@~2", "--format", "json"]).json()["id"], a.as_str());
    assert_eq!(env.run(["show", &b[..5], "--format", "json"]).json()["id"], b.as_str());
    let out = env.run(["show", "twin"]);
    let err = out.failure(1);
    assert!(err.starts_with("error: `twin` is ambiguous: it matches "), "{out}");
    assert!(err.contains(&format!("{a} (twin)")) && err.contains(&format!("{b} (twin)")), "{out}");
    assert!(err.contains("hint: use more characters of the id"), "{out}");
    let out = env.run(["show", "zzzz"]);
    assert!(
        out.failure(1)
            .starts_with("error: no run matches `zzzz` (tried id prefix and name)\nhint: `git exp ls` lists the runs"),
        "{out}"
    );
    let out = env.run(["show", "@~9"]);
    assert!(out.failure(1).contains("only 3 runs are recorded"), "{out}");
    let out = env.run(["show", "@~x"]);
    assert!(out.failure(2).contains("after `@~` comes a number"), "{out}");
}

#[test]
fn tag_note_rename_rm_restore_gc() {
    let env = TestEnv::with_commit();
    let id = snapshot(&env, &["-t", "wip"]);
    let before = env.user_state();
    env.run(["tag", "@", "best", "baseline", "--remove", "wip"]).success();
    env.run(["note", "@", "lr too high"]).success();
    env.run(["note", "@", "--append", "second line"]).success();
    env.run(["rename", "@", "better-name"]).success();
    let run = env.run(["show", &id, "--format", "json"]).json();
    assert_eq!(run["tags"], serde_json::json!(["best", "baseline"]));
    assert_eq!(run["note"], "lr too high\nsecond line");
    assert_eq!(run["name"], "better-name");
    let subjects = env.git(["log", "--format=%s", "-5", &format!("refs/git-exp/runs/{id}")]);
    assert_eq!(
        subjects.lines().filter(|s| s.starts_with(&format!("run {id}"))).count(),
        5,
        "each edit is a commit:\n{subjects}"
    );

    assert!(env.run(["tag", "@", "a,b"]).failure(2).contains("not a tag"));
    env.run(["rm", "better-name"]).success();
    assert!(env.run_ids().is_empty());
    assert_eq!(env.git(["rev-parse", &format!("refs/git-exp/trash/{id}")]).trim().len(), 40);
    env.run(["restore", &id]).success();
    assert_eq!(env.run_ids(), std::slice::from_ref(&id));
    env.run(["rm", &id]).success();

    let out = env.run(["gc", "--dry-run", "--trash-days", "0"]);
    assert!(out.stderr.contains("Would delete 1 run from the trash"), "{out}");
    let kept = snapshot(&env, &["-n", "kept"]);
    let out = env.run(["gc", "--trash-days", "0"]);
    assert!(out.stderr.contains("Packed 1 run refs."), "{out}");
    assert_eq!(
        env.git(["for-each-ref", "--format=%(refname)", "refs/git-exp/"]),
        format!("refs/git-exp/runs/{kept}\n")
    );
    assert!(!env.repo.join(format!(".git/refs/git-exp/runs/{kept}")).exists(), "packed, no longer loose");
    assert_eq!(env.run_ids(), std::slice::from_ref(&kept));
    env.run(["tag", &kept, "after-packing"]).success();
    let reflog = env.git(["reflog", "show", "--format=%gs", &format!("refs/git-exp/runs/{kept}")]);
    assert_eq!(reflog, format!("git-exp: tag\ngit-exp: create run {kept}\n"));
    assert_eq!(env.user_state(), before);
    env.fsck();
}

#[test]
fn artifacts_are_listed_extracted_and_verified() {
    let env = TestEnv::with_commit();
    env.write("a.py", "import os\nd = os.environ['GIT_EXP_ARTIFACTS']\nos.makedirs(d + '/sub')\nopen(d + '/model.bin', 'wb').write(b'w' * 1000)\nopen(d + '/sub/x.txt', 'w').write('x')\n");
    env.run(["run", "--", "python3", "a.py"]).success();
    let list = env.run(["artifacts", "@", "--format", "csv"]);
    assert!(list.success().starts_with("path,size,sha256\nmodel.bin,1000 B,"), "{list}");
    env.run(["artifacts", "@", "-o", "../out"]).success();
    assert_eq!(std::fs::read(env.root.join("out/model.bin")).unwrap(), vec![b'w'; 1000]);
    assert_eq!(std::fs::read_to_string(env.root.join("out/sub/x.txt")).unwrap(), "x");
    env.run(["artifacts", "@", "sub", "-o", "../only-sub"]).success();
    assert!(env.root.join("only-sub/sub/x.txt").is_file() && !env.root.join("only-sub/model.bin").exists());

    // Corrupt the stored blob: extraction must refuse and leave nothing behind.
    let sha =
        env.run(["artifacts", "@", "model.bin", "--format", "json"]).json()[0]["sha256"].as_str().unwrap().to_owned();
    let blob = env.repo.join(format!(".git/git-exp/blobs/sha256/{}/{}", &sha[..2], &sha[2..]));
    std::fs::write(&blob, zstd_of(b"tampered")).unwrap();
    let out = env.run(["artifacts", "@", "model.bin", "-o", "../bad"]);
    assert!(out.failure(1).contains("artifact `model.bin` of run"), "{out}");
    assert!(out.stderr.contains(&format!("blob {sha} is corrupt")), "{out}");
    assert!(!env.root.join("bad/model.bin").exists());
}

fn zstd_of(data: &[u8]) -> Vec<u8> {
    // zstd frames with a raw block: magic, frame header (single segment, 1-byte size), block header.
    let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0x20, data.len() as u8];
    let block_header = (data.len() as u32) << 3 | 1; // last block, raw
    out.extend_from_slice(&block_header.to_le_bytes()[..3]);
    out.extend_from_slice(data);
    out
}

#[test]
fn hand_edited_records_are_skipped_with_a_warning() {
    let env = TestEnv::with_commit();
    let good = snapshot(&env, &["-n", "good"]);
    let bad = snapshot(&env, &["-n", "bad"]);
    let odd = snapshot(&env, &["-n", "odd"]);
    edit_record(&env, &bad, |text| text.replace("status = \"completed\"\n", ""));
    edit_record(&env, &odd, |text| format!("favourite_colour = \"blue\"\n{text}"));
    let out = env.run(["ls", "--format", "json"]);
    let json = out.json();
    let ids: Vec<&str> = json.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [odd.as_str(), good.as_str()], "{out}");
    assert!(
        out.stderr.contains(&format!("warning: skipping refs/git-exp/runs/{bad}: run.toml: missing field `status`")),
        "{out}"
    );
    assert!(
        out.stderr.contains(&format!(
            "refs/git-exp/runs/{odd}: run.toml has fields this git-exp does not know: favourite_colour"
        )),
        "{out}"
    );
    // An edit keeps the field it does not know.
    env.run(["tag", &odd, "x"]).success();
    let record = env.git(["show", &format!("refs/git-exp/runs/{odd}:.git-exp/run.toml")]);
    assert!(record.contains("favourite_colour = \"blue\""), "{record}");
}

/// Rewrites a run's run.toml the way a person with plain git would.
fn edit_record(env: &TestEnv, id: &str, edit: impl Fn(String) -> String) {
    let reference = format!("refs/git-exp/runs/{id}");
    let text = edit(env.git(["show", &format!("{reference}:.git-exp/run.toml")]));
    std::fs::write(env.root.join("run.toml"), text).unwrap();
    let blob = env.git(["hash-object", "-w", env.root.join("run.toml").to_str().unwrap()]);
    let index = env.root.join("edit-index");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(&env.repo)
            .env("GIT_INDEX_FILE", &index)
            .env("GIT_AUTHOR_NAME", "x")
            .env("GIT_AUTHOR_EMAIL", "x@x")
            .env("GIT_COMMITTER_NAME", "x")
            .env("GIT_COMMITTER_EMAIL", "x@x")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    git(&["read-tree", &reference]);
    git(&["update-index", "--cacheinfo", &format!("100644,{},.git-exp/run.toml", blob.trim())]);
    let tree = git(&["write-tree"]);
    let commit = git(&["commit-tree", &tree, "-p", &reference, "-m", "hand edit"]);
    git(&["update-ref", &reference, &commit]);
}

/// The files of the blob store below `dir` (`sha256/<2 hex>/<rest>`).
fn blob_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten().map(|f| f.path()))
        .collect()
}

/// Makes every blob older than gc's grace period.
fn age_blobs(dir: &std::path::Path) {
    for blob in blob_files(dir) {
        let status = std::process::Command::new("touch").args(["-d", "2020-01-01"]).arg(&blob).status().unwrap();
        assert!(status.success());
    }
}

#[test]
fn gc_prunes_only_old_unreferenced_blobs() {
    let env = TestEnv::with_commit();
    env.write("a.py", "import os, sys\nopen(os.environ['GIT_EXP_ARTIFACTS'] + '/m.bin', 'w').write(sys.argv[1])\n");
    env.run(["run", "--", "python3", "a.py", "kept"]).success();
    env.run(["run", "--", "python3", "a.py", "dropped"]).success();
    let blobs = env.repo.join(".git/git-exp/blobs/sha256");
    assert_eq!(blob_files(&blobs).len(), 2);
    age_blobs(&blobs);
    env.run(["rm", "@"]).success();
    let out = env.run(["gc"]);
    assert!(
        out.stderr.contains("Deleted 0 runs from the trash and 0 unreferenced blobs"),
        "trash still refers to it\n{out}"
    );
    let out = env.run(["gc", "--trash-days", "0"]);
    assert!(out.stderr.contains("Deleted 1 run from the trash and 1 unreferenced blob"), "{out}");
    assert_eq!(blob_files(&blobs).len(), 1);
    env.run(["artifacts", "@", "-o", "../out"]).success();
    assert_eq!(std::fs::read_to_string(env.root.join("out/m.bin")).unwrap(), "kept");
}

#[test]
fn gc_keeps_every_blob_while_a_run_cannot_be_read() {
    let env = TestEnv::with_commit();
    env.write("a.py", "import os, sys\nopen(os.environ['GIT_EXP_ARTIFACTS'] + '/m.bin', 'w').write(sys.argv[1])\n");
    env.run(["run", "--", "python3", "a.py", "from-the-future"]).success();
    let future = env.run_ids()[0].clone();
    env.run(["run", "--", "python3", "a.py", "dropped"]).success();
    env.run(["rm", "@"]).success();
    let blobs = env.repo.join(".git/git-exp/blobs/sha256");
    age_blobs(&blobs);
    // A newer git-exp wrote this run: this one cannot tell which blobs it refers to.
    edit_record(&env, &future, |text| text.replace("schema = 1", "schema = 2"));
    let out = env.run(["gc", "--trash-days", "0"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains(&format!("warning: cannot read refs/git-exp/runs/{future}; keeping every blob")),
        "{out}"
    );
    assert!(out.stderr.contains("Deleted 1 run from the trash; deleted no blobs."), "{out}");
    assert_eq!(blob_files(&blobs).len(), 2, "{out}");

    // Once the run reads again, the unreferenced blob goes and the run's own stays.
    edit_record(&env, &future, |text| text.replace("schema = 2", "schema = 1"));
    let out = env.run(["gc"]);
    assert!(out.stderr.contains("and 1 unreferenced blob ("), "{out}");
    env.run(["artifacts", &future, "-o", "../out"]).success();
    assert_eq!(std::fs::read_to_string(env.root.join("out/m.bin")).unwrap(), "from-the-future");
}
