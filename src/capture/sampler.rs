//! System metrics of the command's process group, sampled every few seconds from `/proc`:
//! `sys/cpu_percent` (of one core) and `sys/rss_bytes`, plus `sys/gpu_percent` and
//! `sys/gpu_memory_bytes` where `nvidia-smi` exists.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Samples until `stop` says so (or its sender is dropped), calling `emit(key, value)`.
pub fn run(pgid: i32, interval: Duration, stop: &Receiver<()>, mut emit: impl FnMut(&str, f64)) {
    let ticks = ticks_per_second();
    let gpu = super::host::find_in_path("nvidia-smi").is_some();
    let mut last: Option<(Instant, u64)> = None;
    loop {
        match stop.recv_timeout(interval) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        let Some(usage) = group_usage(pgid) else {
            continue;
        };
        let now = Instant::now();
        if let Some((then, cpu_ticks)) = last {
            let wall = now.duration_since(then).as_secs_f64();
            if wall > 0.0 {
                let used = usage.cpu_ticks.saturating_sub(cpu_ticks) as f64 / ticks;
                emit("sys/cpu_percent", (100.0 * used / wall * 10.0).round() / 10.0);
            }
        }
        last = Some((now, usage.cpu_ticks));
        emit("sys/rss_bytes", usage.rss_bytes as f64);
        if gpu && let Some((util, memory)) = gpu_usage() {
            emit("sys/gpu_percent", util);
            emit("sys/gpu_memory_bytes", memory);
        }
    }
}

struct Usage {
    cpu_ticks: u64,
    rss_bytes: u64,
}

fn ticks_per_second() -> f64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK) {
        Ok(Some(n)) if n > 0 => n as f64,
        // USER_HZ is 100 on every mainstream Linux architecture.
        _ => 100.0,
    }
}

fn page_size() -> u64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE) {
        Ok(Some(n)) if n > 0 => n as u64,
        _ => 4096,
    }
}

/// Sums CPU time and resident memory over the processes of group `pgid` (Linux `/proc`).
fn group_usage(pgid: i32) -> Option<Usage> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let page = page_size();
    let mut usage = Usage { cpu_ticks: 0, rss_bytes: 0 };
    let mut found = false;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses; fields start after the last `)`.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // Field numbers of proc(5) minus 3: pgrp is field 5, utime 14, stime 15, rss 24.
        if fields.get(2).and_then(|f| f.parse::<i32>().ok()) != Some(pgid) {
            continue;
        }
        let num = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        usage.cpu_ticks += num(11) + num(12);
        usage.rss_bytes += num(21) * page;
        found = true;
    }
    found.then_some(usage)
}

fn gpu_usage() -> Option<(f64, f64)> {
    let out = std::process::Command::new("nvidia-smi")
        .args(["--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let (mut util, mut memory, mut n) = (0.0, 0.0, 0.0);
    for line in text.lines() {
        let mut parts = line.split(',').map(|p| p.trim().parse::<f64>());
        if let (Some(Ok(u)), Some(Ok(m))) = (parts.next(), parts.next()) {
            util += u;
            memory += m * 1024.0 * 1024.0;
            n += 1.0;
        }
    }
    (n > 0.0).then(|| (util / n, memory))
}
