//! The pip package: one maturin wheel built from the checkout, installed into a fresh virtual
//! environment, used as a person would: `git exp` through git, `import git_exp`, `man` and
//! `git exp --help` finding the pages, a recorded run, and bash completing `git exp <TAB>` through
//! git's own completion script.
//!
//! The wheel is built with the `wheel-test` profile (Cargo.toml): an unoptimised build like
//! `dev`, in its own target/wheel-test/, because maturin re-links the binary it packs and
//! target/debug/git-exp is being run by the other tests meanwhile. After the first build only
//! git-exp itself is recompiled (and not a release build's minutes).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{TestEnv, missing_tool};

const GIT_COMPLETION: &str = "/usr/share/bash-completion/completions/git";
const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn has(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok_and(|o| o.status.success())
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed\n{stderr}\n{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stdout).unwrap()
}

/// Builds the wheel the way docs/INSTALL.md says: pages and completions from the binary into
/// target/wheel-data, then maturin. Returns the wheel's path.
fn build_wheel(out: &Path) -> PathBuf {
    let bin = assert_cmd::cargo::cargo_bin!("git-exp");
    let data = manifest_dir().join("target/wheel-data");
    let _ = std::fs::remove_dir_all(&data);
    let share = data.join("data/share");
    run(Command::new(bin).arg("man").arg("--out-dir").arg(share.join("man/man1")));
    run(Command::new(bin).arg("completions").arg("--out-dir").arg(&share));
    run(Command::new("maturin")
        .args(["build", "--profile", "wheel-test", "--locked", "--quiet", "--out"])
        .arg(out)
        .current_dir(manifest_dir()));
    let wheels: Vec<PathBuf> = std::fs::read_dir(out).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    wheels.into_iter().next().unwrap()
}

