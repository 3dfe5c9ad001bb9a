use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Outcome, TestEnv};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebooks")
}

fn fixture(name: &str) -> String {
    fixtures().join(name).to_string_lossy().into_owned()
}

/// Copies a fixture into the test repository under `to`.
fn copy(env: &TestEnv, name: &str, to: &str) {
    std::fs::copy(fixtures().join(name), env.repo.join(to)).unwrap();
}

fn read(env: &TestEnv, path: &str) -> String {
    std::fs::read_to_string(env.repo.join(path)).unwrap()
}

fn nbdiff(env: &TestEnv, old: &str, new: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["nbdiff".to_owned(), fixture(old), fixture(new)];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    env.run(args)
}

fn json_diff(env: &TestEnv, old: &str, new: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let out = nbdiff(env, old, new, &args);
    out.success();
    out.json()
}

/// `status[:moved]` of every listed cell, e.g. `["added", "modified:moved"]`.
fn statuses(diff: &Value) -> Vec<String> {
    diff["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let status = c["status"].as_str().unwrap().to_owned();
            if c["moved"] == true { format!("{status}:moved") } else { status }
        })
        .collect()
}

fn hunk_lines(hunks: &Value) -> Vec<String> {
    hunks["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn every_fixture_parses_and_equals_itself() {
    let env = TestEnv::new();
    let mut count = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".ipynb") {
            continue;
        }
        let diff = json_diff(&env, &name, &name, &["--include", "all"]);
        assert_eq!(diff["identical"], true, "{name}");
        count += 1;
    }
    assert!(count >= 40, "only {count} fixtures found");
}

#[test]
fn single_aspect_changes_are_reported_as_such() {
    let env = TestEnv::new();
    let base = "single_cell_nb.ipynb";

    let diff = json_diff(&env, base, "single_cell_nb--changed_source.ipynb", &[]);
    assert_eq!(statuses(&diff), ["modified"]);
    let cell = &diff["cells"][0];
    assert_eq!(hunk_lines(&cell["source"]), [" def printit(x):", "     print(x + 3)", "-printit(3)", "+printit(4)"]);
    assert!(cell.get("outputs").is_none(), "{cell}");

    let diff = json_diff(&env, base, "single_cell_nb--changed_output.ipynb", &[]);
    let cell = &diff["cells"][0];
    assert!(cell.get("source").is_none(), "{cell}");
    let output = &cell["outputs"][0];
    assert_eq!(output["output_type"], "stream");
    assert_eq!(hunk_lines(&output["parts"][0]), ["-6", "+7"]);

    let diff = json_diff(&env, base, "single_cell_nb--changed_source_output.ipynb", &["--ignore", "outputs"]);
    assert!(diff["cells"][0].get("outputs").is_none(), "--ignore outputs: {diff}");
    assert_eq!(diff["ignored"]["outputs"], 1);
}

#[test]
fn execution_counts_and_metadata_are_noise_unless_included() {
    let env = TestEnv::new();
    let base = "single_cell_nb.ipynb";
    let ec = "single_cell_nb--changed_ec.ipynb";
    let out = nbdiff(&env, base, ec, &["--exit-code"]);
    assert_eq!(out.success(), "", "nothing to show");
    assert!(out.stderr.contains("hint: the notebooks differ only in ignored parts (execution counts)"), "{out}");
    let diff = json_diff(&env, base, ec, &["--include", "execution-count"]);
    assert_eq!(diff["cells"][0]["execution_count"], serde_json::json!({"old": 1, "new": 2}));

    let meta = "single_cell_nb--changed_metadata.ipynb";
    assert_eq!(json_diff(&env, base, meta, &[])["identical"], true);
    let diff = json_diff(&env, base, meta, &["--include", "metadata"]);
    assert_eq!(statuses(&diff), ["modified"]);
    assert!(hunk_lines(&diff["cells"][0]["metadata"]).contains(&"+  \"nbdime-dummy-field\": 42".to_owned()), "{diff}");
    assert!(diff.get("metadata").is_none(), "language_info is volatile: {diff}");
    let diff = json_diff(&env, base, meta, &["--include", "all"]);
    assert!(hunk_lines(&diff["metadata"]).contains(&"+    \"version\": \"3.4.2+\"".to_owned()), "{diff}");
    let diff = json_diff(&env, base, meta, &["--include", "all", "--ignore", "metadata"]);
    assert_eq!(diff["identical"], true, "--ignore wins over --include");
}

