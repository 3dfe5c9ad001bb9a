//! Hostile runs, built by hand with real git (`hash-object`, `mktree`, `commit-tree`,
//! `update-ref`): a run is untrusted input, and no path in it may write into `.git` or outside
//! the directory it is written to.

use std::path::Path;

use crate::common::TestEnv;

/// Replaces the tree of run `id` by its tree plus `extra` `mktree` lines (`<mode> <type> <oid>\t<name>`),
/// keeping its parents and message; returns the new commit.
fn make_hostile(env: &TestEnv, id: &str, extra: &[String], replace: &[(&str, String)]) -> String {
    let refname = format!("refs/git-exp/runs/{id}");
    let mut lines: Vec<String> = env
        .git(["ls-tree", &refname])
        .lines()
        .filter(|l| !replace.iter().any(|(name, _)| l.ends_with(&format!("\t{name}"))))
        .map(str::to_owned)
        .collect();
    lines.extend(replace.iter().map(|(_, line)| line.clone()));
    lines.extend(extra.iter().cloned());
    let tree = mktree(env, &lines);
    let parents = env.git(["log", "-1", "--format=%P", &refname]);
    let message = env.git(["log", "-1", "--format=%B", &refname]);
    let mut args = vec!["commit-tree".to_owned(), tree, "-m".to_owned(), message];
    for p in parents.split_whitespace() {
        args.extend(["-p".to_owned(), p.to_owned()]);
    }
    let commit = env.git(args).trim().to_owned();
    env.git(["update-ref", &refname, &commit]);
    commit
}

fn mktree(env: &TestEnv, lines: &[String]) -> String {
    let list = env.root.join("mktree.txt");
    std::fs::write(&list, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let mut cmd = std::process::Command::new("git");
    env.hermetic(&mut cmd);
    let out = cmd
        .current_dir(&env.repo)
        .arg("mktree")
        .stdin(std::fs::File::open(&list).unwrap())
        .output()
        .expect("git mktree runs");
    assert!(out.status.success(), "git mktree failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn blob(env: &TestEnv, content: &str) -> String {
    let file = env.root.join("blob.txt");
    std::fs::write(&file, content).unwrap();
    env.git(["hash-object", "-w", file.to_str().unwrap()]).trim().to_owned()
}

/// A tree `name/<file>` holding one executable file: `040000 tree <oid>\t<name>`.
fn dir_with_file(env: &TestEnv, name: &str, file: &str, content: &str) -> String {
    let b = blob(env, content);
    let (first, rest) = file.split_once('/').map_or((file, None), |(a, b)| (a, Some(b)));
    let inner = match rest {
        None => format!("100755 blob {b}\t{first}"),
        Some(rest) => dir_with_file(env, first, rest, content),
    };
    format!("040000 tree {}\t{name}", mktree(env, &[inner]))
}

/// Digests of what a hostile run must not change: `.git/config`, the hooks directory and the
/// listing of the directory holding the repository.
fn guarded(env: &TestEnv) -> String {
    let config = std::fs::read_to_string(env.repo.join(".git/config")).unwrap();
    let hooks = listing(&env.repo.join(".git/hooks"));
    let parent = listing(env.repo.parent().unwrap());
    format!("{config}\n--hooks\n{hooks}\n--parent\n{parent}")
}

fn listing(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names.join("\n")
}

#[test]
fn apply_refuses_a_run_that_writes_a_hook() {
    let env = TestEnv::with_commit();
    let id = env.snapshot(&["-n", "base"]);
    let hook = dir_with_file(&env, ".git", "hooks/post-checkout", "#!/bin/sh\ntouch pwned\n");
    make_hostile(&env, &id, &[hook], &[]);
    let before = guarded(&env);
    let user = env.user_state();

    let out = env.run(["apply", &id, "--force"]);
    let err = out.failure(1);
    assert!(
        err.contains(&format!(
            "cannot apply run {id}: unsafe path `.git/hooks/post-checkout` in a run: it names a `.git` directory"
        )),
        "{out}"
    );
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1, "{out}");
    assert!(!env.repo.join(".git/hooks/post-checkout").exists());
    assert_eq!(guarded(&env), before);
    assert_eq!(env.user_state(), user, "nothing of the run was written");
}

#[test]
fn apply_refuses_other_spellings_of_git_and_dot_dot() {
    for name in [".GIT", ".git.", "git~1", ".."] {
        let env = TestEnv::with_commit();
        let id = env.snapshot(&["-n", "base"]);
        let entry = dir_with_file(&env, name, "pwned", "x\n");
        make_hostile(&env, &id, &[entry], &[]);
        let before = guarded(&env);
        let out = env.run(["apply", &id, "--force"]);
        let err = out.failure(1);
        assert!(err.contains(&format!("cannot apply run {id}: unsafe path `{name}/pwned`")), "{name}: {out}");
        assert_eq!(guarded(&env), before, "{name}");
        assert!(!env.repo.parent().unwrap().join("pwned").exists(), "{name}");
    }
}

#[cfg(unix)]
#[test]
fn apply_does_not_write_through_a_link_in_the_working_tree() {
    let env = TestEnv::with_commit();
    let id = env.snapshot(&["-n", "base"]);
    let entry = dir_with_file(&env, "out", "evil.txt", "x\n");
    make_hostile(&env, &id, &[entry], &[]);
    let outside = env.root.join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, env.repo.join("out")).unwrap();

    let out = env.run(["apply", &id, "--force"]);
    let err = out.failure(1);
    assert!(
        err.contains(&format!("cannot apply run {id}: `{}` is a symbolic link", env.repo.join("out").display())),
        "{out}"
    );
    assert_eq!(listing(&outside), "", "nothing written through the link");
}

