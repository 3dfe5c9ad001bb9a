//! The run index (`.git/git-exp/cache/runs-v4.idx`): single-run commands resolve through it,
//! it is brought up to date with the run refs, and a damaged, missing or old-format file is
//! rebuilt without losing a run.

use std::path::PathBuf;
use std::process::Stdio;

use crate::common::TestEnv;

fn index_file(env: &TestEnv) -> PathBuf {
    env.repo.join(".git/git-exp/cache/runs-v4.idx")
}

fn cache_file(env: &TestEnv) -> PathBuf {
    env.repo.join(".git/git-exp/cache/runs-v2.jsonl")
}

/// The id of the run `spec` names, through `show`.
#[track_caller]
fn shown(env: &TestEnv, spec: &str) -> String {
    env.run(["show", spec, "--format", "json"]).json()["id"].as_str().unwrap().to_owned()
}

/// Three runs, oldest first: `a` (tagged best), `b`, `b`.
fn three_runs(env: &TestEnv) -> Vec<String> {
    vec![env.snapshot(&["-n", "a", "-t", "best"]), env.snapshot(&["-n", "b"]), env.snapshot(&["-n", "b"])]
}

#[test]
fn single_run_specs_resolve_without_an_index_and_build_it() {
    let env = TestEnv::with_commit();
    let ids = three_runs(&env);
    for name in ["cache", "cache/runs-v4.idx"] {
        let _ = std::fs::remove_dir_all(env.repo.join(".git/git-exp").join(name));
    }
    // A full id goes through its ref alone: no index is needed or written.
    assert_eq!(shown(&env, &ids[0]), ids[0]);
    assert!(!index_file(&env).exists(), "a full id should not build the index");

    assert_eq!(shown(&env, "@"), ids[2]);
    assert!(index_file(&env).exists(), "resolving `@` builds the index");
    assert_eq!(shown(&env, "@~2"), ids[0]);
    assert_eq!(shown(&env, &ids[1][..6]), ids[1]);
    assert_eq!(shown(&env, "a"), ids[0]);
    let ambiguous = env.run(["show", "b"]);
    assert!(ambiguous.failure(1).contains("`b` is ambiguous"), "{ambiguous}");
    let missing = env.run(["show", "@~3"]);
    assert!(missing.failure(1).contains("only 3 runs are recorded"), "{missing}");
    // Tags are not run-specs (docs/FORMAT.md "Run ids and names"), index or not.
    assert!(env.run(["show", "best"]).failure(1).contains("no run matches `best`"));
}

#[test]
fn index_follows_new_and_removed_runs() {
    let env = TestEnv::with_commit();
    let ids = three_runs(&env);
    assert_eq!(shown(&env, "@"), ids[2]);
    let before = std::fs::read(index_file(&env)).unwrap();

    let newer = env.snapshot(&["-n", "c"]);
    assert_eq!(shown(&env, "@"), newer, "a run recorded after the index was written");
    assert_eq!(shown(&env, "c"), newer);
    assert_ne!(std::fs::read(index_file(&env)).unwrap(), before, "the index is updated in place");

    env.run(["rm", "@", "@~1"]).success();
    assert_eq!(shown(&env, "@"), ids[1], "removed runs leave the index");
    assert!(env.run(["show", "c"]).failure(1).contains("no run matches `c`"));
    env.run(["restore", &newer]).success();
    assert_eq!(shown(&env, "@"), newer);
}

#[test]
fn damaged_index_and_cache_are_rebuilt_without_losing_runs() {
    let env = TestEnv::with_commit();
    let ids = three_runs(&env);
    let listing = env.run(["ls", "--format", "json"]).success().to_owned();
    let whole = std::fs::read(index_file(&env)).unwrap();

    let damages: [&[u8]; 4] = [&whole[..whole.len() / 2], b"", b"gitexpix\x07\0\0\0 not this version", &[0xff; 300]];
    for damage in damages {
        std::fs::write(index_file(&env), damage).unwrap();
        std::fs::write(cache_file(&env), &damage[..damage.len().min(40)]).unwrap();
        assert_eq!(shown(&env, "@~1"), ids[1]);
        assert_eq!(std::fs::read(index_file(&env)).unwrap(), whole, "rebuilt to the same bytes");
        assert_eq!(env.run(["ls", "--format", "json"]).success(), listing, "`ls` output unchanged");
    }
}