#[test]
fn json_values_ignore_key_order_but_not_list_order() {
    let env = TestEnv::new();
    let diff = json_diff(&env, "single_cell_nb--json_output.ipynb", "single_cell_nb--json_output_changed.ipynb", &[]);
    let part = &diff["cells"][0]["outputs"][0]["parts"][0];
    assert_eq!(part["name"], "application/json");
    let changed: Vec<String> = hunk_lines(part).into_iter().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(changed, ["-      \"abc\",", "-      \"def\"", "+      \"def\",", "+      \"abc\""]);
}

#[test]
fn inserted_cells_and_changed_images() {
    let env = TestEnv::new();
    let diff = json_diff(&env, "apap.ipynb", "apap--1.ipynb", &[]);
    assert_eq!(statuses(&diff), ["added", "modified"]);
    assert_eq!(diff["cells"][0]["kind"], "markdown");
    let part = &diff["cells"][1]["outputs"][0]["parts"][0];
    assert_eq!(part["name"], "image/png");
    assert_eq!(part["old"]["width"], 2);
    assert_ne!(part["old"]["base64_sha256"], part["new"]["base64_sha256"]);
    // Same image on both sides (--1 and --2 differ in markdown only). The markdown was rewritten
    // (`Ipsum lorem:` to `Foo bar, foo bar, the quick brown fox:`): unrelated text, so a delete
    // and an insert, as nbdime shows it, not an edit.
    let diff = json_diff(&env, "apap--1.ipynb", "apap--2.ipynb", &[]);
    assert_eq!(statuses(&diff), ["added", "deleted"]);
    assert_eq!(diff["cells"][0]["kind"], "markdown");
}

#[test]
fn structural_changes_of_multi_cell_notebook() {
    let env = TestEnv::new();
    let diff = json_diff(&env, "multi_cell_nb.ipynb", "multi_cell_nb--cellchange.ipynb", &["--include", "all"]);
    let summary = &diff["summary"];
    assert_eq!((summary["added"].as_u64(), summary["deleted"].as_u64()), (Some(2), Some(2)), "{diff}");
    let added_markdown =
        diff["cells"].as_array().unwrap().iter().find(|c| c["status"] == "added" && c["kind"] == "markdown");
    assert_eq!(added_markdown.unwrap()["source"], "## from Inserted Markdown cell!");
    assert!(hunk_lines(&diff["metadata"]).contains(&"+    \"name\": \"python3\"".to_owned()), "{diff}");
}

#[test]
fn moved_cells_are_moves_not_deletes_and_inserts() {
    let env = TestEnv::new();
    let diff = json_diff(&env, "src-and-output--1.ipynb", "src-and-output--2.ipynb", &[]);
    assert_eq!(diff["summary"]["added"], 0);
    assert_eq!(diff["summary"]["deleted"], 0);
    assert!(statuses(&diff).iter().all(|s| s == "unchanged:moved"), "{diff}");

    // A cell moved and edited is one move plus an edit.
    let diff = json_diff(&env, "moves--1.ipynb", "moves--2.ipynb", &[]);
    assert_eq!(statuses(&diff), ["modified:moved", "added", "deleted"]);
    let moved = &diff["cells"][0];
    assert_eq!((moved["old_index"].as_u64(), moved["new_index"].as_u64()), (Some(2), Some(5)));
    assert!(hunk_lines(&moved["source"]).contains(&"+def load_data(path, cache=True):".to_owned()));
    let text = nbdiff(&env, "moves--1.ipynb", "moves--2.ipynb", &[]);
    assert!(text.success().contains("## cell 6 (code): moved from cell 3 and modified\n"), "{text}");
}

#[test]
fn cell_ids_decide_alignment_when_present() {
    let env = TestEnv::new();
    let diff = json_diff(&env, "ids--1.ipynb", "ids--2.ipynb", &[]);
    assert_eq!(statuses(&diff), ["unchanged:moved", "modified", "added"], "{diff}");
    assert_eq!(diff["cells"][1]["id"], "cell-b", "same id, rewritten content: modified, not replaced");
}

#[test]
fn nbformat_3_notebooks() {
    let env = TestEnv::new();
    let diff = json_diff(&env, "v3--1.ipynb", "v3--2.ipynb", &[]);
    assert_eq!(statuses(&diff), ["modified", "modified", "modified"], "{diff}");
    assert_eq!(
        hunk_lines(&diff["cells"][0]["source"]),
        ["-## Results", "+## Results (v2)"],
        "heading cells become markdown"
    );
    assert_eq!(diff["cells"][1]["outputs"][0]["output_type"], "execute_result");
    assert_eq!(diff["cells"][2]["outputs"][0]["parts"][0]["name"], "image/png");
}

