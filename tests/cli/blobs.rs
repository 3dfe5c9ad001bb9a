//! The blob store under gc and a full disk: re-used blobs get a fresh age, temp files of dead
//! writers are cleaned, a failed write leaves nothing behind and `recover` finishes the run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::TestEnv;

const WRITE_ARTIFACT: &str =
    "import os, sys\nopen(os.environ['GIT_EXP_ARTIFACTS'] + '/m.bin', 'w').write(sys.argv[1])\n";

fn blob_files(env: &TestEnv) -> Vec<PathBuf> {
    let dir = env.repo.join(".git/git-exp/blobs/sha256");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten().map(|f| f.path()))
        .collect();
    out.sort();
    out
}

fn tmp_files(env: &TestEnv) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(env.repo.join(".git/git-exp/blobs/tmp"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Sets a file's modification time far into the past, older than any grace period.
fn age(path: &Path) {
    let status = Command::new("touch").args(["-d", "2020-01-01"]).arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn a_reused_blob_gets_a_fresh_age_so_gc_keeps_it_for_the_grace_period() {
    let env = TestEnv::with_commit();
    env.write("a.py", WRITE_ARTIFACT);
    env.run(["run", "--", "python3", "a.py", "shared"]).success();
    env.run(["rm", "@"]).success();
    env.run(["gc", "--trash-days", "0"]).success();
    // Now an unreferenced blob, and an old one: the next gc would delete it.
    let [blob] = blob_files(&env).try_into().unwrap();
    age(&blob);

    // A new run produces the same content: the store skips the write but refreshes the age,
    // as the run's manifest is committed only later.
    env.run(["run", "--", "python3", "a.py", "shared"]).success();
    assert_eq!(blob_files(&env), std::slice::from_ref(&blob));
    env.run(["rm", "@"]).success();
    let out = env.run(["gc", "--trash-days", "0"]);
    assert!(out.stderr.contains("Deleted 1 run from the trash and 0 unreferenced blobs"), "{out}");
    assert!(blob.is_file(), "gc deleted a blob re-used within its grace period\n{out}");

    // Once it is old again, it goes.
    age(&blob);
    let out = env.run(["gc"]);
    assert!(out.stderr.contains("and 1 unreferenced blob ("), "{out}");
    assert!(!blob.exists());
}

/// This host's name as git-exp sees it (`gethostname`).
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_owned())
}

#[test]
fn gc_cleans_temp_files_of_dead_writers_and_keeps_live_ones() {
    let env = TestEnv::with_commit();
    env.write("a.py", WRITE_ARTIFACT);
    env.run(["run", "--", "python3", "a.py", "x"]).success();
    let tmp = env.repo.join(".git/git-exp/blobs/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    // Old-style names say nothing about their writer: their age decides.
    std::fs::write(tmp.join(".tmp-1-old"), vec![0u8; 1000]).unwrap();
    age(&tmp.join(".tmp-1-old"));
    std::fs::write(tmp.join(".tmp-1-fresh"), b"x").unwrap();
    // A writer of this host that is alive (this test) keeps its file; a dead one does not.
    let me = std::process::id();
    let mut dead = Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let host = hostname();
    if let Some(host) = &host {
        std::fs::write(tmp.join(format!(".tmp-{host}-{me}-x-live")), b"x").unwrap();
        std::fs::write(tmp.join(format!(".tmp-{host}-{dead_pid}-x-dead")), vec![0u8; 24]).unwrap();
    }
    // Not a temp file of ours: left alone.
    std::fs::write(tmp.join("notes.txt"), b"x").unwrap();

    let out = env.run(["gc", "--dry-run"]);
    let expected = if host.is_some() { "Would delete 2 temporary files" } else { "Would delete 1 temporary file" };
    assert!(out.stderr.contains(expected), "{out}");
    assert_eq!(tmp_files(&env).len(), if host.is_some() { 5 } else { 3 });

    let out = env.run(["gc"]);
    out.success();
    let mut kept = vec![".tmp-1-fresh".to_owned(), "notes.txt".to_owned()];
    if let Some(host) = &host {
        assert!(out.stderr.contains("Deleted 2 temporary files of unfinished blob writes (1024 bytes)."), "{out}");
        kept.push(format!(".tmp-{host}-{me}-x-live"));
    } else {
        assert!(out.stderr.contains("Deleted 1 temporary file of unfinished blob writes (1000 bytes)."), "{out}");
    }
    kept.sort();
    assert_eq!(tmp_files(&env), kept);
    assert_eq!(blob_files(&env).len(), 1, "the run's blob stays");
}

/// Bytes zstd cannot compress (xorshift), so the stored blob is as large as the file.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A full disk, simulated by a file size limit: writes past it fail with EFBIG (`ulimit -f`, with
/// SIGXFSZ ignored so the write fails instead of killing the process), which git-exp treats as it
/// treats ENOSPC.
#[test]
fn a_blob_write_that_runs_out_of_space_leaves_nothing_and_recover_finishes_the_run() {
    let env = TestEnv::with_commit();
    std::fs::write(env.root.join("big.bin"), noise(4 << 20)).unwrap();
    // The command only links the file in, so that it writes nothing itself.
    let script = r#"ln ../big.bin "$GIT_EXP_ARTIFACTS/big.bin" && echo linked"#;
    let mut cmd = Command::new("sh");
    env.hermetic(&mut cmd);
    cmd.current_dir(&env.repo)
        .env("GIT_EXP_NOW", "2026-11-23T09:00:00Z")
        .args(["-c", r#"trap '' XFSZ; ulimit -f 1024; exec "$0" "$@""#])
        .arg(assert_cmd::cargo::cargo_bin!("git-exp"))
        .args(["run", "--", "sh", "-c", script])
        .stdin(std::process::Stdio::null());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let id = env.run_ids()[0].clone();
    assert!(
        stderr.contains(&format!("error: cannot finish recording run {id}: out of space; its spool is kept")),
        "{stderr}"
    );
    assert!(stderr.contains("(the partly written blob was removed)"), "{stderr}");
    assert!(stderr.contains("hint: free space, then run 'git exp recover' to finish recording the run"), "{stderr}");
    assert_eq!(tmp_files(&env), Vec::<String>::new(), "the temp file of the failed write is gone");
    assert!(env.repo.join(".git/git-exp/spool").join(&id).is_dir(), "the spool stays for recover");
    let run = &env.run(["ls", "--format", "json"]).json()[0];
    assert_eq!(run["status"], "crashed", "{run}");

    // With space again, recover finishes the record, artifact included.
    let out = env.run(["recover"]);
    assert!(out.stderr.contains(&format!("Recovered run {id}")), "{out}");
    env.run(["artifacts", &id, "-o", "../out"]).success();
    assert_eq!(std::fs::read(env.root.join("out/big.bin")).unwrap(), noise(4 << 20));
    let log = env.git(["show", &format!("refs/git-exp/runs/{id}:.git-exp/output.log")]);
    assert!(log.contains("linked"), "{log}");
    env.fsck();
}