#[test]
fn index_is_built_from_an_old_format_cache() {
    let env = TestEnv::with_commit();
    let ids = three_runs(&env);
    let listing = env.run(["ls", "--format", "json"]).success().to_owned();
    // A listing of whole runs (a filter on `host.*`, which the listing index does not hold)
    // writes the listing cache, as every `ls` of an older git-exp did.
    env.run(["ls", "--where", "host.os exists or not host.os exists"]).success();
    assert!(cache_file(&env).exists(), "a listing of whole runs writes the listing cache");
    // A repository used by an older git-exp: its listing cache, no index.
    std::fs::remove_file(index_file(&env)).unwrap();
    std::fs::remove_file(env.repo.join(".git/git-exp/cache/listing-v3.idx")).unwrap();
    // With the files of older index versions, which the new ones replace.
    let obsolete =
        ["listing-v1.idx", "listing-v2.idx", "runs-v3.idx"].map(|f| env.repo.join(".git/git-exp/cache").join(f));
    for file in &obsolete {
        std::fs::write(file, "an index of an older version").unwrap();
    }
    assert_eq!(shown(&env, "a"), ids[0]);
    assert!(index_file(&env).exists());
    assert_eq!(env.run(["ls", "--format", "json"]).success(), listing);
    for file in &obsolete {
        assert!(!file.exists(), "{} is deleted once the new index is written", file.display());
    }
}

#[test]
fn gc_reindex_rebuilds_both_files() {
    let env = TestEnv::with_commit();
    let ids = three_runs(&env);
    std::fs::create_dir_all(index_file(&env).parent().unwrap()).unwrap();
    std::fs::write(index_file(&env), b"junk").unwrap();
    let gc = env.run(["gc", "--reindex"]);
    assert!(gc.stderr.contains("Rebuilt the run index and listing cache: 3 runs."), "{gc}");
    assert!(cache_file(&env).exists() && index_file(&env).exists());
    assert_eq!(shown(&env, "@"), ids[2]);
}

#[test]
fn concurrent_writers_and_readers_leave_a_complete_index() {
    let env = TestEnv::with_commit();
    let first = env.snapshot(&["-n", "first"]);
    for round in 0..3 {
        // Two recordings, a listing and a single-run command at once, each rewriting the index.
        let mut children: Vec<_> = [
            vec!["snapshot".to_owned(), "-n".into(), format!("x{round}")],
            vec!["snapshot".into(), "-n".into(), format!("y{round}")],
            vec!["ls".into(), "--format".into(), "json".into()],
            vec!["show".into(), "first".into()],
        ]
        .into_iter()
        .map(|args| env.cmd().args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap())
        .collect();
        for child in &mut children {
            assert!(child.wait().unwrap().success(), "a concurrent command failed in round {round}");
        }
    }
    assert_eq!(shown(&env, "first"), first);
    for round in 0..3 {
        for name in [format!("x{round}"), format!("y{round}")] {
            env.run(["show", &name]).success();
        }
    }
    assert_eq!(env.run_ids().len(), 7);
    let ids = env.run_ids();
    assert_eq!(shown(&env, "@"), ids[0]);
    assert!(
        !std::fs::read_dir(index_file(&env).parent().unwrap()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".tmp"))
    );
}