#[test]
fn terminal_output_reads_like_git_diff() {
    let env = TestEnv::new();
    let out = nbdiff(&env, "mixed-conflicts--1.ipynb", "mixed-conflicts--2.ipynb", &[]);
    let text = out.success();
    assert!(text.starts_with(&format!(
        "--- {}\n+++ {}\n",
        fixture("mixed-conflicts--1.ipynb"),
        fixture("mixed-conflicts--2.ipynb")
    )));
    assert!(
        text.contains(
            "## cell 2 (code): modified\n@@ source @@\n def f(x, y):\n-    z = x + y - 1\n+    z = x + y - 2\n"
        ),
        "{text}"
    );
    // The traceback ends with the error line: it is not repeated above it.
    assert!(text.contains("@@ output 1 (error SyntaxError) traceback @@\n-------"), "{text}");
    assert_eq!(text.matches("NameError: name 'hello' is not defined").count(), 1, "{text}");
    assert!(text.contains("@@ output 3 (display_data) image/png @@\n-image/png 535×356, 18.2 kB, sha256 "), "{text}");
    assert!(!text.contains('\x1b'), "no colour under NO_COLOR, and no ANSI from tracebacks: {text}");
    assert!(text.contains("@@ source -2,10 +2,10 @@\n"), "long cells show hunks with positions: {text}");
}

#[test]
fn colours_only_when_asked_and_words_are_highlighted() {
    let env = TestEnv::new();
    let out = nbdiff(&env, "single_cell_nb.ipynb", "single_cell_nb--changed_source.ipynb", &["--color", "always"]);
    let text = out.success();
    assert!(text.contains("\x1b[31m-printit(\x1b[0m\x1b[7m\x1b[31m3\x1b[0m"), "{text:?}");
    let out = nbdiff(&env, "single_cell_nb.ipynb", "single_cell_nb--changed_source.ipynb", &[]);
    assert!(out.success().contains("\n-printit(3)\n+printit(4)\n"), "{out}");
}

#[test]
fn hostile_content_never_reaches_terminal_or_page_as_code() {
    let env = TestEnv::new();
    let out = nbdiff(&env, "hostile--1.ipynb", "hostile--2.ipynb", &[]);
    let text = out.success();
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains("-red \\abell \n"), "control characters shown as everywhere (`\\a`): {text:?}");
    assert!(
        text.contains("+image/png: invalid base64 (30 characters)"),
        "a truncated image does not stop the diff: {text}"
    );
    assert!(text.contains("## cell 3 (sql): modified"), "unknown cell types are shown: {text}");
    assert!(text.contains("@@ output 6 (future_output) fields @@"), "unknown output types are shown: {text}");

    let page = env.root.join("hostile.html");
    nbdiff(&env, "hostile--1.ipynb", "hostile--2.ipynb", &["--html", page.to_str().unwrap()]).success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"), "{html}");
    assert!(!html.to_lowercase().contains("<script"), "no live script tag anywhere");
    assert!(!html.contains("href=\"javascript:"), "no javascript: links");
    assert!(!html.contains(" onerror=\""), "no event handler attributes");
    assert!(html.contains("<h1>Title </h1>"), "markdown is rendered, its script dropped");
    for frame in html.split("<iframe").skip(1) {
        let tag = &frame[..frame.find('>').unwrap()];
        assert!(tag.contains("sandbox=\"\""), "{tag}");
        assert!(!tag.contains("allow-"), "{tag}");
    }
    assert!(
        html.contains("srcdoc=\"&lt;b&gt;bold&lt;/b&gt;&lt;script&gt;"),
        "HTML outputs only inside a sandboxed frame"
    );
    assert!(html.contains("src=\"data:image/png;base64,iVBORw0KGgo"), "images inline");
    assert!(html.contains("invalid image data (image/png)"));
    assert!(!html.contains("src=\"http"), "nothing loads from the network");
}