#[test]
fn artifacts_output_refuses_a_manifest_path_into_git() {
    let env = TestEnv::with_commit();
    let id = env.snapshot(&["-n", "base"]);
    let sha = "25c550936f21c4296a23d833cf4fd2cf31e8d0311e603a884d15a2d375653580";
    let manifest = blob(&env, &format!("[[artifact]]\npath = \".git/config\"\nsha256 = \"{sha}\"\nsize = 5\n"));
    let refname = format!("refs/git-exp/runs/{id}");
    let record: Vec<String> = env.git(["ls-tree", &format!("{refname}:.git-exp")]).lines().map(str::to_owned).collect();
    let mut record: Vec<String> = record.into_iter().filter(|l| !l.ends_with("\tartifacts.toml")).collect();
    record.push(format!("100644 blob {manifest}\tartifacts.toml"));
    let record_tree = mktree(&env, &record);
    make_hostile(&env, &id, &[], &[(".git-exp", format!("040000 tree {record_tree}\t.git-exp"))]);
    let before = guarded(&env);

    let out = env.run(["artifacts", &id, "-o", "."]);
    let err = out.failure(1);
    assert!(
        err.contains(&format!(
            "cannot extract the artifacts of run {id}: unsafe path `.git/config` in a run: it names a `.git` directory"
        )),
        "{out}"
    );
    assert_eq!(guarded(&env), before);
}

#[test]
fn fetch_refuses_a_hostile_run_whole() {
    let env = TestEnv::with_commit();
    let remote = env.root.join("remote.git");
    env.git(["init", "-q", "--bare", remote.to_str().unwrap()]);
    let url = format!("file://{}", remote.display());
    env.git(["remote", "add", "origin", &url]);
    env.git(["push", "-q", "origin", "main"]);
    let id = env.snapshot(&["-n", "base"]);
    let hook = dir_with_file(&env, ".git", "hooks/post-checkout", "#!/bin/sh\ntouch pwned\n");
    make_hostile(&env, &id, &[hook], &[]);
    env.git(["push", "-q", "origin", &format!("refs/git-exp/runs/{id}")]);

    let clone = env.root.join("clone");
    env.git_in(&env.root, ["clone", "-q", &url, clone.to_str().unwrap()]);
    let out = env.run_in(&clone, &[], ["fetch"]);
    let err = out.failure(1);
    assert!(
        err.contains(&format!(
            "run {id}: unsafe path `.git/hooks/post-checkout` in a run: it names a `.git` directory"
        )),
        "{out}"
    );
    let refs = env.git_in(&clone, ["for-each-ref", "--format=%(refname)", "refs/git-exp/"]);
    assert_eq!(refs, "", "nothing of the run is kept");
    assert!(!clone.join(".git/hooks/post-checkout").exists());
}

