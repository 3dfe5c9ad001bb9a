//! Checks on the source tree itself.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Only src/git/ may use gix or spawn git: one module knows git's quirks (hermetic config, error
/// wording, shallow clones), so every other module works on domain types.
#[test]
fn only_the_git_module_talks_to_git() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let git_dir = src.join("git");
    let mut offenders = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&git_dir)) {
        let text = std::fs::read_to_string(file).unwrap();
        // Unit tests may build object ids for fixtures.
        let code = text.split("#[cfg(test)]").next().unwrap();
        if code.contains("gix::") || code.contains("Command::new(\"git\")") {
            offenders.push(file.strip_prefix(&src).unwrap().display().to_string());
        }
    }
    assert!(offenders.is_empty(), "gix or git used outside src/git/: {offenders:?}");
}

/// What each module of src/ must not use, read from its `crate::` paths. docs/ARCHITECTURE.md
/// explains the layers; a new edge that breaks one belongs in a shared lower module instead.
const RULES: &[(&str, &[&str])] = &[
    // Pages and diffs are computed from stored runs: they never run anything or reach for a command.
    ("report", &["commands", "capture", "share"]),
    ("diff", &["commands", "capture", "report", "share"]),
    ("share", &["commands", "capture", "report", "diff"]),
    // Readers of other trackers: they read, capture records what they read.
    ("import", &["commands", "capture", "report", "diff", "share", "query", "notebook"]),
    // The domain core under them.
    ("store", &["commands", "capture", "report", "diff", "share", "query", "notebook"]),
    ("query", &["commands", "capture", "report", "diff", "share", "notebook"]),
    ("notebook", &["commands", "capture", "report", "diff", "share", "store", "query"]),
    // Event files are read without knowing runs: capture records them, so both run and import can.
    ("tensorboard", &["commands", "capture", "report", "diff", "share", "query", "notebook"]),
    ("blobs", &["commands", "capture", "report", "diff", "share", "store", "query", "notebook"]),
    // Leaf modules. ui prints errors without knowing whose: commands::error_hint finds hints.
    ("ui", &["cli", "commands", "capture", "report", "diff", "share", "store", "query", "notebook", "blobs", "git"]),
    ("git", &["commands", "capture", "report", "diff", "share", "store", "query", "notebook", "blobs", "ui"]),
    ("format", &["commands", "capture", "report", "diff", "share", "query", "notebook", "blobs", "ui"]),
    // The static file server of `report --serve` knows files and sockets, nothing of runs.
    ("serve", &["commands", "capture", "report", "diff", "share", "store", "query", "notebook", "blobs", "git"]),
];

/// Only these may use git/: the store is the one door to git for everything above it, so git's
/// errors, shallow clones and object ids are handled once (docs/ARCHITECTURE.md).
const MAY_USE_GIT: &[&str] = &["store", "git"];

/// Only these may use commands/: the entry point, the argument parser and the commands themselves.
const MAY_USE_COMMANDS: &[&str] = &["main", "cli", "commands"];

/// The top-level modules a source text names through `crate::` (`crate::a::b`, `crate::{a, b}`).
/// Comment lines are skipped; test code counts, as a test reaching into a command is a layer leak too.
fn crate_modules(text: &str) -> std::collections::BTreeSet<String> {
    let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut out = std::collections::BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group only: `crate::{a::{b, c}, d}` uses a and d.
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        out.insert(ident(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.remove("");
    out
}

/// The top-level module a file of src/ belongs to: `report` for src/report/x.rs, `cli` for src/cli.rs.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.strip_suffix(".rs").map(str::to_owned).unwrap_or(first)
}

#[test]
fn the_scanner_sees_every_form_of_crate_path() {
    let text = "use crate::commands::show::flatten;\n// crate::capture in a comment\nlet x = crate::format::bytes(1);\nuse crate::{store::{Run, view}, ui};";
    let found: Vec<String> = crate_modules(text).into_iter().collect();
    assert_eq!(found, ["commands", "format", "store", "ui"]);
}

/// The layers hold: each rule of `RULES` and `MAY_USE_COMMANDS`, over every file of src/.
#[test]
fn modules_keep_to_their_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offenders = std::collections::BTreeSet::new();
    for file in &files {
        let module = module_of(&src, file);
        let used = crate_modules(&std::fs::read_to_string(file).unwrap());
        let rel = file.strip_prefix(&src).unwrap().display().to_string();
        if used.contains("commands") && !MAY_USE_COMMANDS.contains(&module.as_str()) {
            offenders.insert(format!("{rel} uses commands"));
        }
        if used.contains("git") && !MAY_USE_GIT.contains(&module.as_str()) {
            offenders.insert(format!("{rel} uses git"));
        }
        for (_, banned) in RULES.iter().filter(|(m, _)| *m == module) {
            for name in banned.iter().filter(|b| used.contains(**b)) {
                offenders.insert(format!("{rel} uses {name}"));
            }
        }
    }
    // Every rule names a module that exists, so a rename cannot silently disable it.
    for (module, _) in RULES {
        assert!(src.join(module).is_dir() || src.join(format!("{module}.rs")).is_file(), "no module {module}");
    }
    assert!(
        offenders.is_empty(),
        "layer rules broken (see docs/ARCHITECTURE.md):\n{}",
        offenders.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// Whether code reads a field named `repo` (`store.repo.x`, `self.repo`), not counting comment
/// lines or longer names (`.repository`, `.repo_url`).
fn reads_repo_field(text: &str) -> bool {
    text.lines().filter(|l| !l.trim_start().starts_with("//")).any(|line| {
        line.match_indices(".repo")
            .any(|(at, m)| !line[at + m.len()..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_'))
    })
}

#[test]
fn the_repo_field_scanner_sees_field_reads_only() {
    assert!(reads_repo_field("let t = store.repo.commit_info(c)?;"));
    assert!(reads_repo_field("f(&store.repo)"));
    assert!(!reads_repo_field("// store.repo in a comment"));
    assert!(!reads_repo_field("let url = self.repo_url; let r = x.repository();"));
}

/// The repository handle is private to the store: nothing outside src/store/ and src/git/ reads a
/// `repo` field, so every git operation is a `Store` method named for what its caller needs.
#[test]
fn only_the_store_holds_the_repository() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !MAY_USE_GIT.contains(&module_of(&src, f).as_str()))
        .filter(|f| reads_repo_field(&std::fs::read_to_string(f).unwrap()))
        .map(|f| f.strip_prefix(&src).unwrap().display().to_string())
        .collect();
    assert!(offenders.is_empty(), "`.repo` read outside src/store/ and src/git/: {offenders:?}");
}

/// Every file in tests/cli/ is a module of this binary (jj's test_no_forgotten_test_files).
#[test]
fn no_forgotten_test_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(module) = name.strip_suffix(".rs")
            && module != "main"
        {
            assert!(main.contains(&format!("mod {module};")), "tests/cli/{name} is not listed in main.rs");
        }
    }
}
