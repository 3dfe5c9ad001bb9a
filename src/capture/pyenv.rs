//! The Python a command actually runs (`uv run`, `poetry run`, `conda run`, an activated venv or
//! conda env, `python` on `PATH`) and the distributions installed in it, read from the
//! `*.dist-info/METADATA` files of its site-packages as `importlib.metadata` does: no `pip freeze`.
//! The interpreter is asked once for its version and site-packages directories; the result is
//! cached (`pycache.rs`) until the interpreter or one of those directories changes.

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The interpreter a command will run and how that was found out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    pub path: PathBuf,
    /// `uv run`, `poetry run`, `conda run`, `VIRTUAL_ENV`, `CONDA_PREFIX` or `PATH`.
    pub source: &'static str,
}

/// A Python environment as recorded in `env/python.toml` and `env/pip-freeze.txt`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PythonEnv {
    pub executable: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_packages: Vec<String>,
    /// `[name, version]`, sorted by name; written to `pip-freeze.txt`, not `python.toml`.
    #[serde(skip)]
    pub packages: Vec<(String, String)>,
}

impl PythonEnv {
    /// `python.toml`.
    pub fn toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// `pip-freeze.txt`: `name==version` lines, as `pip freeze` writes them.
    pub fn freeze(&self) -> String {
        self.packages.iter().map(|(n, v)| format!("{n}=={v}\n")).collect()
    }
}

/// How long an interpreter may take to say where its packages are.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);
/// More packages than any real environment has; a bound against a pathological directory.
const MAX_PACKAGES: usize = 100_000;

/// The interpreter `command` runs when started in `dir`, if it runs Python. `root` is the
/// worktree root: the search for a project's `.venv` stops there.
pub fn interpreter_of(command: &[String], dir: &Path, root: Option<&Path>) -> Option<Interpreter> {
    let name = |w: &String| Path::new(w).file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
    let first = command.first().map(name).unwrap_or_default();
    let second = command.get(1).map(String::as_str);
    match (first.as_str(), second) {
        ("uv", Some("run")) => {
            let env = std::env::var_os("UV_PROJECT_ENVIRONMENT").map(PathBuf::from);
            let venv = match env {
                Some(p) if p.is_absolute() => Some(p),
                Some(p) => project_dir(dir, root, "pyproject.toml").map(|d| d.join(p)),
                // Not there yet: `uv run` creates it in the project (found again when the run ends).
                None => find_upwards(dir, root, ".venv")
                    .or_else(|| project_dir(dir, root, "pyproject.toml").map(|d| d.join(".venv"))),
            };
            return venv.map(|v| Interpreter { path: v.join("bin/python"), source: "uv run" });
        }
        ("poetry", Some("run")) => return poetry_env(dir, root),
        ("conda" | "mamba" | "micromamba", Some("run")) => return conda_env(&command[2..]),
        _ => {}
    }
    let python = super::host::python_of(command)?;
    let path = if python.contains('/') { dir.join(&python) } else { super::host::find_in_path(&python)? };
    let under = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty() && path.starts_with(v));
    let source = if under("VIRTUAL_ENV") {
        "VIRTUAL_ENV"
    } else if under("CONDA_PREFIX") {
        "CONDA_PREFIX"
    } else {
        "PATH"
    };
    Some(Interpreter { path, source })
}

/// `dir` or the nearest parent (up to `root`) holding `name`, joined with `name`.
fn find_upwards(dir: &Path, root: Option<&Path>, name: &str) -> Option<PathBuf> {
    project_dir(dir, root, name).map(|d| d.join(name))
}

fn project_dir(dir: &Path, root: Option<&Path>, name: &str) -> Option<PathBuf> {
    for candidate in dir.ancestors() {
        if candidate.join(name).exists() {
            return Some(candidate.to_owned());
        }
        if root.is_some_and(|r| candidate == r) {
            break;
        }
    }
    None
}

