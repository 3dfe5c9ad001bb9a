//! Paths that come from a run (tree entries, artifact manifests, bundles, report file names) are
//! untrusted: a teammate, a fork or a bundle can hold any bytes there. Before such a path touches
//! the file system it goes through [`check`], which applies git's own rules (`verify_path` with
//! `core.protectNTFS` and `core.protectHFS` on, as git does by default on every platform for
//! checkouts), and [`prepare`], which creates the parent directories without following a link.

use std::path::{Path, PathBuf};

/// Why a path from a run was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Empty,
    Absolute,
    Nul,
    Backslash,
    EmptyComponent,
    Dot,
    DotDot,
    GitDir,
}

impl Rule {
    fn describe(self) -> &'static str {
        match self {
            Rule::Empty => "it is empty",
            Rule::Absolute => "it is absolute",
            Rule::Nul => "it contains a NUL byte",
            Rule::Backslash => "it contains a backslash",
            Rule::EmptyComponent => "it has an empty component",
            Rule::Dot => "it has a `.` component",
            Rule::DotDot => "it has a `..` component",
            Rule::GitDir => "it names a `.git` directory",
        }
    }
}

/// A path from a run that must not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsafe path `{}` in a run: {}", .path.escape_debug(), .rule.describe())]
pub struct UnsafePath {
    pub path: String,
    pub rule: Rule,
}

/// Turns a `/`-separated path from a run into a relative file-system path, or says which rule it
/// breaks.
pub fn check(path: &str) -> Result<PathBuf, UnsafePath> {
    let refuse = |rule| Err(UnsafePath { path: path.to_owned(), rule });
    if path.is_empty() {
        return refuse(Rule::Empty);
    }
    if path.contains('\0') {
        return refuse(Rule::Nul);
    }
    // A backslash is a separator on Windows, so `..\x` would escape there; git refuses it too.
    if path.contains('\\') {
        return refuse(Rule::Backslash);
    }
    if path.starts_with('/') {
        return refuse(Rule::Absolute);
    }
    for component in path.split('/') {
        match component {
            "" => return refuse(Rule::EmptyComponent),
            "." => return refuse(Rule::Dot),
            ".." => return refuse(Rule::DotDot),
            c if is_dot_git(c) => return refuse(Rule::GitDir),
            _ => {}
        }
    }
    Ok(PathBuf::from(path))
}

/// Whether a file system could take `component` for `.git`: any case (case-insensitive file
/// systems), trailing dots and spaces (NTFS drops them), the 8.3 short name `git~1`, and Unicode
/// code points that HFS+ ignores (git's `is_hfs_dotgit`).
fn is_dot_git(component: &str) -> bool {
    let folded: String = component.chars().filter(|c| !hfs_ignored(*c)).collect::<String>().to_ascii_lowercase();
    let trimmed = folded.trim_end_matches(['.', ' ']);
    trimmed == ".git" || trimmed == "git~1"
}

/// The code points HFS+ drops when comparing names (git's `next_hfs_char`).
fn hfs_ignored(c: char) -> bool {
    matches!(c, '\u{200c}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{206a}'..='\u{206f}' | '\u{feff}')
}

/// Why a checked path still cannot be written below a directory.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Unsafe(#[from] UnsafePath),
    /// Writing would go through a symbolic link, possibly to anywhere on the machine.
    #[error("refusing to write `{}`: `{}` is a symbolic link", .path, .link.display())]
    ThroughLink { path: String, link: PathBuf },
    #[error("cannot create `{}`: {source}", .dir.display())]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Checks `path` and creates its parent directories below `root`, one at a time, refusing any
/// that already is a symbolic link (`root` itself may be one: the user chose it). Returns the
/// full target; the caller writes the file itself (replacing a link there, never following it).
pub fn prepare(root: &Path, path: &str) -> Result<PathBuf, PrepareError> {
    let rel = check(path)?;
    // `root` is the user's choice (`artifacts -o new/dir`): created as asked, links and all.
    std::fs::create_dir_all(root).map_err(|source| PrepareError::Io { dir: root.to_path_buf(), source })?;
    let mut dir = root.to_path_buf();
    let mut parents = rel.components().collect::<Vec<_>>();
    parents.pop();
    for component in parents {
        dir.push(component);
        match std::fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(PrepareError::ThroughLink { path: path.to_owned(), link: dir });
            }
            Ok(meta) if meta.is_dir() => {}
            // A file in the way: create_dir fails and says so.
            _ => match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() && !is_link(&dir) => {}
                Err(source) => return Err(PrepareError::Io { dir, source }),
            },
        }
    }
    Ok(root.join(rel))
}