#[test]
fn html_page_is_self_contained() {
    let env = TestEnv::new();
    let out = nbdiff(&env, "mixed-conflicts--1.ipynb", "mixed-conflicts--2.ipynb", &["--html", "-"]);
    let html = out.success();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>"));
    assert!(!html.contains("<link") && !html.contains("<script"), "no external resources, no scripts");
    assert!(html.contains("class=\"nbd-pair\""), "changed images side by side");
    assert!(html.contains("<span class=\"k\">from</span>"), "code highlighted with CSS classes");
    assert!(html.contains("<details class=\"nbd-unchanged\"><summary>1 unchanged cell</summary>"));
}

#[test]
fn exit_code_reports_differences() {
    let env = TestEnv::new();
    nbdiff(&env, "foo--1.ipynb", "foo--2.ipynb", &["--exit-code"]).failure(1);
    nbdiff(&env, "foo--1.ipynb", "foo--1.ipynb", &["--exit-code"]).success();
    nbdiff(&env, "foo--1.ipynb", "foo--2.ipynb", &[]).success();
}

#[test]
fn bad_input_is_named_in_one_line() {
    let env = TestEnv::new();
    env.write("bad.ipynb", "{\n \"cells\": [\n  {,\n");
    env.write("list.ipynb", "[1, 2]");
    env.write("object.ipynb", "{\"data\": 1}");
    env.write("ok.ipynb", "{\"cells\": [], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}");
    let cases = [
        ("bad.ipynb", "error: bad.ipynb: invalid JSON at line 3, column 4: key must be a string\n"),
        ("list.ipynb", "error: list.ipynb: not a Jupyter notebook: the document is a list, not an object\n"),
        (
            "object.ipynb",
            "error: object.ipynb: not a Jupyter notebook: it has no `cells` list (nbformat 4) nor `worksheets` (nbformat 3)\n",
        ),
    ];
    for (file, expected) in cases {
        let out = env.run(["nbdiff", "ok.ipynb", file]);
        assert_eq!(out.failure(1), expected);
    }
    let out = env.run(["nbdiff", "ok.ipynb", "missing.ipynb"]);
    assert!(out.failure(1).starts_with("error: cannot read `missing.ipynb`"), "{out}");
    env.run(["nbdiff", "ok.ipynb"]).failure(2);
    env.run(["nbdiff", "ok.ipynb", "ok.ipynb", "--format", "csv"]).failure(2);
    env.run(["nbdiff", "ok.ipynb", "ok.ipynb", "--global"]).failure(2);
    env.run(["nbdiff", "ok.ipynb", "ok.ipynb", "--include", "bogus"]).failure(2);
    assert_eq!(env.run(["nbdiff", "ok.ipynb", "ok.ipynb"]).success(), "");
}