/// Poetry's environment: an in-project `.venv`, else what `poetry env info --path` says.
fn poetry_env(dir: &Path, root: Option<&Path>) -> Option<Interpreter> {
    if let Some(venv) = find_upwards(dir, root, ".venv") {
        return Some(Interpreter { path: venv.join("bin/python"), source: "poetry run" });
    }
    let out = Command::new("poetry")
        .args(["env", "info", "--path"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let venv = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !venv.is_empty())
        .then(|| Interpreter { path: Path::new(&venv).join("bin/python"), source: "poetry run" })
}

/// `conda run -n NAME` / `-p PREFIX` (also `--name`, `--prefix`); without either, the active env.
fn conda_env(args: &[String]) -> Option<Interpreter> {
    let value = |flags: &[&str]| {
        args.iter().position(|a| flags.contains(&a.as_str())).and_then(|i| args.get(i + 1)).cloned().or_else(|| {
            args.iter().find_map(|a| flags.iter().find_map(|f| a.strip_prefix(&format!("{f}="))).map(str::to_owned))
        })
    };
    let prefix = if let Some(prefix) = value(&["-p", "--prefix"]) {
        PathBuf::from(prefix)
    } else if let Some(name) = value(&["-n", "--name"]) {
        // CONDA_EXE is `<base>/bin/conda`; named envs live in `<base>/envs/<name>`.
        let base = PathBuf::from(std::env::var_os("CONDA_EXE")?).parent()?.parent()?.to_owned();
        if name == "base" { base } else { base.join("envs").join(name) }
    } else {
        PathBuf::from(std::env::var_os("CONDA_PREFIX")?)
    };
    Some(Interpreter { path: prefix.join("bin/python"), source: "conda run" })
}

/// What the interpreter says about itself.
#[derive(Debug, Clone, Deserialize)]
pub struct Probe {
    pub version: String,
    pub executable: String,
    pub prefix: String,
    pub site: Vec<String>,
}

const PROBE: &str = "import json,sys\n\
print(json.dumps({'version': '%d.%d.%d' % sys.version_info[:3], 'executable': sys.executable, \
'prefix': sys.prefix, 'site': [p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]}))";

/// Starts `python` once to learn its version, executable and site-packages directories.
pub fn probe(python: &Path) -> Option<Probe> {
    let mut child = Command::new(python)
        .args(["-c", PROBE])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    // A broken interpreter must not hold the run's record hostage.
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < PROBE_TIMEOUT => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(out.stdout.trim_ascii()).ok()
}

/// The distributions in `site_dirs`, `[name, version]` sorted by name; the first directory that
/// has a name wins, as on `sys.path`.
pub fn packages(site_dirs: &[String]) -> Vec<(String, String)> {
    let mut found: BTreeMap<String, (String, String)> = BTreeMap::new();
    for dir in site_dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if found.len() >= MAX_PACKAGES {
                break;
            }
            let file_name = entry.file_name();
            let name = file_name.to_string_lossy();
            let metadata = if name.ends_with(".dist-info") {
                entry.path().join("METADATA")
            } else if name.ends_with(".egg-info") {
                let path = entry.path();
                if path.is_dir() { path.join("PKG-INFO") } else { path }
            } else {
                continue;
            };
            if let Some((name, version)) = name_and_version(&metadata) {
                found.entry(normalise(&name)).or_insert((name, version));
            }
        }
    }
    found.into_values().collect()
}

/// `Name:` and `Version:` from the header of a METADATA / PKG-INFO file.
fn name_and_version(path: &Path) -> Option<(String, String)> {
    let file = std::fs::File::open(path).ok()?;
    let (mut name, mut version) = (None, None);
    // The header ends at the first blank line; a bound keeps odd files cheap.
    for line in std::io::BufReader::new(file).lines().take(400) {
        let Ok(line) = line else { break };
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Name:") {
            name = Some(clean(v));
        } else if let Some(v) = line.strip_prefix("Version:") {
            version = Some(clean(v));
        }
        if name.is_some() && version.is_some() {
            break;
        }
    }
    name.filter(|n| !n.is_empty()).zip(version)
}

/// One short line: a package's name or version never needs more.
fn clean(value: &str) -> String {
    value.trim().chars().filter(|c| !c.is_control()).take(200).collect()
}

/// Names compared as pip does: case-insensitive, runs of `-`, `_` and `.` equal.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if matches!(c, '_' | '.') { '-' } else { c.to_ascii_lowercase() };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn wrappers_name_their_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        let project = dir.path().join("proj");
        std::fs::create_dir_all(project.join(".venv/bin")).expect("venv");
        std::fs::create_dir_all(project.join("src")).expect("src");
        let found = interpreter_of(&words("uv run python t.py"), &project.join("src"), Some(&project));
        assert_eq!(found, Some(Interpreter { path: project.join(".venv/bin/python"), source: "uv run" }));
        let found = interpreter_of(&words("poetry run python t.py"), &project, Some(&project));
        assert_eq!(found.map(|i| i.source), Some("poetry run"));
        let found = interpreter_of(&words("conda run -p /opt/env python t.py"), &project, None);
        assert_eq!(found.map(|i| i.path), Some(PathBuf::from("/opt/env/bin/python")));
        let found = interpreter_of(&words("./venv/bin/python3 t.py"), &project, None);
        assert_eq!(found.map(|i| i.path), Some(project.join("./venv/bin/python3")));
        assert_eq!(interpreter_of(&words("make all"), &project, None), None);
    }

    #[test]
    fn packages_come_from_metadata_headers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let site = dir.path().join("site-packages");
        let write = |rel: &str, text: &str| {
            let path = site.join(rel);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("dir");
            std::fs::write(path, text).expect("write");
        };
        write("numpy-2.0.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: numpy\nVersion: 2.0.0\n\nBody: x\n");
        write("Py_YAML-6.0.dist-info/METADATA", "Name: PyYAML\nVersion: 6.0\n");
        write("old.egg-info", "Name: old-pkg\nVersion: 0.1\n");
        write("broken.dist-info/METADATA", "Summary: no name\n");
        write("numpy/__init__.py", "");
        let other = dir.path().join("second");
        std::fs::create_dir_all(other.join("numpy-1.0.dist-info")).expect("dir");
        std::fs::write(other.join("numpy-1.0.dist-info/METADATA"), "Name: NumPy\nVersion: 1.0\n").expect("write");
        let dirs = [site.to_string_lossy().into_owned(), other.to_string_lossy().into_owned()];
        assert_eq!(
            packages(&dirs),
            [("numpy".into(), "2.0.0".into()), ("old-pkg".into(), "0.1".into()), ("PyYAML".into(), "6.0".into())]
        );
        assert_eq!(normalise("Foo__Bar.baz"), "foo-bar-baz");
    }
}
