//! Completion: `git exp __complete -- WORDS…` (what the bash, zsh and fish scripts call) offers
//! subcommands, options and values from the definition, and runs, tags and entry points from the
//! repository; `man --out-dir`/`--install` and `completions --out-dir` write where man and the
//! shells look.

use std::path::Path;
use std::process::Command;

use crate::common::{TestEnv, missing_tool};

/// The candidates' values (without their help), in order.
fn complete(env: &TestEnv, words: &[&str]) -> Vec<String> {
    let mut args = vec!["__complete", "--"];
    args.extend(words);
    let out = env.run(args);
    out.success().lines().map(|l| l.split('\t').next().unwrap().to_owned()).collect()
}

#[test]
fn candidates_come_from_the_definition_and_the_repository() {
    let env = TestEnv::with_commit();
    env.write("exp.toml", "[entry.train]\ncommand = \"python train.py --lr {lr}\"\n[entry.eval]\ncommand = \"true\"\n");
    env.run(["run", "-q", "-n", "brave-otter", "-t", "baseline", "--", "true"]).success();
    env.run(["run", "-q", "-n", "calm-heron", "-t", "wip", "-t", "baseline", "--", "true"]).success();
    let runs = env.run(["ls", "--format", "json"]).json();
    let ids: Vec<&str> = runs.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();

    let commands = complete(&env, &[""]);
    for c in ["run", "show", "ls", "compare", "completions", "man"] {
        assert!(commands.contains(&c.to_owned()), "{c} missing: {commands:?}");
    }
    assert!(!commands.iter().any(|c| c.starts_with('-') || c == "__complete"), "{commands:?}");
    assert_eq!(complete(&env, &["l"]), ["ls"], "the name, not its alias `log`");
    assert_eq!(complete(&env, &["lo"]), ["log"], "an alias still completes when typed");

    // Runs: `@`, names, ids (newest first).
    let show = complete(&env, &["show", ""]);
    assert_eq!(show, ["@", "calm-heron", "brave-otter", ids[0], ids[1]]);
    assert_eq!(complete(&env, &["rm", "brave-otter", "ca"]), ["calm-heron"], "rm takes several runs");
    assert_eq!(complete(&env, &["compare", &ids[1][..3]]), [ids[1]]);
    assert_eq!(complete(&env, &["-C", "sub", "show", "b"]).len(), 0, "-C names another (missing) directory");
    // Tags and entry points.
    assert_eq!(complete(&env, &["tag", "@", ""]), ["baseline", "wip"]);
    assert_eq!(complete(&env, &["tag", "@", "--remove", "w"]), ["wip"]);
    assert_eq!(complete(&env, &["run", "-t", "b"]), ["baseline"]);
    assert_eq!(complete(&env, &["run", ""]), ["train", "eval"], "in exp.toml order");
    // Options once a `-` is typed, values of value enums, `--opt=` forms.
    assert!(complete(&env, &["ls", "--w"]).contains(&"--where".to_owned()));
    assert_eq!(complete(&env, &["ls", "--format", "c"]), ["csv"]);
    assert_eq!(complete(&env, &["ls", "--format=t"]), ["--format=table", "--format=tsv"]);

    // Outside a repository: the definition still completes; there are no runs, and no error.
    let outside = env.root.join("home");
    let out = env.cmd_in(&outside).args(["__complete", "--", "show", ""]).output().unwrap();
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    let out = env.cmd_in(&outside).args(["__complete", "--", "sh"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("show\t"), "{out:?}");
}

#[test]
fn hostile_names_are_not_offered() {
    let env = TestEnv::with_commit();
    env.write("exp.toml", "[entry.\"a b\"]\ncommand = \"true\"\n[entry.\"x\\u001b[31m\"]\ncommand = \"true\"\n");
    env.run(["run", "-q", "-t", "two words", "--", "true"]).success();
    assert_eq!(complete(&env, &["run", "-t", ""]), Vec::<String>::new());
    assert_eq!(complete(&env, &["run", ""]), Vec::<String>::new());
}

#[test]
fn man_pages_and_completion_scripts_go_where_man_and_shells_look() {
    let env = TestEnv::new();
    let pages = env.root.join("pages");
    let out = env.run(["man", "--out-dir", pages.to_str().unwrap()]);
    assert!(out.stderr.contains("manual pages to"), "{out}");
    for page in ["git-exp.1", "git-exp-run.1", "git-exp-show.1", "git-exp-completions.1"] {
        let text = std::fs::read_to_string(pages.join(page)).unwrap();
        assert!(text.contains(".TH git-exp"), "{page}");
    }
    assert!(!pages.join("git-exp-__complete.1").exists() && !pages.join("git-exp-help.1").exists());

    let share = env.root.join("share");
    env.run(["completions", "--out-dir", share.to_str().unwrap()]).success();
    for script in [
        "bash-completion/completions/git-exp",
        "zsh/site-functions/_git-exp",
        "fish/vendor_completions.d/git-exp.fish",
        "fish/vendor_conf.d/git-exp.fish",
    ] {
        assert!(share.join(script).is_file(), "{script}");
    }
    assert_eq!(env.run(["completions"]).code, 2, "a shell or --out-dir is required");

    // --install: next to the binary's bin/, where man looks for commands on PATH (cargo install
    // puts git-exp in ~/.cargo/bin, so the pages land in ~/.cargo/share/man/man1).
    let prefix = env.root.join("cargo");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    let bin = prefix.join("bin/git-exp");
    std::fs::copy(assert_cmd::cargo::cargo_bin!("git-exp"), &bin).unwrap();
    let mut cmd = Command::new(&bin);
    env.hermetic(&mut cmd);
    let out = cmd.args(["man", "--install"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(prefix.join("share/man/man1/git-exp-run.1").is_file());

    // From target/debug (not a bin directory), --install refuses and says what to do instead.
    let out = env.run(["man", "--install"]);
    assert!(out.failure(1).contains("hint: write them to a directory on your MANPATH"), "{out}");

    if Command::new("man").arg("--version").output().is_err() {
        return missing_tool(
            "man_pages_and_completion_scripts_go_where_man_and_shells_look",
            "man is missing (apt-get install man-db)",
        );
    }
    let path = std::env::join_paths(
        std::iter::once(prefix.join("bin")).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let mut man = Command::new("man");
    env.hermetic(&mut man);
    let out = man.env("PATH", path).args(["-w", "git-exp"]).output().unwrap();
    assert_eq!(Path::new(String::from_utf8_lossy(&out.stdout).trim()), prefix.join("share/man/man1/git-exp.1"));
}

#[test]
fn zsh_and_fish_scripts_offer_runs() {
    let test = "zsh_and_fish_scripts_offer_runs";
    let env = TestEnv::with_commit();
    env.run(["run", "-q", "-n", "brave-otter", "-t", "packaged", "--", "true"]).success();
    let scripts = env.root.join("share");
    env.run(["completions", "--out-dir", scripts.to_str().unwrap()]).success();
    // The scripts call `git-exp` from PATH: the binary under test.
    let bin_dir = Path::new(assert_cmd::cargo::cargo_bin!("git-exp")).parent().unwrap().to_owned();
    let path =
        std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())))
            .unwrap();
    let shell = |program: &str, script: &str| {
        let mut cmd = Command::new(program);
        env.hermetic(&mut cmd);
        let out = cmd.env("PATH", &path).current_dir(&env.repo).args(["-c", script]).output().unwrap();
        assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };

    if Command::new("fish").arg("--version").output().is_err() {
        missing_tool(test, "fish is missing (apt-get install fish)");
    } else {
        // fish's own `complete -C` runs the completion as a TAB would: for `git-exp`, and for
        // `git exp` through fish's git completion, with the scripts found where the package puts
        // them (XDG_DATA_DIRS → share/fish/vendor_{completions,conf}.d).
        let data_dirs = format!("{}:/usr/share:/usr/local/share", scripts.display());
        let script = "complete -C 'git-exp show b'; complete -C 'git-exp sh'; \
                      complete -C 'git exp tag brave-otter '; complete -C 'git -C . exp show br'";
        let mut cmd = Command::new("fish");
        env.hermetic(&mut cmd);
        let out = cmd
            .env("PATH", &path)
            .env("XDG_DATA_DIRS", data_dirs)
            .current_dir(&env.repo)
            .args(["-c", script])
            .output()
            .unwrap();
        let out = String::from_utf8(out.stdout).unwrap();
        let offered = |word: &str| out.lines().filter(|l| l.split('\t').next() == Some(word)).count();
        assert_eq!(offered("brave-otter"), 2, "git-exp show b, git -C . exp show br:\n{out}");
        assert_eq!(offered("show"), 1, "{out}");
        assert_eq!(offered("packaged"), 1, "git exp tag brave-otter <TAB> offers its tags:\n{out}");
    }

    if Command::new("zsh").arg("--version").output().is_err() {
        missing_tool(test, "zsh is missing (apt-get install zsh)");
    } else {
        // The function as zsh's _git calls it for `git exp` (words[1] = exp), with _describe
        // replaced by a printer: this checks the words passed and the `value:help` pairs.
        let zsh = scripts.join("zsh/site-functions/_git-exp");
        let script = format!(
            "compdef() {{ }}; source {}\n_describe() {{ print -l -- \"${{(@P)${{@[-1]}}}}\"; }}\n\
             words=(exp show b); CURRENT=3; _git-exp\nwords=(exp ls --format=j); CURRENT=3; _git-exp",
            zsh.display()
        );
        let out = shell("zsh", &script);
        assert!(out.lines().any(|l| l.starts_with("brave-otter:")), "{out}");
        assert!(out.lines().any(|l| l.starts_with("--format=json:")), "{out}");
    }
}