#[test]
fn import_refuses_a_bundle_holding_a_hostile_run() {
    let env = TestEnv::with_commit();
    let id = env.snapshot(&["-n", "base"]);
    let hook = dir_with_file(&env, "sub", ".Git/hooks/post-merge", "#!/bin/sh\n");
    make_hostile(&env, &id, &[hook], &[]);
    let bundle = env.root.join("runs.tar.zst");
    env.run(["export", bundle.to_str().unwrap(), &id]).success();

    let other = env.root.join("other");
    env.git_in(&env.root, ["clone", "-q", env.repo.to_str().unwrap(), other.to_str().unwrap()]);
    let out = env.run_in(&other, &[], ["import", bundle.to_str().unwrap()]);
    let err = out.failure(1);
    assert!(err.contains(&format!("run {id}: unsafe path `sub/.Git/hooks/post-merge`")), "{out}");
    let refs = env.git_in(&other, ["for-each-ref", "--format=%(refname)", "refs/git-exp/"]);
    assert_eq!(refs, "", "nothing of the run is kept");
}

#[test]
fn rerun_does_not_check_out_a_hostile_run() {
    let env = TestEnv::with_commit();
    env.run(["run", "-n", "base", "--", "true"]).success();
    let id = env.run_ids()[0].clone();
    let escape = dir_with_file(&env, "git~1", "hooks/pre-commit", "x\n");
    make_hostile(&env, &id, &[escape], &[]);
    let before = guarded(&env);
    let out = env.run(["rerun", &id]);
    let err = out.failure(1);
    // rerun writes a tree from the run's first (with its params), and gix refuses the name there,
    // before the checkout's own check; either way the error names the entry.
    let line = err.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(line.contains("`git~1") || line.contains("\"git~1\""), "{out}");
    assert_eq!(guarded(&env), before);
    assert!(!std::env::temp_dir().join(format!("git-exp-{id}")).exists(), "no checkout was made");
}

#[test]
fn deeply_nested_where_is_a_usage_error() {
    let env = TestEnv::with_commit();
    env.snapshot(&["-n", "base"]);
    let deep = format!("{}status = completed{}", "(".repeat(5_000), ")".repeat(5_000));
    let out = env.run(["ls", "--where", &deep]);
    assert!(out.failure(2).contains("invalid --where: the expression nests deeper than 64 levels"), "{out}");
}

/// A name, tag, note and param holding terminal escapes (retitle the terminal, clear the screen)
/// are shown as `\e…` in text output, never sent; JSON keeps the raw strings for programs.
#[test]
fn text_output_shows_terminal_escapes_instead_of_sending_them() {
    const TITLE: &str = "\x1b]0;pwned\x07";
    let env = TestEnv::with_commit();
    let name = format!("evil{TITLE}");
    let a = env.snapshot(&["-n", &name, "-t", TITLE, "-m", TITLE, "-p", "msg=\x1b[2J", "--metric", "acc=0.9"]);
    let b = env.snapshot(&["-n", "plain", "-p", "msg=ok", "--metric", "acc=0.8"]);

    for args in [
        vec!["ls"],
        vec!["ls", "-c", "id,name,tags,note,params.msg"],
        vec!["show", &a],
        vec!["compare", &a, &b],
        vec!["diff", &a, &b],
    ] {
        let out = env.run(&args);
        let text = out.success();
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{args:?} sent a control character:\n{out}");
        assert!(!out.stderr.contains('\x1b'), "{args:?}:\n{out}");
        assert!(text.contains("\\e]0;pwned\\a"), "{args:?} does not show the escape:\n{out}");
    }
    let shown = env.run(["show", &a]);
    assert!(shown.success().contains("\\e[2J"), "{shown}");
    let md = env.run(["ls", "--format", "md"]);
    assert!(!md.success().contains('\x1b'), "{md}");

    let json = env.run(["ls", "--format", "json"]).json();
    let run = json.as_array().expect("ls prints an array").iter().find(|r| r["id"] == a.as_str()).expect("run listed");
    assert_eq!(run["name"], name.as_str(), "json keeps the raw name");

    let tagged = env.run(["tag", &a, "more"]);
    tagged.success();
    assert!(!tagged.stderr.contains('\x1b') && tagged.stderr.contains("\\e]0;pwned\\a"), "{tagged}");
    // Warnings quote run names too: `diff` of a run with itself warns naming it.
    let same = env.run(["diff", &a, &a]);
    assert!(same.stderr.starts_with("warning: both sides are run"), "{same}");
    assert!(!same.stderr.contains('\x1b') && same.stderr.contains("\\e]0;pwned\\a"), "{same}");
}

