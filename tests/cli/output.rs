//! The output rule (docs/OUTPUT.md): text unless --format says otherwise, piped or not; a format
//! a command cannot print is a usage error. Every TestEnv call pipes stdout, so these tests see
//! what a script sees.

use crate::common::TestEnv;

fn two_runs() -> (TestEnv, String, String) {
    let env = TestEnv::with_commit();
    let a = env.snapshot(&["-n", "first", "-p", "lr=0.1", "--metric", "acc=0.5"]);
    let b = env.snapshot(&["-n", "second", "-p", "lr=0.2", "--metric", "acc=0.7"]);
    (env, a, b)
}

/// Text, not JSON: stdout is neither parseable JSON nor empty, and names the runs.
fn assert_text(out: &str, expect: &str) {
    assert!(serde_json::from_str::<serde_json::Value>(out).is_err(), "piped output became json:\n{out}");
    assert!(out.contains(expect), "{expect:?} missing from:\n{out}");
}

#[test]
fn piped_listings_stay_text() {
    let (env, a, b) = two_runs();
    assert_text(env.run(["ls"]).success(), "second");
    assert_text(env.run(["compare", &a, &b]).success(), "lr");
    assert_text(env.run(["metrics", "@"]).success(), "step  value");
    assert_text(env.run(["show", "@"]).success(), "second");
    // `text` names the default too, and --format json still gives json when asked.
    assert_eq!(env.run(["ls", "--format", "text"]).success(), env.run(["ls"]).success());
    assert_eq!(env.run(["ls", "--format", "json"]).json()[0]["name"], "second");
}

#[test]
fn a_format_the_command_cannot_print_is_a_usage_error() {
    let (env, ..) = two_runs();
    let out = env.run(["show", "@", "--format", "csv"]);
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "error: `show` cannot print --format csv\nhint: `show` prints --format table, json\n");

    // A command that prints no data takes no --format, and does nothing when given one.
    let refs = env.git(["for-each-ref", "refs/git-exp/"]);
    let out = env.run(["tag", "@", "baseline", "--format", "json"]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.starts_with("error: `tag` prints no data: --format json does not apply\n"), "{out}");
    assert_eq!(env.git(["for-each-ref", "refs/git-exp/"]), refs);
}
