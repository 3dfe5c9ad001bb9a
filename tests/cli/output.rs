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

/// Reads a file the pager command wrote (empty when the pager never ran).
fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn paginate_pipes_text_through_git_pager() {
    let (env, ..) = two_runs();
    let plain = env.run(["show", "@"]).success().to_owned();
    let paged = env.root.join("paged.txt");
    let vars = env.root.join("vars.txt");
    let pager = format!("echo \"$LESS $LV\" > '{}'; cat > '{}'", vars.display(), paged.display());
    let out = env.run_in(&env.repo, &[("GIT_PAGER", &pager)], ["--paginate", "show", "@"]);
    assert_eq!(out.success(), "", "the text went to the pager, not stdout");
    assert_eq!(read(&paged), plain);
    // git's defaults for less and lv when the user set none.
    assert_eq!(read(&vars), "FRX -c\n");

    // The user's LESS is kept.
    let out = env.run_in(&env.repo, &[("GIT_PAGER", &pager), ("LESS", "S")], ["--paginate", "ls"]);
    out.success();
    assert_eq!(read(&vars), "S -c\n");
    assert!(read(&paged).contains("second"));
}

#[test]
fn an_empty_or_cat_pager_and_other_formats_bypass_the_pager() {
    let (env, ..) = two_runs();
    let paged = env.root.join("paged.txt");
    let pager = format!("cat > '{}'", paged.display());
    for (git_pager, args) in [
        ("cat", &["--paginate", "ls"][..]),
        ("", &["--paginate", "ls"]),
        (pager.as_str(), &["ls"]), // piped: no pager without --paginate
        (pager.as_str(), &["--paginate", "ls", "--format", "json"]), // data for programs
        (pager.as_str(), &["--paginate", "tag", "@", "x"]), // prints no long text
    ] {
        let out = env.run_in(&env.repo, &[("GIT_PAGER", git_pager)], args);
        out.success();
        assert!(!paged.exists(), "GIT_PAGER={git_pager:?} {args:?} paged:\n{out}");
    }
    let out = env.run(["--paginate", "--no-pager", "ls"]);
    assert_eq!(out.code, 2, "{out}");
}

#[test]
fn core_pager_comes_after_git_pager_and_before_pager() {
    let (env, ..) = two_runs();
    let file = |name: &str| env.root.join(name);
    let to = |name: &str| format!("cat > '{}'", file(name).display());
    env.git(["config", "core.pager", &to("core.txt")]);
    env.run_in(&env.repo, &[("PAGER", &to("pager.txt"))], ["--paginate", "ls"]).success();
    assert!(read(&file("core.txt")).contains("second"));
    assert!(!file("pager.txt").exists());

    env.run_in(&env.repo, &[("GIT_PAGER", &to("git.txt"))], ["--paginate", "compare", "@~1", "@"]).success();
    assert!(read(&file("git.txt")).contains("lr"));

    env.git(["config", "--unset", "core.pager"]);
    env.run_in(&env.repo, &[("PAGER", &to("pager.txt"))], ["--paginate", "diff", "@~1", "@"]).success();
    assert!(read(&file("pager.txt")).contains("acc"));
}

