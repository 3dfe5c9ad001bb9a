//! The listing index (`.git/git-exp/cache/listing-v3.idx`): `ls` filters and sorts on its rows
//! and reads whole records only for the rows it prints. Its answers are compared with the whole
//! records' (a filter on `host.*` or `command` cannot use the index, so adding one that always
//! holds gives the old path's answer), it follows new and removed runs, and a damaged, missing
//! or other-version file is rebuilt.

use std::path::PathBuf;
use std::process::Stdio;

use crate::common::TestEnv;

fn index_file(env: &TestEnv) -> PathBuf {
    env.repo.join(".git/git-exp/cache/listing-v3.idx")
}

/// A filter that always holds and that only whole records answer (`host.*` is not indexed).
const WHOLE: [&str; 2] = ["--where", "host.hostname exists or not host.hostname exists"];

/// `ls` with `args`, through the index; then the same through whole records; asserts they agree.
#[track_caller]
fn same_both_ways(env: &TestEnv, args: &[&str]) -> String {
    let mut indexed = vec!["ls"];
    indexed.extend_from_slice(args);
    let indexed = env.run(&indexed).success().to_owned();
    let mut whole = vec!["ls"];
    whole.extend_from_slice(args);
    whole.extend_from_slice(&WHOLE);
    assert_eq!(indexed, env.run(&whole).success(), "ls {args:?}: index and whole records differ");
    indexed
}

/// Runs with every kind of field the index holds: nested, array and dotted params, tags,
/// metrics, notes, a failed run.
fn varied_runs(env: &TestEnv) {
    env.snapshot(&["-n", "abl-lr", "-p", "lr=0.001", "-p", "bs=32", "--metric", "acc=0.95", "--metric", "loss=0.2"]);
    env.snapshot(&["-n", "abl-bs", "-p", "lr=0.001", "-p", "bs=64", "--metric", "acc=0.91", "-t", "best"]);
    env.snapshot(&["-n", "nested", "-p", "opt.beta1=0.9", "-p", "opt.name=adam"]);
    env.snapshot(&["-n", "text", "-p", "lr=\"high\"", "-p", "flag=true", "-t", "debug", "-t", "wip"]);
    env.snapshot(&["-n", "nan", "-p", "lr=0.1", "--metric", "acc=nan", "--metric", "loss=-inf"]);
    env.run(["note", "@", "a note to find"]).success();
    env.snapshot(&["-n", "bare"]);
    // What `-p` cannot write: arrays, an empty table, a date, a key reached two ways.
    let params =
        "layers = [64, 32]\nempty = {}\nday = 2026-11-01\n\"a.b\" = 1\nlr = 0.005\n[params.a]\nb = 2\nc = \"x\"\n";
    import_run(env, "0123abcd", "imported", params);
}

/// Writes one completed run with these `[params]` lines straight into the repository.
fn import_run(env: &TestEnv, id: &str, name: &str, params: &str) {
    use std::io::Write as _;
    let toml = format!(
        "schema = 1\nid = \"{id}\"\nname = \"{name}\"\nstatus = \"failed\"\ncommand = [\"python3\", \"t.py\"]\n\
         cwd = \".\"\nstarted = \"2026-11-23T09:00:00.000Z\"\nended = \"2026-11-23T09:00:05.000Z\"\nexit_code = 3\n\
         branch = \"main\"\ndirty = true\ntags = [\"imp\"]\nsweep = \"s1\"\n\n[params]\n{params}\n[metrics.acc]\ncount = 3\n\
         first_step = 0\nlast_step = 2\nfirst = 0.1\nlast = 0.3\nmin = 0.1\nmax = 0.3\nmean = 0.2\n"
    );
    let message = format!("run {id} ({name}): failed");
    let stream = format!(
        "commit refs/git-exp/runs/{id}\ncommitter t <t@example.com> 1795428000 +0000\ndata {}\n{message}\n\
         M 100644 inline .git-exp/run.toml\ndata {}\n{toml}\n\n",
        message.len(),
        toml.len()
    );
    let mut cmd = std::process::Command::new("git");
    env.hermetic(&mut cmd);
    let mut child = cmd.args(["fast-import", "--quiet"]).current_dir(&env.repo).stdin(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "git fast-import");
}