#[test]
fn wheel_installs_binary_helper_pages_and_completions() {
    let test = "wheel_installs_binary_helper_pages_and_completions";
    for (tool, arg, why) in [
        ("maturin", "--version", "maturin builds the wheel (pip install maturin)"),
        ("man", "--version", "man finds the pages (apt-get install man-db)"),
        ("bash", "--version", "bash drives the completion"),
    ] {
        if !has(tool, arg) {
            return missing_tool(test, why);
        }
    }
    if !Path::new(GIT_COMPLETION).exists() {
        return missing_tool(test, "git's bash completion is missing (apt-get install bash-completion git)");
    }
    let env = TestEnv::with_commit();
    let wheel = build_wheel(&env.root.join("dist"));

    // One version: the wheel's file name, the crate's, the binary's and the installed metadata.
    let version = env!("CARGO_PKG_VERSION");
    let file = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(file.starts_with(&format!("git_exp-{version}-")), "{file}");

    let venv = env.root.join("venv");
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    let bin = venv.join("bin");
    run(Command::new(bin.join("python"))
        .args(["-m", "pip", "install", "--quiet", "--no-index", "--no-deps"])
        .arg(&wheel));

    // The environment of a shell with the venv activated: its bin first, MANPATH unset.
    let path = std::env::join_paths(
        std::iter::once(bin.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let shell = |program: &str| {
        let mut cmd = Command::new(program);
        env.hermetic(&mut cmd);
        cmd.env("PATH", &path).env("MANPAGER", "cat").env("PAGER", "cat").env("MANWIDTH", "80");
        cmd.current_dir(&env.repo);
        cmd
    };

    assert_eq!(run(shell("git").args(["exp", "--version"])), format!("git-exp {version}\n"));
    let meta = run(shell("python").args(["-c", "import importlib.metadata as m; print(m.version('git-exp'))"]));
    assert_eq!(meta.trim(), version);

    // The helper, alone: importable, and a no-op logger when asked not to record (init() would
    // start a run of this repository through the installed binary; tests/cli/python.rs covers that).
    let helper = run(shell("python")
        .args(["-c", "import git_exp; r = git_exp.init(record=False); r.log({'a': 1}); print(git_exp.__file__)"]));
    assert!(Path::new(helper.trim()).starts_with(&venv), "{helper}");

    // man finds the pages through PATH (venv/bin → venv/share/man), as does `git exp --help`.
    let page = run(shell("man").args(["-w", "git-exp"]));
    assert_eq!(Path::new(page.trim()), venv.join("share/man/man1/git-exp.1"));
    let page = run(shell("man").args(["-w", "git-exp-run"]));
    assert_eq!(Path::new(page.trim()), venv.join("share/man/man1/git-exp-run.1"));
    let help = run(shell("git").args(["exp", "--help"]));
    assert!(help.contains("git-exp") && help.contains("SUBCOMMANDS"), "{help}");

    // A run recorded by the installed binary, seen by plain git.
    let out = run(shell("git").args([
        "exp",
        "run",
        "-q",
        "-n",
        "wheel-run",
        "-t",
        "packaged",
        "--",
        "python",
        "-c",
        "print(1)",
    ]));
    assert_eq!(out, "1\n");
    let refs = run(shell("git").args(["for-each-ref", "--format=%(refname)", "refs/git-exp/runs/"]));
    assert_eq!(refs.lines().count(), 1, "{refs}");

    // Bash: git's completion calls _git_exp, which bash-completion's loader finds in the
    // package's completions/git-exp. bash-completion 2.11 (Debian 12) looks in the user's
    // directory and XDG_DATA_DIRS, not next to PATH (2.12 does): point the user directory there.
    let completions = venv.join("share/bash-completion");
    let complete = |line: &str| {
        let loader = if Path::new(BASH_COMPLETION).exists() {
            format!("BASH_COMPLETION_USER_DIR={}; source {BASH_COMPLETION}", completions.display())
        } else {
            // Without bash-completion, git's script still calls _git_exp; load it by hand.
            format!("source {}", completions.join("completions/git-exp").display())
        };
        let script = format!(
            "{loader}\nsource {GIT_COMPLETION}\n\
             COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}\n\
             read -ra COMP_WORDS <<< \"$COMP_LINE\"\n\
             [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n\
             COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
             __git_wrap__git_main\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
        );
        run(shell("bash").args(["--norc", "--noprofile", "-c", &script]))
    };
    let commands = complete("git exp ");
    for word in ["run ", "show ", "ls ", "completions "] {
        assert!(commands.lines().any(|l| l == word), "{word:?} missing from\n{commands}");
    }
    let runs = complete("git exp show ");
    for word in ["wheel-run ", "@ "] {
        assert!(runs.lines().any(|l| l == word), "{word:?} missing from\n{runs}");
    }
    assert_eq!(complete("git exp show wheel-"), "wheel-run \n");
    assert_eq!(complete("git exp tag wheel-run pack"), "packaged \n");
    assert_eq!(complete("git exp ls --format=j"), "json \n");

    tool_installs(&env, &wheel);
    release_archive_is_where_binstall_looks(&env, &wheel);

    // Building and installing wrote nothing into the checkout (maturin builds in target/).
    for left in ["build", "dist", "python/build", "python/git_exp.egg-info", "git_exp.egg-info"] {
        assert!(!manifest_dir().join(left).exists(), "{left} was written into the checkout");
    }
}

/// `uv tool install` and `pipx install` of the same wheel, each into its own directories: the
/// binary on the tool's bin directory runs, the helper imports in the tool's environment, and the
/// pages are found by `man` (pipx links them into its man directory; after uv, `git exp man
/// --install` puts them next to uv's bin directory, docs/INSTALL.md).
fn tool_installs(env: &TestEnv, wheel: &Path) {
    let test = "wheel_installs_binary_helper_pages_and_completions";
    let base_path = std::env::var_os("PATH").unwrap();
    let with_bin = |bin: &Path| {
        std::env::join_paths(std::iter::once(bin.to_owned()).chain(std::env::split_paths(&base_path))).unwrap()
    };
    let shell = |program: &str, bin: &Path| {
        let mut cmd = Command::new(program);
        env.hermetic(&mut cmd);
        cmd.env("PATH", with_bin(bin)).env("MANPAGER", "cat").current_dir(&env.repo);
        cmd
    };
    let version_line = format!("git-exp {}\n", env!("CARGO_PKG_VERSION"));

    if has("uv", "--version") {
        let uv = env.root.join("uv");
        let bin = uv.join("bin");
        run(shell("uv", &bin)
            .env("UV_TOOL_DIR", uv.join("tools"))
            .env("UV_TOOL_BIN_DIR", &bin)
            .env("UV_CACHE_DIR", uv.join("cache"))
            .args(["tool", "install", "--offline"])
            .arg(wheel));
        assert_eq!(run(shell("git", &bin).args(["exp", "--version"])), version_line);
        let helper = uv.join("tools/git-exp/bin/python");
        run(Command::new(helper).current_dir(&env.repo).args(["-c", "import git_exp; git_exp.init(record=False)"]));
        run(shell("git", &bin).args(["exp", "man", "--install"]));
        let page = run(shell("man", &bin).args(["-w", "git-exp-run"]));
        assert_eq!(Path::new(page.trim()), uv.join("share/man/man1/git-exp-run.1"));
    } else {
        missing_tool(test, "uv is missing (pip install uv)");
    }

    if has("pipx", "--version") {
        let pipx = env.root.join("pipx");
        let bin = pipx.join("bin");
        run(shell("pipx", &bin)
            .env("PIPX_HOME", pipx.join("home"))
            .env("PIPX_BIN_DIR", &bin)
            .env("PIPX_MAN_DIR", pipx.join("share/man"))
            .args(["install", "--pip-args=--no-index"])
            .arg(wheel));
        assert_eq!(run(shell("git", &bin).args(["exp", "--version"])), version_line);
        // pipx links the pages; man prints the page the link points to.
        let page = run(shell("man", &bin).args(["-w", "git-exp"]));
        let linked = std::fs::canonicalize(pipx.join("share/man/man1/git-exp.1")).unwrap();
        assert_eq!(Path::new(page.trim()), linked);
        let python = pipx.join("home/venvs/git-exp/bin/python");
        run(Command::new(python).current_dir(&env.repo).args(["-c", "import git_exp; git_exp.init(record=False)"]));
    } else {
        missing_tool(test, "pipx is missing (pip install pipx)");
    }
}

/// The release workflow's "Binary archive and sha256" step, run as written in
/// .github/workflows/release.yml on this wheel, makes the archive that Cargo.toml's
/// `[package.metadata.binstall]` names: the URL's file name, the binary's path inside (which runs
/// and prints this version), and a sha256 file that `sha256sum -c` accepts.
fn release_archive_is_where_binstall_looks(env: &TestEnv, wheel: &Path) {
    const TARGET: &str = "x86_64-unknown-linux-gnu";
    let version = env!("CARGO_PKG_VERSION");
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap()).unwrap();
    let package = &manifest["package"];
    let repository = package["repository"].as_str().expect("Cargo.toml names its repository");
    let binstall = &package["metadata"]["binstall"];
    let render = |template: &str| {
        template
            .replace("{ repo }", repository)
            .replace("{ version }", version)
            .replace("{ name }", "git-exp")
            .replace("{ target }", TARGET)
            .replace("{ bin }", "git-exp")
            .replace("{ binary-ext }", "")
    };
    let url = render(binstall["pkg-url"].as_str().unwrap());
    let bin_dir = render(binstall["bin-dir"].as_str().unwrap());
    assert_eq!(binstall["pkg-fmt"].as_str(), Some("tgz"));
    let (release, file) = url.rsplit_once('/').unwrap();
    // The tag the workflow releases is v<version> (its first job refuses any other).
    assert_eq!(release, format!("{repository}/releases/download/v{version}"));

    let workflow: serde_norway::Value =
        serde_norway::from_str(&std::fs::read_to_string(manifest_dir().join(".github/workflows/release.yml")).unwrap())
            .unwrap();
    let steps = workflow["jobs"]["wheels"]["steps"].as_sequence().unwrap();
    let step = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Binary archive and sha256"))
        .expect("the release workflow has the archive step");
    let script = step["run"].as_str().unwrap().replace("${{ matrix.target }}", TARGET);

    let dir = env.root.join("release");
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::create_dir_all(dir.join("target")).unwrap();
    std::fs::copy(wheel, dir.join("dist").join(wheel.file_name().unwrap())).unwrap();
    for doc in ["README.md", "CHANGELOG.md"] {
        std::fs::copy(manifest_dir().join(doc), dir.join(doc)).unwrap();
    }
    std::os::unix::fs::symlink(manifest_dir().join("target/wheel-data"), dir.join("target/wheel-data")).unwrap();
    run(Command::new("bash").args(["-euo", "pipefail", "-c", &script]).current_dir(&dir));

    let archives = dir.join("archives");
    assert!(archives.join(file).is_file(), "{file} is not what the workflow wrote");
    run(Command::new("sha256sum").arg("-c").arg(format!("{file}.sha256")).current_dir(&archives));
    let unpacked = env.root.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    run(Command::new("tar").arg("-xzf").arg(archives.join(file)).arg("-C").arg(&unpacked));
    let binary = unpacked.join(&bin_dir);
    assert_eq!(run(Command::new(&binary).arg("--version")), format!("git-exp {version}\n"));
    assert!(unpacked.join(&bin_dir).with_file_name("share/man/man1/git-exp.1").is_file());
}

/// Every place that names where git-exp comes from (the docs, the examples, the action, the wheel's
/// metadata) names Cargo.toml's `repository`, the one `cargo binstall` downloads from: moving the
/// project is a change of that line and of what this test then lists.
#[test]
fn every_link_to_the_project_names_its_repository() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap()).unwrap();
    let repository = manifest["package"]["repository"].as_str().unwrap();
    let project = repository.strip_prefix("https://github.com/").expect("a GitHub repository");
    let link = regex::Regex::new(r"(?:github\.com/|uses: )([\w.-]+/git-exp)\b").unwrap();

    let mut files = vec![manifest_dir().join("README.md"), manifest_dir().join("pyproject.toml")];
    for dir in ["docs", "examples", "action", ".github/workflows"] {
        let mut stack = vec![manifest_dir().join(dir)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| ["md", "yml", "sh", "toml"].contains(&&*e.to_string_lossy()))
                {
                    files.push(path);
                }
            }
        }
    }
    let mut named = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for found in link.captures_iter(&text) {
            assert_eq!(&found[1], project, "{} names another repository", file.display());
            named += 1;
        }
    }
    assert!(named >= 4, "only {named} links found in {files:?}");
}