#[test]
fn revisions_as_sources() {
    let env = TestEnv::new();
    copy(&env, "single_cell_nb.ipynb", "nb.ipynb");
    env.git(["add", "nb.ipynb"]);
    env.git(["commit", "-q", "-m", "first"]);
    copy(&env, "single_cell_nb--changed_source.ipynb", "nb.ipynb");
    env.git(["commit", "-q", "-am", "second"]);
    copy(&env, "single_cell_nb--changed_output.ipynb", "nb.ipynb");

    let diff = env.run(["nbdiff", "HEAD~1:nb.ipynb", "HEAD:nb.ipynb", "--format", "json"]).json();
    assert_eq!(hunk_lines(&diff["cells"][0]["source"]).last().unwrap(), "+printit(4)");
    let out = env.run(["nbdiff", "HEAD:nb.ipynb", "nb.ipynb"]);
    assert!(out.success().starts_with("--- HEAD:nb.ipynb\n+++ nb.ipynb\n"), "{out}");
    assert!(out.stdout.contains("-printit(4)\n+printit(3)\n"), "{out}");
    assert!(out.stdout.contains("-6\n+7\n"), "{out}");

    std::fs::create_dir_all(env.repo.join("sub")).unwrap();
    let mut cmd = env.cmd_in(&env.repo.join("sub"));
    let out = cmd.args(["nbdiff", "HEAD~1:../nb.ipynb", "HEAD:nb.ipynb", "--exit-code"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "`../` paths are relative to the current directory");

    let out = env.run(["nbdiff", "HEAD:missing.ipynb", "nb.ipynb"]);
    assert_eq!(out.failure(1), "error: `HEAD:missing.ipynb`: revision `HEAD` has no file `missing.ipynb`\n");
    let out = env.run(["nbdiff", "nope:nb.ipynb", "nb.ipynb"]);
    assert!(
        out.failure(1).starts_with("error: `nope:nb.ipynb` is neither a file nor a git revision, and not a run either"),
        "{out}"
    );
}

#[test]
fn runs_as_sources() {
    let env = TestEnv::new();
    copy(&env, "single_cell_nb.ipynb", "nb.ipynb");
    env.git(["add", "nb.ipynb"]);
    env.git(["commit", "-q", "-m", "first"]);
    copy(&env, "single_cell_nb--changed_output.ipynb", "nb.ipynb");
    env.run(["snapshot", "-n", "brave-otter", "-m", "checkpoint"]).success();
    env.git(["checkout", "nb.ipynb"]);
    let id = env.run_ids().remove(0);

    for spec in ["brave-otter:nb.ipynb".to_owned(), format!("{}:nb.ipynb", &id[..5]), "@:nb.ipynb".to_owned()] {
        let out = env.run(["nbdiff", "nb.ipynb", &spec]);
        assert!(out.success().contains("@@ output 1 (stream stdout) text @@\n-6\n+7\n"), "{spec}: {out}");
    }
    let out = env.run(["nbdiff", "nb.ipynb", "brave-otter:other.ipynb"]);
    assert_eq!(out.failure(1), format!("error: `brave-otter:other.ipynb`: run {id} has no file `other.ipynb`\n"));
}

#[test]
fn install_makes_git_diff_use_nbdiff_and_uninstall_undoes_it() {
    let env = TestEnv::with_commit();
    copy(&env, "single_cell_nb.ipynb", "nb.ipynb");
    env.git(["add", "nb.ipynb"]);
    env.git(["commit", "-q", "-m", "notebook"]);
    let config_before = std::fs::read_to_string(env.repo.join(".git/config")).unwrap();
    let status_before = env.git(["status", "--porcelain"]);

    let out = env.run(["nbdiff", "--install"]);
    out.success();
    assert!(out.stderr.contains("Added `*.ipynb diff=git-exp-nbdiff` in "), "{out}");
    assert_eq!(read(&env, ".gitattributes"), "*.ipynb diff=git-exp-nbdiff\n");
    env.run(["nbdiff", "--install"]).success();
    assert_eq!(read(&env, ".gitattributes"), "*.ipynb diff=git-exp-nbdiff\n", "install is idempotent");

    copy(&env, "single_cell_nb--changed_source_output_ec.ipynb", "nb.ipynb");
    let diff = env.git(["diff", "nb.ipynb"]);
    assert!(diff.starts_with("--- a/nb.ipynb\n+++ b/nb.ipynb\n## cell 1 (code): modified\n"), "{diff}");
    assert!(diff.contains("-printit(3)\n+printit(4)\n"), "{diff}");
    assert!(!diff.contains("execution_count"), "noise stays hidden: {diff}");

    // A new file: git passes /dev/null for the old side.
    copy(&env, "apap.ipynb", "new.ipynb");
    env.git(["add", "new.ipynb"]);
    let diff = env.git(["diff", "--cached", "new.ipynb"]);
    assert!(diff.starts_with("--- /dev/null\n+++ b/new.ipynb\n## cell 1 (code): added\n"), "{diff}");
    env.git(["reset", "-q", "new.ipynb"]);
    std::fs::remove_file(env.repo.join("new.ipynb")).unwrap();

    // `git log -p` and `git show` ignore external diffs: they use the textconv.
    let config = std::fs::read_to_string(env.repo.join(".git/config")).unwrap();
    assert!(config.contains("textconv = ") && config.contains("nbdiff --textconv"), "{config}");
    env.git(["commit", "-q", "-am", "changed"]);
    for args in [&["log", "-p", "-1"][..], &["show", "HEAD"][..]] {
        let shown = env.git(args);
        assert!(shown.contains("diff --git a/nb.ipynb b/nb.ipynb\n"), "{shown}");
        assert!(shown.contains("-printit(3)\n+printit(4)\n"), "{args:?}: {shown}");
        assert!(!shown.contains("\"source\""), "{args:?} shows JSON: {shown}");
    }
    let ext = env.git(["show", "--ext-diff", "HEAD"]);
    assert!(ext.contains("## cell 1 (code): modified\n"), "{ext}");
    let diff = env.git(["diff", "HEAD~1", "HEAD"]);
    assert!(diff.contains("--- a/nb.ipynb\n+++ b/nb.ipynb\n## cell 1 (code): modified\n"), "{diff}");
    let text = env.run(["nbdiff", "--textconv", "nb.ipynb"]);
    assert!(text.success().starts_with("## code cell\ndef printit(x):\n"), "{text}");
    env.write("broken.ipynb", "{ not json");
    let text = env.run(["nbdiff", "--textconv", "broken.ipynb"]);
    assert_eq!(text.success(), "{ not json", "a file that is not a notebook is shown as it is");
    assert!(text.stderr.contains("shown as it is"), "{text}");
    std::fs::remove_file(env.repo.join("broken.ipynb")).unwrap();

    // A broken notebook warns instead of stopping git's whole diff.
    env.write("nb.ipynb", "{ not json");
    let diff = env.git(["diff", "nb.ipynb"]);
    assert_eq!(diff, "", "the warning goes to stderr");
    env.git(["checkout", "nb.ipynb"]);

    let out = env.run(["nbdiff", "--uninstall"]);
    out.success();
    assert!(out.stderr.contains("Removed diff.git-exp-nbdiff from the repository's git config."), "{out}");
    assert!(!env.repo.join(".gitattributes").exists(), "the file install created is gone");
    assert_eq!(std::fs::read_to_string(env.repo.join(".git/config")).unwrap(), config_before);
    assert_eq!(env.git(["status", "--porcelain"]), status_before);
    let out = env.run(["nbdiff", "--uninstall"]);
    assert!(out.success().is_empty() && out.stderr.contains("No diff.git-exp-nbdiff in"), "{out}");
}

#[test]
fn install_keeps_existing_attributes_and_global_scope_works() {
    let env = TestEnv::with_commit();
    env.write(".gitattributes", "*.png binary");
    env.run(["nbdiff", "--install"]).success();
    assert_eq!(read(&env, ".gitattributes"), "*.png binary\n*.ipynb diff=git-exp-nbdiff\n");
    env.run(["nbdiff", "--uninstall"]).success();
    assert_eq!(read(&env, ".gitattributes"), "*.png binary\n");

    let global_attributes = env.home.join(".config/git/attributes");
    env.run(["nbdiff", "--install", "--global"]).success();
    assert_eq!(std::fs::read_to_string(&global_attributes).unwrap(), "*.ipynb diff=git-exp-nbdiff\n");
    let global_config = std::fs::read_to_string(env.home.join(".gitconfig")).unwrap();
    assert!(global_config.contains("[diff \"git-exp-nbdiff\"]"), "{global_config}");
    copy(&env, "foo--1.ipynb", "foo.ipynb");
    env.git(["add", "foo.ipynb"]);
    env.git(["commit", "-q", "-m", "foo"]);
    copy(&env, "foo--2.ipynb", "foo.ipynb");
    assert!(env.git(["diff"]).contains("+def foo(x, y):\n"));
    env.run(["nbdiff", "--uninstall", "--global"]).success();
    assert!(!global_attributes.exists());
    assert!(!std::fs::read_to_string(env.home.join(".gitconfig")).unwrap().contains("git-exp-nbdiff"));
}

#[test]
fn help_ends_with_examples() {
    let env = TestEnv::new();
    let help = env.run(["nbdiff", "--help"]);
    let text = help.success();
    assert!(
        text.contains("\nExamples:\n  git exp nbdiff before.ipynb after.ipynb\n  git exp nbdiff HEAD~1:"),
        "{text}"
    );
}

/// Writes a notebook of the given cells (JSON text) into the test repository.
fn notebook_file(env: &TestEnv, name: &str, cells: &str) -> String {
    env.write(name, &format!(r#"{{"nbformat": 4, "nbformat_minor": 4, "metadata": {{}}, "cells": [{cells}]}}"#));
    env.repo.join(name).to_string_lossy().into_owned()
}

fn run_nbdiff(env: &TestEnv, old: &str, new: &str, extra: &[&str]) -> crate::common::Outcome {
    let mut args = vec!["nbdiff", old, new];
    args.extend_from_slice(extra);
    env.run(args)
}

#[test]
fn bidi_controls_are_shown_not_obeyed() {
    let env = TestEnv::new();
    let old = notebook_file(&env, "old.ipynb", "");
    let new = notebook_file(
        &env,
        "new.ipynb",
        "{\"cell_type\": \"code\", \"metadata\": {}, \"execution_count\": 1, \"source\": \"x = '\u{202e}cba'\",
          \"outputs\": [{\"output_type\": \"stream\", \"name\": \"stdout\", \"text\": \"out \u{2066}x\u{2069}\"}]},
         {\"cell_type\": \"markdown\", \"metadata\": {}, \"source\": \"# title \u{202e}evil\"}",
    );
    let text = run_nbdiff(&env, &old, &new, &[]);
    let text = text.success();
    let html = run_nbdiff(&env, &old, &new, &["--html", "-"]);
    let html = html.success();
    for (what, out) in [("terminal", text), ("html", html)] {
        for c in ['\u{202e}', '\u{2066}', '\u{2069}'] {
            assert!(!out.contains(c), "{what} contains {c:?}: {out}");
        }
        assert!(out.contains("\\u{202e}"), "{what}: {out}");
    }
}

#[test]
fn error_outputs_print_their_error_line_once() {
    let env = TestEnv::new();
    let old =
        notebook_file(&env, "old.ipynb", r#"{"cell_type": "code", "metadata": {}, "source": "x", "outputs": []}"#);
    let new = notebook_file(
        &env,
        "new.ipynb",
        r#"{"cell_type": "code", "metadata": {}, "source": "x", "outputs": [{"output_type": "error",
            "ename": "NameError", "evalue": "name 'x' is not defined",
            "traceback": ["\u001b[0;31m---------\u001b[0m", "\u001b[0;31mNameError\u001b[0m: name 'x' is not defined"]}]}"#,
    );
    let out = run_nbdiff(&env, &old, &new, &[]);
    assert_eq!(out.success().matches("NameError: name 'x' is not defined").count(), 1, "{out}");
}

#[test]
fn bare_string_outputs_show_their_text() {
    let env = TestEnv::new();
    let old =
        notebook_file(&env, "old.ipynb", r#"{"cell_type": "code", "metadata": {}, "source": "x", "outputs": []}"#);
    let new = notebook_file(
        &env,
        "new.ipynb",
        r#"{"cell_type": "code", "metadata": {}, "source": "x", "outputs": ["bare words",
            {"output_type": "execute_result", "metadata": {}, "data": "bare data"}]}"#,
    );
    let out = run_nbdiff(&env, &old, &new, &[]);
    let text = out.success();
    assert!(text.contains("\n+bare words\n"), "{text}");
    assert!(text.contains("\n+bare data\n"), "{text}");
    assert!(!text.contains("{}"), "{text}");
}

#[test]
fn a_truncated_png_is_invalid() {
    let env = TestEnv::new();
    let png = |b64: &str| {
        format!(
            r#"{{"cell_type": "code", "metadata": {{}}, "source": "plot()", "outputs": [{{"output_type": "display_data",
                "metadata": {{}}, "data": {{"image/png": "{b64}"}}}}]}}"#
        )
    };
    let whole = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAC0lEQVR4nGNgQAYAAA4AAamRc7EAAAAASUVORK5CYII=";
    let cut = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAC0lEQVR4nGNg";
    let old = notebook_file(&env, "old.ipynb", &png(whole));
    let new = notebook_file(&env, "new.ipynb", &png(cut));
    let out = run_nbdiff(&env, &old, &new, &["--format", "json"]);
    out.success();
    let part = &out.json()["cells"][0]["outputs"][0]["parts"][0];
    assert_eq!((&part["old"]["valid"], &part["new"]["valid"]), (&Value::Bool(true), &Value::Bool(false)), "{part}");
    let text = run_nbdiff(&env, &old, &new, &[]);
    assert!(text.success().contains("+image/png 2×2, 45 bytes, invalid: truncated, sha256 "), "{text}");
}