/// A URL's password never reaches a ref name, a status line or an error: a URL stages under a
/// hash of the URL without its userinfo, a named remote under its name, and messages show URLs
/// as git does (`https://host/x`).
#[test]
fn fetch_keeps_credentials_out_of_refs_and_messages() {
    let env = TestEnv::with_commit();
    let remote = env.root.join("remote.git");
    env.git(["init", "-q", "--bare", remote.to_str().unwrap()]);
    let id = env.snapshot(&["-n", "base"]);
    env.git(["push", "-q", remote.to_str().unwrap(), &format!("refs/git-exp/runs/{id}")]);

    let clone = env.root.join("clone");
    env.git_in(&env.root, ["init", "-q", clone.to_str().unwrap()]);
    // git takes (and ignores) userinfo in a file:// URL, so a local remote stands in for https.
    let secret_url = format!("file://user:hunter2@localhost{}", remote.display());
    let out = env.run_in(&clone, &[], ["fetch", &secret_url]);
    out.success();
    assert!(!out.stderr.contains("hunter2"), "{out}");
    assert!(out.stderr.contains(&format!("Fetched from file://localhost{}: 1 new", remote.display())), "{out}");
    let refs = env.git_in(&clone, ["for-each-ref", "--format=%(refname)", "refs/git-exp/"]);
    assert!(!refs.contains("hunter2") && !refs.contains("user"), "{refs}");
    let staged: Vec<&str> = refs.lines().filter(|r| r.starts_with("refs/git-exp/remotes/")).collect();
    assert_eq!(staged.len(), 1, "{refs}");
    assert!(
        staged[0].starts_with("refs/git-exp/remotes/url-") && staged[0].ends_with(&format!("/runs/{id}")),
        "{refs}"
    );
    // Whoever's credentials are in the URL, the same repository stages to the same place.
    let other_user = format!("file://someone:else@localhost{}", remote.display());
    env.run_in(&clone, &[], ["fetch", &other_user]).success();
    let again = env.git_in(&clone, ["for-each-ref", "--format=%(refname)", "refs/git-exp/remotes/"]);
    assert_eq!(again.trim(), staged[0]);

    // A named remote whose URL holds a password stages under the name.
    env.git_in(&clone, ["remote", "add", "team", &secret_url]);
    let out = env.run_in(&clone, &[], ["fetch", "team"]);
    out.success();
    assert!(!out.stderr.contains("hunter2"), "{out}");
    let refs = env.git_in(&clone, ["for-each-ref", "--format=%(refname)", "refs/git-exp/remotes/team/"]);
    assert_eq!(refs.trim(), format!("refs/git-exp/remotes/team/runs/{id}"));

    // An unreachable https remote: the error names it without the password or the token.
    for args in [
        vec!["fetch", "http://user:hunter2@127.0.0.1:1/x.git?token=t0ps3cret"],
        vec!["push", "http://user:hunter2@127.0.0.1:1/x.git?token=t0ps3cret", &id],
        vec!["pull", "http://user:hunter2@127.0.0.1:1/x.git?token=t0ps3cret"],
    ] {
        let out = env.run_in(&clone, &[], &args);
        let err = out.failure(1);
        assert!(!err.contains("hunter2") && !err.contains("t0ps3cret"), "{args:?}: {out}");
        assert!(err.contains("http://127.0.0.1:1/x.git?token=<redacted>"), "{args:?}: {out}");
    }
    let refs = env.git_in(&clone, ["for-each-ref", "--format=%(refname)"]);
    assert!(!refs.contains("hunter2") && !refs.contains("t0ps3cret"), "{refs}");
    let config = std::fs::read_to_string(clone.join(".git/config")).unwrap();
    assert!(!config.contains("hunter2") || config.contains("url = file://user:hunter2"), "only the user's own remote");

    // `--configure` writes into remote.<name>.fetch, which a URL does not have.
    let out = env.run_in(&clone, &[], ["fetch", "--configure", &secret_url]);
    let err = out.failure(2);
    assert!(err.contains("--configure needs a configured remote") && !err.contains("hunter2"), "{out}");
    assert!(!std::fs::read_to_string(clone.join(".git/config")).unwrap().contains("remote \"file"), "{out}");
}