const QUERIES: &[&[&str]] = &[
    &[],
    &["--where", "params.lr < 0.01", "--sort", "metrics.acc", "--limit", "20"],
    &["--where", "params.lr < 0.01 and metrics.acc:max > 0.9 and not tags contains \"debug\""],
    &["--sort", "-metrics.acc"],
    &["--sort", "metrics.acc,name"],
    &["--sort", "params.lr"],
    &["--sort", "-params.lr", "--limit", "2"],
    &["--sort", "params.opt"],
    &["--where", "params.opt.beta1 = 0.9"],
    &["--where", "params.opt exists"],
    &["--where", "params.layers contains 64"],
    &["--where", "params.layers exists", "--sort", "params.layers"],
    &["--where", "params.a.b = 1 or params.a.b = 2", "--sort", "params.a"],
    &["--where", "params.empty exists or params.day = 2026-11-01", "--sort", "params.day"],
    &["--where", "params.a.c = x and sweep = s1 and dirty = true and exit_code = 3"],
    &["--where", "params.lr = high or params.flag = true"],
    &["--where", "tags exists", "--sort", "-tags"],
    &["--where", "tags contains best or name ~ \"^n\""],
    &["--where", "note ~ \"note\""],
    &["--where", "status in [completed, crashed]", "--sort", "-started", "--limit", "3"],
    &["--where", "duration >= 0s and exit_code exists", "--sort", "duration,id"],
    &["--where", "metrics.loss:min < 0", "--sort", "metrics.acc:count"],
    &["--where", "branch = main and dirty = false", "--limit", "1"],
    &["--where", "commit ~ \"^[0-9a-f]\"", "--sort", "commit"],
    &["--since", "3m", "--sort", "name"],
    &["--where", "metrics.nope > 1"],
];

#[test]
fn the_index_answers_as_whole_records_do() {
    let env = TestEnv::with_commit();
    varied_runs(&env);
    for query in QUERIES {
        for format in [&["--format", "json"][..], &["--format", "csv"], &["--format", "tsv", "--all-columns"], &[]] {
            let args = [*query, format].concat();
            same_both_ways(&env, &args);
        }
        let columns = ["--format", "csv", "--columns", "id,name,params.lr,params.opt,tags,metrics.acc:max,status"];
        same_both_ways(&env, &[*query, &columns[..]].concat());
        let columns = ["--format", "json", "--columns", "id,command,host.hostname,params.layers,note,ended"];
        same_both_ways(&env, &[*query, &columns[..]].concat());
        // Tables of given columns are built from rows (every column here is in the index), or
        // from whole records where a column is not (`host.hostname`).
        let columns = ["--format", "table", "--columns", "id,name,params.lr,params.opt,tags,metrics.acc:max,duration"];
        same_both_ways(&env, &[*query, &columns[..]].concat());
        let columns = ["--format", "md", "--hide-unchanged", "--columns", "id,params.layers,host.hostname,status,note"];
        same_both_ways(&env, &[*query, &columns[..]].concat());
    }
    // A fresh rebuild reads the same.
    let before: Vec<String> = QUERIES.iter().map(|q| same_both_ways(&env, q)).collect();
    std::fs::remove_file(index_file(&env)).unwrap();
    let after: Vec<String> = QUERIES.iter().map(|q| same_both_ways(&env, q)).collect();
    assert_eq!(before, after);
}

#[test]
fn json_and_csv_stream_the_same_output_over_many_batches() {
    let env = TestEnv::with_commit();
    // More runs than one batch of whole records (256), so batches join correctly.
    crate::report_sweep::sweep_runs(&env, 700, 2);
    let json = same_both_ways(&env, &["--format", "json"]);
    assert_eq!(json.matches("\"id\":").count(), 700);
    same_both_ways(&env, &["--format", "csv", "--columns", "id,params.lr,params.opt.setting_number_1,metrics.acc"]);
    same_both_ways(&env, &["--format", "json", "--where", "params.depth = 3", "--sort", "-metrics.acc,id"]);
    same_both_ways(&env, &["--where", "params.lr < 0.01", "--sort", "metrics.acc", "--limit", "20"]);
    same_both_ways(&env, &["--sort", "params.depth,-params.lr", "--limit", "300", "--format", "csv"]);
}

#[test]
fn the_index_follows_new_and_removed_runs() {
    let env = TestEnv::with_commit();
    varied_runs(&env);
    same_both_ways(&env, &["--format", "json"]);
    let before = std::fs::read(index_file(&env)).unwrap();

    let newer = env.snapshot(&["-n", "newer", "-p", "lr=0.0001", "--metric", "acc=0.99"]);
    let best = same_both_ways(
        &env,
        &["--format", "csv", "--columns", "id", "--where", "metrics.acc < 2", "--sort", "-metrics.acc", "--limit", "1"],
    );
    assert_eq!(best.lines().nth(1), Some(newer.as_str()), "a run recorded after the index was written");
    let grown = std::fs::read(index_file(&env)).unwrap();
    assert!(grown.len() > before.len(), "the new run's row is added");

    env.run(["rm", &newer]).success();
    same_both_ways(&env, &["--format", "json"]);
    assert_eq!(std::fs::read(index_file(&env)).unwrap().len(), before.len(), "a removed run's row is dropped");
    env.run(["restore", &newer]).success();
    assert!(same_both_ways(&env, &["--format", "csv", "--columns", "id"]).contains(&newer));
    env.run(["rm", &newer]).success();
    env.run(["gc", "--trash-days", "0"]).success();
    assert!(!same_both_ways(&env, &["--format", "csv", "--columns", "id"]).contains(&newer));
}