#[test]
fn attachment_changes_name_the_attachment() {
    let env = TestEnv::new();
    let cell = |attachments: &str| {
        format!(
            r#"{{"cell_type": "markdown", "metadata": {{}}, "source": "![a](attachment:a.png)", "attachments": {{{attachments}}}}}"#
        )
    };
    let old = notebook_file(
        &env,
        "old.ipynb",
        &cell(r#""a.png": {"image/png": "iVBORw0KGgo="}, "c.png": {"image/png": "iVBORw0KGgo="}"#),
    );
    let new = notebook_file(
        &env,
        "new.ipynb",
        &cell(r#""a.png": {"image/png": "iVBORw0KGgoA"}, "c.png": {"image/png": "iVBORw0KGgo="}"#),
    );
    let out = run_nbdiff(&env, &old, &new, &[]);
    let text = out.success();
    assert!(text.contains("@@ attachment a.png @@\n-image/png 8 bytes, "), "{text}");
    assert!(text.contains("\n+image/png 9 bytes, "), "{text}");
    assert!(!text.contains("c.png"), "an unchanged attachment is not listed: {text}");
    let json = run_nbdiff(&env, &old, &new, &["--format", "json"]);
    json.success();
    let attachments = &json.json()["cells"][0]["attachments"];
    assert_eq!(attachments[0]["name"], "a.png", "{attachments}");
    assert_eq!(attachments[0]["old"]["image/png"]["bytes"], 8, "{attachments}");
}

#[test]
fn added_markdown_cells_show_their_source_in_html() {
    let env = TestEnv::new();
    let old = notebook_file(&env, "old.ipynb", "");
    let new = notebook_file(
        &env,
        "new.ipynb",
        r#"{"cell_type": "markdown", "metadata": {}, "source": "hi <script>alert(1)</script>"}"#,
    );
    let out = run_nbdiff(&env, &old, &new, &["--html", "-"]);
    let html = out.success();
    assert!(html.contains("hi &lt;script&gt;alert(1)&lt;/script&gt;"), "the source, escaped: {html}");
    assert!(!html.contains("<script"), "{html}");
}

#[test]
fn an_added_empty_notebook_prints_its_header() {
    let env = TestEnv::new();
    let empty = notebook_file(&env, "empty.ipynb", "");
    let out = env.run(["nbdiff", "--git-driver", "empty.ipynb", "/dev/null", ".", ".", &empty, "0123", "100644"]);
    assert_eq!(out.success(), "--- /dev/null\n+++ b/empty.ipynb\n## notebook added: no cells\n");
}

#[test]
fn json_into_a_closed_pipe_exits_quietly() {
    let env = TestEnv::new();
    let old = notebook_file(&env, "old.ipynb", "");
    let cells: Vec<String> = (0..3000)
        .map(|k| {
            format!(r#"{{"cell_type": "code", "metadata": {{}}, "source": "value_{k} = compute({k})", "outputs": []}}"#)
        })
        .collect();
    let new = notebook_file(&env, "new.ipynb", &cells.join(","));
    let mut cmd = env.cmd();
    cmd.args(["nbdiff", &old, &new, "--format", "json"]);
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(first, *b"{");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn what_pythons_json_accepts_is_read() {
    let env = TestEnv::new();
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    let cells = |value: &str| {
        format!(
            r#"{{"cell_type": "code", "metadata": {{"deep": {deep}}}, "source": "x", "outputs": [
                {{"output_type": "execute_result", "metadata": {{}}, "data": {{"application/json": {{"v": {value}}}}}}},
                {{"output_type": "stream", "name": "stdout", "text": "lone \ud800 surrogate"}}]}}"#
        )
    };
    let old = notebook_file(&env, "old.ipynb", &cells("NaN"));
    let new = notebook_file(&env, "new.ipynb", &cells("-Infinity"));
    let out = run_nbdiff(&env, &old, &new, &[]);
    let text = out.success();
    assert!(text.contains("-  \"v\": \"NaN\"\n+  \"v\": \"-Infinity\"\n"), "{text}");
    let same = run_nbdiff(&env, &old, &old, &["--include", "all", "--format", "json"]);
    same.success();
    assert_eq!(same.json()["identical"], true);
}

/// A side that is a pipe (`<(git show …)`, here stdin) is read whole, not streamed: the tolerant
/// reading needs its bytes a second time, and a pipe gives them once.
#[test]
fn a_pipe_side_is_read_whole() {
    use std::io::Write as _;
    let env = TestEnv::new();
    let cell = |value: &str| {
        format!(
            r#"{{"cell_type": "code", "metadata": {{}}, "source": "x", "outputs": [
                {{"output_type": "execute_result", "metadata": {{}}, "data": {{"application/json": {{"v": {value}}}}}}}]}}"#
        )
    };
    let new = notebook_file(&env, "new.ipynb", &cell("2"));
    let old = std::fs::read_to_string(notebook_file(&env, "old.ipynb", &cell("NaN"))).unwrap();
    let mut child = env
        .cmd()
        .args(["nbdiff", "/dev/stdin", &new])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(old.as_bytes()).unwrap();
    let out = crate::common::Outcome::from_output(child.wait_with_output().unwrap());
    assert!(out.success().contains("-  \"v\": \"NaN\"\n+  \"v\": 2\n"), "{out}");
}