/// More than 64 runs missing from the run index are added through the listing index (which reads
/// them a chunk at a time); when that one is already up to date, the run index is made from its
/// rows and written, never left behind the refs.
#[test]
fn many_missing_runs_are_added_through_the_listing_index() {
    let env = TestEnv::with_commit();
    crate::report_sweep::sweep_runs(&env, 80, 0);
    let ids = env.run_ids();
    let mut rm = vec!["rm"];
    rm.extend(ids[..70].iter().map(String::as_str));
    env.run(&rm).success();
    assert_eq!(shown(&env, "@"), ids[70]);
    let behind = std::fs::read(index_file(&env)).unwrap();

    let mut restore = vec!["restore"];
    restore.extend(ids[..70].iter().map(String::as_str));
    env.run(&restore).success();
    let listing = env.run(["ls", "--format", "csv", "--columns", "id"]).success().to_owned();
    assert_eq!(listing.lines().count(), 81);
    // The run index 70 runs behind, the listing index up to date.
    std::fs::write(index_file(&env), &behind).unwrap();
    assert_eq!(shown(&env, "@"), ids[0]);
    assert_eq!(shown(&env, "sweep-0"), ids[79]);
    let caught_up = std::fs::read(index_file(&env)).unwrap();
    std::fs::remove_file(index_file(&env)).unwrap();
    assert_eq!(shown(&env, "@~79"), ids[79]);
    assert_eq!(std::fs::read(index_file(&env)).unwrap(), caught_up, "written as a rebuild writes it");
}

/// A rebuild killed at any point (`kill -9` while it reads runs, appends to the listing cache or
/// writes an index) leaves files that the next command either trusts because they are right or
/// rebuilds: listings and single-run commands answer exactly as before, and nothing is lost.
#[test]
fn a_rebuild_killed_midway_leaves_nothing_wrong_behind() {
    let env = TestEnv::with_commit();
    crate::report_sweep::sweep_runs(&env, 3000, 0);
    let listing = env.run(["ls", "--format", "csv", "--columns", "id,name,params.lr,metrics.acc"]).success().to_owned();
    let ids = env.run_ids();
    let files = ["cache/runs-v2.jsonl", "cache/runs-v4.idx", "cache/listing-v3.idx"];
    for (round, delay_ms) in [5u64, 40, 120, 300, 700].into_iter().enumerate() {
        let mut reindex =
            env.cmd().args(["gc", "--reindex"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = reindex.kill(); // SIGKILL; it may have finished already
        reindex.wait().unwrap();
        let left: Vec<bool> = files.iter().map(|f| env.repo.join(".git/git-exp").join(f).exists()).collect();
        assert_eq!(shown(&env, "@~17"), ids[17], "round {round}, files left: {left:?}");
        let again = env.run(["ls", "--format", "csv", "--columns", "id,name,params.lr,metrics.acc"]);
        assert!(again.success() == listing, "round {round}: the listing differs after a killed rebuild");
        assert_eq!(shown(&env, "sweep-1234"), ids[3000 - 1 - 1234], "round {round}");
    }
}

/// A writer killed between creating its temp file and renaming it leaves the temp file behind;
/// the next writer of the same file deletes it (its pid is gone), and leaves a live writer's alone.
#[test]
fn temp_files_of_killed_writers_are_deleted_by_the_next_write() {
    let env = TestEnv::with_commit();
    env.snapshot(&["-n", "a"]);
    env.run(["ls"]).success(); // the cache directory and its files
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let cache = index_file(&env).parent().unwrap().to_owned();
    let abandoned = ["runs-v4", "listing-v3", "runs-v2"].map(|stem| cache.join(format!("{stem}.tmp{dead}")));
    for file in &abandoned {
        std::fs::write(file, b"half an index").unwrap();
    }
    let live = cache.join(format!("runs-v4.tmp{}", std::process::id()));
    std::fs::write(&live, b"being written").unwrap();

    env.snapshot(&["-n", "b"]);
    env.run(["ls", "--format", "json"]).success();
    assert_eq!(shown(&env, "a"), env.run_ids()[1]);
    for file in &abandoned {
        assert!(!file.exists(), "{} left behind", file.display());
    }
    assert!(live.exists(), "a live writer's temp file was deleted");
}