#[test]
fn damaged_or_other_version_files_are_rebuilt() {
    let env = TestEnv::with_commit();
    varied_runs(&env);
    let listing = same_both_ways(&env, &["--format", "json", "--sort", "-metrics.acc"]);
    let whole = std::fs::read(index_file(&env)).unwrap();
    let mut flipped = whole.clone();
    flipped[whole.len() / 2] ^= 0x20;
    let mut other_version = whole.clone();
    other_version[8] = 1; // the version before this one
    let damages: Vec<&[u8]> =
        vec![&whole[..whole.len() / 2], &whole[..whole.len() - 1], b"", &flipped, &other_version, &[0xff; 300]];
    for damage in damages {
        std::fs::write(index_file(&env), damage).unwrap();
        assert_eq!(env.run(["ls", "--format", "json", "--sort", "-metrics.acc"]).success(), listing);
        assert_eq!(std::fs::read(index_file(&env)).unwrap(), whole, "rebuilt to the same bytes");
    }
    // gc --reindex rebuilds it too.
    std::fs::write(index_file(&env), b"junk").unwrap();
    env.run(["gc", "--reindex"]).success();
    assert_eq!(std::fs::read(index_file(&env)).unwrap(), whole);
}

#[test]
fn ls_while_runs_are_written_lists_complete_runs() {
    let env = TestEnv::with_commit();
    env.snapshot(&["-n", "first", "-p", "lr=0.1"]);
    for round in 0..3 {
        let mut children: Vec<_> = [
            vec!["snapshot".to_owned(), "-n".into(), format!("x{round}"), "-p".into(), "lr=0.001".into()],
            vec!["snapshot".into(), "-n".into(), format!("y{round}"), "-p".into(), "lr=0.002".into()],
            vec!["ls".into(), "--format".into(), "json".into()],
            vec!["ls".into(), "--where".into(), "params.lr < 0.01".into(), "--sort".into(), "name".into()],
        ]
        .into_iter()
        .map(|args| env.cmd().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
        for child in children.drain(..) {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "a concurrent command failed in round {round}: {output:?}");
            // Every listing printed while runs were written is well-formed.
            let stdout = String::from_utf8(output.stdout).unwrap();
            if stdout.starts_with('[') {
                serde_json::from_str::<serde_json::Value>(&stdout).unwrap();
            }
        }
    }
    let names = same_both_ways(&env, &["--format", "csv", "--columns", "name", "--sort", "name"]);
    assert_eq!(names, "name\nfirst\nx0\nx1\nx2\ny0\ny1\ny2\n");
    assert!(
        !std::fs::read_dir(index_file(&env).parent().unwrap()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".tmp"))
    );
}

/// Both index files are rewritten only when the run refs change: `ls` and `show @` of an
/// unchanged repository read them as they are, also after git moved the refs into packed-refs
/// (the same refs, read another way); a change that keeps the number of runs (one removed, one
/// recorded) is seen by both.
#[test]
fn the_indexes_are_rewritten_only_when_the_run_refs_change() {
    let env = TestEnv::with_commit();
    varied_runs(&env);
    let run_index = env.repo.join(".git/git-exp/cache/runs-v4.idx");
    let query = ["ls", "--format", "csv", "--columns", "id,name,params.lr", "--sort", "name"];
    let listing = same_both_ways(&env, &query[1..]);
    let newest = env.run(["show", "@", "--format", "json"]).json()["id"].as_str().unwrap().to_owned();
    // An old time on both files: a rewrite gives them the time of now.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    let stamp = || {
        for file in [index_file(&env), run_index.clone()] {
            std::fs::File::options().write(true).open(&file).unwrap().set_modified(old).unwrap();
        }
    };
    let untouched =
        || [index_file(&env), run_index.clone()].map(|f| std::fs::metadata(f).unwrap().modified().unwrap() == old);
    stamp();
    assert_eq!(env.run(query).success(), listing);
    assert_eq!(env.run(["show", "@", "--format", "json"]).json()["id"], newest.as_str());
    assert_eq!(untouched(), [true, true], "nothing changed: nothing rewritten");

    env.git(["pack-refs", "--all", "--prune"]);
    assert!(!env.repo.join(".git/refs/git-exp/runs").join(&newest).exists(), "the run refs are packed");
    assert_eq!(env.run(query).success(), listing);
    assert_eq!(env.run(["show", "@", "--format", "json"]).json()["id"], newest.as_str());
    assert_eq!(untouched(), [true, true], "packed refs are the same refs");

    // As many runs as before, one of them new.
    env.run(["rm", &newest]).success();
    let newer = env.snapshot(&["-n", "newer", "-p", "lr=0.5"]);
    let changed = same_both_ways(&env, &query[1..]);
    assert!(changed.contains(&newer) && !changed.contains(&newest), "{changed}");
    assert_eq!(changed.lines().count(), listing.lines().count());
    assert_eq!(env.run(["show", "@", "--format", "json"]).json()["id"], newer.as_str());
    assert_eq!(untouched(), [false, false], "both rewritten");
}