/// A stand-in `python3`: asked where its packages are (`-c`), it names a site-packages with
/// numpy; run as the command, it says whether it received the real secrets.
fn fake_python(env: &TestEnv) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = env.root.join("bin");
    let site = env.root.join("site-packages");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(site.join("numpy-2.0.0.dist-info")).unwrap();
    std::fs::write(site.join("numpy-2.0.0.dist-info/METADATA"), "Name: numpy\nVersion: 2.0.0\n").unwrap();
    let python = bin.join("python3");
    let probe = format!(
        r#"{{"version": "3.11.0", "executable": "{}", "prefix": "{}", "site": ["{}"]}}"#,
        python.display(),
        env.root.display(),
        site.display()
    );
    std::fs::write(
        &python,
        format!("#!/bin/sh\nif [ \"$1\" = -c ]; then\necho '{probe}'\nexit 0\nfi\n")
            + "\
         [ \"$2\" = hunter2 ] && [ \"$3\" = --token=hunter3 ] && [ \"$5\" = hunter4 ] \\\n\
         && [ \"$6\" = https://u:hunter5@example.com/data ] && echo received-the-real-secrets\n",
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    python
}

/// Secrets on the command line reach the command but not the record: not the commit message,
/// run.toml, the listing cache, `ls`, `show`, a report or `pip freeze`.
#[test]
fn command_line_secrets_are_recorded_redacted() {
    let env = TestEnv::with_commit();
    let python = fake_python(&env);
    let python = python.to_str().unwrap();
    let out = env.run([
        "run",
        "-n",
        "secretive",
        "--",
        python,
        "--password",
        "hunter2",
        "--token=hunter3",
        "--api-key",
        "hunter4",
        "https://u:hunter5@example.com/data",
        "--keyframes",
        "8",
    ]);
    out.success();
    assert!(format!("{}{}", out.stdout, out.stderr).contains("received-the-real-secrets"), "{out}");
    let id = env.run_ids()[0].clone();
    let refname = format!("refs/git-exp/runs/{id}");

    let record = env.git(["show", &format!("{refname}:.git-exp/run.toml")]);
    assert!(
        record.contains(r#""--password", "<redacted>", "--token=<redacted>", "--api-key", "<redacted>", "https://example.com/data", "--keyframes", "8""#),
        "{record}"
    );
    let freeze = env.git(["show", &format!("{refname}:.git-exp/env/pip-freeze.txt")]);
    assert_eq!(freeze, "numpy==2.0.0\n", "package metadata only: no index URLs or URL references");
    env.run(["report", "-o", "../site"]).success();
    let mut places = vec![
        ("commit messages", env.git(["log", "--format=%B", &refname])),
        ("run.toml", record),
        ("ls --format json", env.run(["ls", "--format", "json"]).success().to_owned()),
        ("ls -c command", env.run(["ls", "-c", "id,command"]).success().to_owned()),
        ("show", env.run(["show", &id]).success().to_owned()),
        ("show --format json", env.run(["show", &id, "--format", "json"]).success().to_owned()),
    ];
    for dir in [env.repo.join(".git/git-exp"), env.root.join("site")] {
        for file in walk(&dir) {
            places.push((
                file.display().to_string().leak(),
                String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned(),
            ));
        }
    }
    assert!(places.iter().any(|(_, text)| text.contains("--password '<redacted>'")), "the command is shown, redacted");
    for (place, text) in &places {
        for secret in ["hunter2", "hunter3", "hunter4", "hunter5"] {
            assert!(!text.contains(secret), "{place} holds {secret}:\n{text}");
        }
    }

    // `[redact]` adds option names, or turns redaction off.
    env.write("exp.toml", "[redact]\npatterns = [\"^hf$\"]\n");
    env.run(["run", "-n", "hf", "--", "true", "--hf", "hunter6", "--hfx", "plain"]).success();
    let record = env.git(["show", &format!("refs/git-exp/runs/{}:.git-exp/run.toml", env.run_ids()[0])]);
    assert!(record.contains(r#""--hf", "<redacted>", "--hfx", "plain""#), "{record}");
    env.write("exp.toml", "[redact]\nenabled = false\n");
    env.run(["run", "-n", "typed", "--", "true", "--password", "as-typed"]).success();
    let record = env.git(["show", &format!("refs/git-exp/runs/{}:.git-exp/run.toml", env.run_ids()[0])]);
    assert!(record.contains(r#""--password", "as-typed""#), "{record}");
    env.write("exp.toml", "[redact]\npatterns = [\"(\"]\n");
    let out = env.run(["run", "--", "true"]);
    assert!(out.failure(1).contains("exp.toml: redact.patterns: `(` is not a regex"), "{out}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

/// Status lines name remotes, paths and runs from others: a remote path and a run name holding
/// ESC, BEL and a right-to-left override (U+202E) are shown as `\e`, `\a`, `\u{202e}` by push,
/// fetch, export and `ls`, and the markdown comment carries none of them either.
#[test]
fn status_lines_show_escapes_and_bidi_controls() {
    const EVIL: &str = "\x1b]0;pwned\x07\u{202e}";
    const SHOWN: &str = "\\e]0;pwned\\a\\u{202e}";
    let raw = |text: &str| text.contains('\x1b') || text.contains('\x07') || text.contains('\u{202e}');
    let env = TestEnv::with_commit();
    let remote = env.root.join(format!("remote{EVIL}.git"));
    let remote = remote.to_str().unwrap();
    env.git(["init", "-q", "--bare", remote]);
    let a = env.snapshot(&["-n", &format!("evil{EVIL}"), "-p", "lr=0.1"]);
    let b = env.snapshot(&["-n", "plain", "-p", "lr=0.2"]);

    let pushed = env.run(["push", remote, &a]);
    pushed.success();
    assert!(
        !raw(&pushed.stderr)
            && pushed
                .stderr
                .contains(&format!("Pushed 1 run to {}", env.root.join(format!("remote{SHOWN}.git")).display())),
        "{pushed}"
    );

    let clone = env.root.join("clone");
    env.git_in(&env.root, ["init", "-q", clone.to_str().unwrap()]);
    let fetched = env.run_in(&clone, &[], ["fetch", remote]);
    fetched.success();
    assert!(!raw(&fetched.stderr) && fetched.stderr.contains(&format!("remote{SHOWN}.git: 1 new")), "{fetched}");
    let listed = env.run_in(&clone, &[], ["ls"]);
    assert!(!raw(listed.success()) && listed.stdout.contains(&format!("evil{SHOWN}")), "{listed}");

    let bundle = env.root.join(format!("runs{EVIL}.tar.zst"));
    let exported = env.run(["export", bundle.to_str().unwrap(), &a]);
    exported.success();
    assert!(!raw(&exported.stderr) && exported.stderr.contains(&format!("runs{SHOWN}.tar.zst")), "{exported}");
    let imported = env.run_in(&clone, &[], ["import", bundle.to_str().unwrap()]);
    imported.success();
    assert!(!raw(&imported.stderr), "{imported}");

    let md = env.run(["diff", &a, &b, "--format", "md"]);
    assert!(!raw(md.success()) && md.stdout.contains("u{202e}"), "{md}");
}

/// Streams a tar.zst to `path`: each entry is a header declaring `size` bytes, then `fill`
/// (a byte repeated `len` times, written in chunks so the test stays cheap) or given bytes.
/// The archive may stop short of what a header declares, as a bomb need not be finished.
enum Body<'a> {
    Bytes(&'a [u8]),
    Zeros(u64),
}

fn streamed_bundle(path: &Path, entries: &[(&str, u64, Body<'_>)]) {
    use std::io::Write as _;
    let file = std::fs::File::create(path).unwrap();
    let mut zst = zstd::Encoder::new(file, 1).unwrap();
    for (name, size, body) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_path(name).unwrap();
        header.set_size(*size);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        zst.write_all(header.as_bytes()).unwrap();
        let written = match body {
            Body::Bytes(b) => {
                zst.write_all(b).unwrap();
                b.len() as u64
            }
            Body::Zeros(len) => {
                let chunk = vec![0u8; 1 << 20];
                let mut left = *len;
                while left > 0 {
                    let n = left.min(chunk.len() as u64);
                    zst.write_all(&chunk[..n as usize]).unwrap();
                    left -= n;
                }
                *len
            }
        };
        if written == *size {
            zst.write_all(&vec![0u8; (512 - (written % 512) as usize) % 512]).unwrap();
        }
    }
    zst.write_all(&[0u8; 1024]).unwrap();
    zst.finish().unwrap();
}

/// zstd of `len` zero bytes: a blob in its stored form that expands far beyond its size.
fn zstd_zeros(len: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = zstd::Encoder::new(Vec::new(), 1).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        enc.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    enc.finish().unwrap()
}

/// Imports `bundle` with `vars`, expects exit 1 and an error containing `expected`, and checks
/// that nothing was written: no ref, no blob, no staging left, the worktree and `.git/config`
/// as they were.
fn refused_import(env: &TestEnv, bundle: &Path, vars: &[(&str, &str)], expected: &str) {
    let before = (guarded(env), env.git(["status", "--porcelain", "--ignored"]));
    let out = env.run_in(&env.repo, vars, ["import", bundle.to_str().unwrap()]);
    let err = out.failure(1);
    let line = err.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(line.contains(expected) && line.contains("nothing was imported"), "{out}");
    assert_eq!(err.lines().count(), 1, "one line: {out}");
    assert_eq!(env.git(["for-each-ref", "refs/git-exp/"]), "", "no refs written");
    assert!(!env.repo.join(".git/git-exp/blobs/sha256").exists(), "no blobs written");
    let tmp = env.repo.join(".git/git-exp/tmp");
    assert_eq!(std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0), 0, "staging removed");
    assert_eq!((guarded(env), env.git(["status", "--porcelain", "--ignored"])), before);
}

const SHA: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

fn blob_entry() -> String {
    format!("blobs/sha256/{}/{}", &SHA[..2], &SHA[2..])
}

fn manifest_with_blob(size: u64) -> String {
    format!(r#"{{"schema": 1, "runs": [], "blobs": [{{"sha256": "{SHA}", "size": {size}}}]}}"#)
}

/// A small bundle declaring a 60 GiB `runs.bundle` of zeros stops at the ratio, after a few
/// megabytes, instead of filling the disk.
#[test]
fn import_stops_a_bundle_that_expands_like_a_bomb() {
    let env = TestEnv::with_commit();
    let bundle = env.root.join("bomb.tar.zst");
    streamed_bundle(&bundle, &[("runs.bundle", 60 << 30, Body::Zeros(96 << 20))]);
    assert!(std::fs::metadata(&bundle).unwrap().len() < 64 << 10, "the bomb is small");
    refused_import(
        &env,
        &bundle,
        &[],
        "bundle entry `runs.bundle` expands to over 1000 times its compressed size, like a decompression bomb",
    );
}

/// A blob entry of a few kilobytes whose zstd content expands to 96 MiB is stopped at its
/// declared size, or at the ratio when the manifest declares it huge too.
#[test]
fn import_stops_a_blob_that_expands_past_its_size_or_ratio() {
    let env = TestEnv::with_commit();
    let stored = zstd_zeros(96 << 20);
    assert!(stored.len() < 16 << 10, "{}", stored.len());
    for (declared, expected) in [
        (5u64, "expands past its declared size of 5 bytes".to_owned()),
        (8 << 30, "expands to over 1000 times its compressed size".to_owned()),
    ] {
        let manifest = manifest_with_blob(declared);
        let bundle = env.root.join(format!("blob-{declared}.tar.zst"));
        let entry = blob_entry();
        streamed_bundle(
            &bundle,
            &[
                ("manifest.json", manifest.len() as u64, Body::Bytes(manifest.as_bytes())),
                (&entry, stored.len() as u64, Body::Bytes(&stored)),
            ],
        );
        refused_import(&env, &bundle, &[], &format!("bundle entry `{entry}` {expected}"));
    }
}

/// The total budget (lowered here with GIT_EXP_IMPORT_MAX_SIZE) caps declared entry sizes, the
/// blob sizes a manifest declares and the bytes actually decompressed.
#[test]
fn import_keeps_within_the_total_budget() {
    let env = TestEnv::with_commit();
    let vars = [("GIT_EXP_IMPORT_MAX_SIZE", "1MiB")];
    let bundle = env.root.join("declared.tar.zst");
    streamed_bundle(&bundle, &[("runs.bundle", 2 << 20, Body::Zeros(2 << 20))]);
    refused_import(
        &env,
        &bundle,
        &vars,
        "bundle entry `runs.bundle` declares 2097152 bytes, over the limit of 1048576",
    );

    let manifest = manifest_with_blob(2 << 20);
    let bundle = env.root.join("manifest.tar.zst");
    streamed_bundle(&bundle, &[("manifest.json", manifest.len() as u64, Body::Bytes(manifest.as_bytes()))]);
    refused_import(
        &env,
        &bundle,
        &vars,
        "the bundle's manifest declares 2097152 bytes of blobs, over the import limit",
    );

    // Each entry within the budget, together over it: the stream itself is counted.
    let padded = format!(r#"{{"schema": 1, "runs": [], "blobs": []}}{}"#, " ".repeat(200 << 10));
    let bundle = env.root.join("stream.tar.zst");
    streamed_bundle(
        &bundle,
        &[
            ("runs.bundle", 900 << 10, Body::Zeros(900 << 10)),
            ("manifest.json", padded.len() as u64, Body::Bytes(padded.as_bytes())),
        ],
    );
    refused_import(
        &env,
        &bundle,
        &[("GIT_EXP_IMPORT_MAX_SIZE", "1MiB"), ("GIT_EXP_IMPORT_MAX_RATIO", "0")],
        "bundle entry `manifest.json` expands past the import limit of 1048576 bytes",
    );

    // A blob before the manifest cannot be checked against its declared size.
    let bundle = env.root.join("order.tar.zst");
    let entry = blob_entry();
    streamed_bundle(&bundle, &[(&entry, 4, Body::Bytes(b"evil"))]);
    refused_import(&env, &bundle, &[], "comes before manifest.json, which must come first");
}

/// A param value substituted into the script of `sh -c` is quoted for the shell: it arrives as
/// one word, intact, whatever quotes surround the placeholder, and never runs as a command.
#[test]
fn shell_entry_points_quote_param_values() {
    let env = TestEnv::with_commit();
    env.write(
        "exp.toml",
        r#"
[entry.words]
command = ["sh", "-c", "printf '%s|' {x} \"{x}\" '{x}'"]
params = { x = { type = "str" } }

[entry.line]
command = "sh -c 'printf \"<%s>\" {x}' sh"
params = { x = { type = "str" } }
"#,
    );
    env.git(["add", "exp.toml"]);
    env.git(["commit", "-q", "-m", "entries"]);
    for value in ["'; touch pwned #", "$(touch pwned)", "`touch pwned`", "a b \"c\" 'd' $HOME \\n", "plain"] {
        let out = env.run(["run", "words", "-p", &format!("x={value}")]);
        assert_eq!(out.success(), format!("{value}|{value}|{value}|"), "{value}: {out}");
        let out = env.run(["run", "line", "-p", &format!("x={value}")]);
        assert_eq!(out.success(), format!("<{value}>"), "{value}: {out}");
        assert!(!env.repo.join("pwned").exists(), "{value} ran a command");
    }
}