#[test]
fn colours_follow_the_flag_color_ui_and_the_environment() {
    let (env, ..) = two_runs();
    let escape = |vars: &[(&str, &str)], args: &[&str]| {
        let out = env.run_in(&env.repo, vars, args);
        out.success().contains('\x1b')
    };
    // Piped with NO_COLOR (the TestEnv's default): plain, unless asked.
    assert!(!escape(&[], &["ls"]));
    assert!(escape(&[], &["--color", "always", "ls"]));
    // Piped without NO_COLOR, auto stays plain; CLICOLOR_FORCE forces colours.
    assert!(!escape(&[("NO_COLOR", "")], &["--color", "auto", "ls"]));
    assert!(escape(&[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")], &["ls"]));
    // A pager counts as a terminal, unless TERM=dumb.
    let pager = format!("cat > '{}'", env.root.join("paged.txt").display());
    let paged = |vars: &[(&str, &str)]| {
        let mut vars = vars.to_vec();
        vars.extend([("GIT_PAGER", pager.as_str()), ("NO_COLOR", "")]);
        env.run_in(&env.repo, &vars, ["--paginate", "ls"]).success();
        read(&env.root.join("paged.txt")).contains('\x1b')
    };
    assert!(paged(&[("TERM", "xterm")]));
    assert!(!paged(&[("TERM", "dumb")]));
    // So does git's pager, when git runs git-exp (a diff driver) with GIT_PAGER_IN_USE.
    assert!(escape(&[("NO_COLOR", ""), ("TERM", "xterm"), ("GIT_PAGER_IN_USE", "true")], &["ls"]));

    // git's color.ui: always colours even piped (and over NO_COLOR), never/false keep it plain;
    // the command line still wins.
    env.git(["config", "color.ui", "always"]);
    assert!(escape(&[], &["ls"]));
    assert!(!escape(&[], &["--color", "never", "ls"]));
    assert!(!escape(&[], &["--color", "auto", "ls"]));
    env.git(["config", "color.ui", "false"]);
    assert!(!escape(&[("NO_COLOR", ""), ("GIT_PAGER", &pager), ("TERM", "xterm")], &["--paginate", "ls"]));
    assert!(escape(&[], &["--color", "always", "ls"]));
}

#[test]
fn columns_keep_integers_and_floats_apart_in_json_and_csv() {
    let env = TestEnv::with_commit();
    env.snapshot(&["-n", "whole", "-p", "epochs=10", "-p", "lr=1.0", "--metric", "acc=1.0"]);
    let columns = ["ls", "--columns", "params.epochs,params.lr,metrics.acc,exit_code"];
    let json = env.run([&columns[..], &["--format", "json"]].concat()).json();
    let text = serde_json::to_string(&json[0]).unwrap();
    assert!(text.contains("\"params.epochs\":10,"), "{text}");
    assert!(text.contains("\"params.lr\":1.0,"), "{text}");
    assert!(text.contains("\"metrics.acc\":1.0"), "{text}");
    // The whole-run JSON says the same.
    let whole = env.run(["ls", "--format", "json"]).json();
    assert_eq!(whole[0]["metrics"]["acc"]["last"].to_string(), "1.0");
    let csv = env.run([&columns[..], &["--format", "csv"]].concat());
    assert_eq!(csv.success().lines().nth(1), Some("10,1.0,1.0,"), "{csv}");
}

/// Three runs with a long name, constant params, tiny and whole metrics and a system series:
/// what the output layer formats and fits.
fn three_runs() -> TestEnv {
    let env = TestEnv::with_commit();
    let common = ["-p", "dataset=digits"];
    for (name, lr, epochs, loss, acc, rss) in [
        ("baseline-with-a-rather-long-name", "0.1", "10", "1.1470577e-6", "0.912345678", "123456789"),
        ("tuned", "0.01", "10", "2.5e-9", "0.95", "223456789"),
        ("wide", "0.001", "20", "0.25", "1.0", "323456789"),
    ] {
        let (lr, epochs) = (format!("lr={lr}"), format!("epochs={epochs}"));
        let (loss, acc, rss) = (format!("loss={loss}"), format!("acc={acc}"), format!("sys/rss_bytes={rss}"));
        let args = ["-n", name, "-p", &lr, "-p", &epochs, "--metric", &loss, "--metric", &acc, "--metric", &rss];
        env.snapshot(&[&args[..], &common].concat());
    }
    env
}

/// show, ls, compare and diff in text, markdown and JSON at 100 columns (and ls at 60), on
/// fixed runs: the fixed clock and id seed make them the same on every machine but for the
/// host, which is filtered out.
#[test]
fn output_snapshots_at_a_fixed_width() {
    let env = three_runs();
    let cases: &[(&str, &[&str], &str)] = &[
        ("show_text", &["show", "@~2"], "100"),
        ("show_json", &["show", "@~2", "--format", "json"], "100"),
        ("ls_text", &["ls"], "100"),
        ("ls_text_narrow", &["ls"], "60"),
        ("ls_md", &["ls", "--format", "md"], "100"),
        ("ls_json", &["ls", "--columns", "id,name,params.epochs,metrics.acc,metrics.loss", "--format", "json"], "100"),
        // Two runs, so the filtered host name is in the last column, whose width moves nothing
        // (unless a host name is longer than the first run's name).
        ("compare_text", &["compare", "@~2", "@"], "100"),
        ("compare_md", &["compare", "@~2", "@~1", "@", "--format", "md"], "100"),
        ("compare_json", &["compare", "@~2", "@", "--format", "json"], "100"),
        ("diff_text", &["diff", "@~2", "@"], "100"),
        ("diff_md", &["diff", "@~2", "@", "--format", "md"], "100"),
        ("diff_json", &["diff", "@~2", "@", "--format", "json"], "100"),
    ];
    // The machine's name, user and size differ between machines: show `[host]` instead. The run
    // commit holds them (and the environment record), so its id differs too.
    let host = [
        (r"host      .*", "host      [host]"),
        (r"(?m)^commit    [0-9a-f]{40}$", "commit    [commit]"),
        (r#""commit": "[0-9a-f]{40}""#, "\"commit\": \"[commit]\""),
        (r#""(hostname|user|os|arch|cpus|memory_bytes)": [^,\n]+"#, "\"$1\": [host]"),
        (r"(?m)^host\.hostname .*$", "host.hostname [host]"),
        (r"(?m)^\| host\.hostname \|.*$", "| host.hostname | [host] |"),
        (r#""field": "host\.hostname",\n(\s+"\w+": "[^"\n]*",?\n)+"#, "\"field\": \"host.hostname\", [host]\n"),
    ];
    insta::with_settings!({ filters => host.to_vec() }, {
        for (name, args, columns) in cases {
            let out = env.run_in(&env.repo, &[("COLUMNS", columns)], *args);
            insta::assert_snapshot!(*name, out.to_string());
        }
    });
}
