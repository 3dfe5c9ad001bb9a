//! Host facts and the environment capture (`.git-exp/env/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::store::record::Host;

/// Environment variables recorded when set (plus `[env] vars` in exp.toml). Kept short and free
/// of secrets on purpose: tokens and credentials live in the environment too.
pub const DEFAULT_VARS: &[&str] = &[
    "CUDA_VISIBLE_DEVICES",
    "CUDA_HOME",
    "CONDA_DEFAULT_ENV",
    "CONDA_PREFIX",
    "VIRTUAL_ENV",
    "PYTHONHASHSEED",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "SLURM_JOB_ID",
    "SLURM_ARRAY_TASK_ID",
    "WORLD_SIZE",
    "RANK",
    "LOCAL_RANK",
];

/// Returns facts about this machine.
pub fn host() -> Host {
    Host {
        hostname: crate::store::spool::hostname(),
        user: user(),
        os: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
        cpus: std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1),
        memory_bytes: memory_bytes().unwrap_or(0),
        gpus: gpus(),
    }
}

fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .or_else(|| nix::unistd::User::from_uid(nix::unistd::getuid()).ok().flatten().map(|u| u.name))
        .unwrap_or_default()
}

fn memory_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// GPU names from `nvidia-smi`, when it is installed.
fn gpus() -> Vec<String> {
    if find_in_path("nvidia-smi").is_none() {
        return Vec::new();
    }
    let Ok(out) = Command::new("nvidia-smi").args(["--query-gpu=name", "--format=csv,noheader"]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout).lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect()
}

/// Finds an executable on `PATH`.
pub fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// `env/vars.toml`: the allow-listed variables that are set.
pub fn vars_toml(extra: &[String]) -> String {
    let mut table = toml::Table::new();
    let names = DEFAULT_VARS.iter().map(|s| (*s).to_owned()).chain(extra.iter().cloned());
    for name in names {
        if let Ok(value) = std::env::var(&name) {
            table.insert(name, toml::Value::String(value));
        }
    }
    table.insert("GIT_EXP_VERSION".into(), toml::Value::String(env!("CARGO_PKG_VERSION").into()));
    toml::to_string(&table).unwrap_or_default()
}

/// The Python interpreter a command runs, if it looks like a Python command
/// (`python train.py`, `python3 -m x`, `./train.py`, `uv run python …`).
pub fn python_of(command: &[String]) -> Option<String> {
    let is_python = |word: &str| {
        let name = Path::new(word).file_name().and_then(|n| n.to_str()).unwrap_or("");
        name.starts_with("python") && name[6..].chars().all(|c| c.is_ascii_digit() || c == '.')
    };
    let first = command.first()?;
    if is_python(first) {
        return Some(first.clone());
    }
    if let Some(word) = command.iter().take(4).find(|w| is_python(w)) {
        return Some(word.clone());
    }
    first.ends_with(".py").then(|| "python3".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_detection() {
        let cmd = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(python_of(&cmd("python train.py")), Some("python".into()));
        assert_eq!(python_of(&cmd("/usr/bin/python3.11 -m x")), Some("/usr/bin/python3.11".into()));
        assert_eq!(python_of(&cmd("uv run python t.py")), Some("python".into()));
        assert_eq!(python_of(&cmd("./train.py")), Some("python3".into()));
        assert_eq!(python_of(&cmd("true")), None);
        assert_eq!(python_of(&cmd("pythonista")), None);
    }
}
