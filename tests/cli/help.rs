//! Help, completions and the man page come from the same CLI definition.

use crate::common::TestEnv;

#[test]
fn every_command_has_help_ending_in_examples() {
    let env = TestEnv::new();
    let top = env.run(["--help"]);
    let text = top.success();
    let commands: Vec<String> = text
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().trim_end_matches(',').to_owned())
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 15, "{text}");
    // Every help text is a snapshot, so a change to one shows in review (INSTA_UPDATE=always).
    insta::assert_snapshot!("help_git_exp", text);
    for command in commands {
        let help = env.run([command.as_str(), "--help"]);
        let help = help.success();
        assert!(help.contains("Examples:\n  git exp "), "`git exp {command} --help` lacks examples:\n{help}");
        insta::assert_snapshot!(format!("help_{command}"), help);
    }
    assert!(env.run(["-h"]).success().len() < text.len(), "-h is the short form");
    assert_eq!(env.run(["nope"]).code, 2);
    assert_eq!(env.run(Vec::<&str>::new()).code, 2, "no command prints help to stderr and exits 2");
}

#[test]
fn completions_and_man_page() {
    let env = TestEnv::new();
    // The scripts ask `git exp __complete` for candidates (tests/cli/completion.rs).
    for (shell, defines) in [("bash", "_git_exp()"), ("zsh", "#compdef git-exp"), ("fish", "complete -c git-exp")] {
        let out = env.run(["completions", shell]);
        assert!(out.success().contains(defines), "{shell}");
        assert!(out.stdout.contains("__complete --"), "{shell}");
    }
    let man = env.run(["man"]);
    assert!(man.success().starts_with(".ie \\n(.g .ds Aq \\(aq"), "{}", &man.stdout[..200.min(man.stdout.len())]);
    assert!(man.stdout.contains(".TH git-exp 1"), "{}", &man.stdout[..300]);
}
