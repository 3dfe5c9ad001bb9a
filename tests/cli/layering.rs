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