/// The first directory of `path` below `root` that now is a symbolic link, if any: lets a
/// command refuse before it writes anything, where [`prepare`] refuses file by file.
pub fn link_in_the_way(root: &Path, path: &str) -> Option<PathBuf> {
    let mut dir = root.to_path_buf();
    let mut parents = Path::new(path).components().collect::<Vec<_>>();
    parents.pop();
    parents.into_iter().find_map(|c| {
        dir.push(c);
        is_link(&dir).then(|| dir.clone())
    })
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str) -> Option<Rule> {
        check(path).err().map(|e| e.rule)
    }

    #[test]
    fn plain_paths_pass() {
        for ok in ["a", "src/main.rs", ".gitignore", ".github/workflows/ci.yml", "a.git", "git~2", "x/.gitx/y", "..a"] {
            assert_eq!(check(ok), Ok(PathBuf::from(ok)), "{ok}");
        }
    }

    #[test]
    fn git_dir_in_any_spelling_is_refused() {
        for bad in [
            ".git",
            ".git/config",
            "a/.git/hooks/post-checkout",
            ".GIT/config",
            ".Git",
            ".git. ",
            ".git ",
            ".git...",
            "GIT~1/config",
            "sub/git~1",
            ".g\u{200c}it/hooks/x",
            "\u{feff}.git",
        ] {
            assert_eq!(rule(bad), Some(Rule::GitDir), "{bad:?}");
        }
    }

    #[test]
    fn escapes_and_odd_components_are_refused() {
        assert_eq!(rule(""), Some(Rule::Empty));
        assert_eq!(rule("/etc/passwd"), Some(Rule::Absolute));
        assert_eq!(rule("../x"), Some(Rule::DotDot));
        assert_eq!(rule("a/../../x"), Some(Rule::DotDot));
        assert_eq!(rule("a/./b"), Some(Rule::Dot));
        assert_eq!(rule("."), Some(Rule::Dot));
        assert_eq!(rule("a//b"), Some(Rule::EmptyComponent));
        assert_eq!(rule("a/"), Some(Rule::EmptyComponent));
        assert_eq!(rule("a\0b"), Some(Rule::Nul));
        assert_eq!(rule("..\\x"), Some(Rule::Backslash));
    }

    #[test]
    fn the_error_names_the_path_and_the_rule() {
        let e = check("a/.git/config").unwrap_err().to_string();
        assert_eq!(e, "unsafe path `a/.git/config` in a run: it names a `.git` directory");
        assert_eq!(
            check("a\nb/..").unwrap_err().to_string(),
            "unsafe path `a\\nb/..` in a run: it has a `..` component"
        );
    }

    #[cfg(unix)]
    #[test]
    fn prepare_refuses_to_write_through_a_link() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).expect("mkdir");
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).expect("mkdir");
        std::os::unix::fs::symlink(&outside, root.join("link")).expect("symlink");
        let err = prepare(&root, "link/x").unwrap_err();
        assert!(matches!(err, PrepareError::ThroughLink { .. }), "{err}");
        assert_eq!(prepare(&root, "a/b/c").expect("plain path"), root.join("a/b/c"));
        assert!(root.join("a/b").is_dir());
        assert!(matches!(prepare(&root, "../x"), Err(PrepareError::Unsafe(_))));
        let fresh = tmp.path().join("new/out");
        assert_eq!(prepare(&fresh, "sub/model.pt").expect("a new root is created"), fresh.join("sub/model.pt"));
        assert!(fresh.join("sub").is_dir());
    }
}

/// Property tests: whatever a run holds, [`check`] answers without panicking, and what it
/// accepts stays inside the directory it is joined to and names no `.git`.
#[cfg(test)]
mod props {
    use std::path::Component;

    use proptest::prelude::*;

    use super::*;

    /// Paths built from the characters that matter (separators, dots, `git` in both cases, `~`,
    /// spaces, NUL, backslash, a code point HFS+ ignores), plus any text at all.
    fn paths() -> impl Strategy<Value = String> {
        prop_oneof![
            "[./gitGIT~1 \\\\\u{200c}\u{0}a]{0,16}",
            "((\\.git|\\.\\.|\\.|GIT~1|\\.Git\\.|\\.g\u{200d}it|x)/){0,3}(\\.git|\\.\\.|x|)",
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn accepted_paths_stay_inside_and_name_no_git_dir(path in paths()) {
            if let Ok(checked) = check(&path) {
                prop_assert!(!path.is_empty() && !path.contains('\0') && !path.contains('\\'));
                prop_assert!(checked.is_relative());
                for component in checked.components() {
                    prop_assert!(matches!(component, Component::Normal(_)), "{path:?}: {component:?}");
                }
                for part in path.split('/') {
                    prop_assert!(!part.is_empty() && part != "." && part != "..");
                    let folded: String = part.chars().filter(|c| !hfs_ignored(*c)).collect();
                    let trimmed = folded.trim_end_matches(['.', ' ']).to_ascii_lowercase();
                    prop_assert!(trimmed != ".git" && trimmed != "git~1", "{path:?}");
                }
            }
        }

        #[test]
        fn a_git_component_anywhere_is_refused(
            prefix in "([a-z]{1,3}/){0,3}",
            git in "(\\.[gG][iI][tT]|[gG][iI][tT]~1)[. ]{0,2}",
            suffix in "(/[a-z]{1,3}){0,3}",
        ) {
            let path = format!("{prefix}{git}{suffix}");
            prop_assert_eq!(check(&path).map_err(|e| e.rule), Err(Rule::GitDir));
        }
    }
}
