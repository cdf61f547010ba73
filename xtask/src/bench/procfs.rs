//! Readings of another process from `/proc`: CPU time (utime + stime of `/proc/PID/stat`)
//! and peak RSS (`VmHWM` of `/proc/PID/status`).

use anyhow::{Context, bail};
use std::process::Command;
use std::time::Duration;

/// Clock ticks per second for `/proc/PID/stat` (`getconf CLK_TCK`; 100 when unknown).
pub fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// User plus system CPU time of a process (all its threads, live and exited).
pub fn cpu_time(pid: u32, ticks_per_sec: u64) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    let ticks = stat_cpu_ticks(&stat).with_context(|| format!("parsing /proc/{pid}/stat"))?;
    Ok(Duration::from_secs_f64(ticks as f64 / ticks_per_sec as f64))
}

/// utime + stime (fields 14 and 15) from the text of a `/proc/PID/stat` file. The command
/// name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
pub fn stat_cpu_ticks(stat: &str) -> anyhow::Result<u64> {
    let rest = &stat[stat.rfind(')').context("no ')' in stat")? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: field 3 (state) is fields[0], so field N is fields[N - 3].
    if fields.len() < 13 {
        bail!("stat has {} fields after the name", fields.len());
    }
    let utime: u64 = fields[11].parse().context("utime")?;
    let stime: u64 = fields[12].parse().context("stime")?;
    Ok(utime + stime)
}

/// User plus system CPU time of every process whose command name (`/proc/PID/comm`) is one
/// of `names`, such as a database's server and its per-connection backends. Processes that
/// end between two readings take their time with them, so this reads low, not high.
pub fn cpu_of_named(names: &[&str], ticks_per_sec: u64) -> Duration {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    let mut ticks = 0;
    for entry in dir.flatten() {
        let path = entry.path();
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        if !names.iter().any(|n| comm.trim() == *n) {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(path.join("stat"))
            && let Ok(t) = stat_cpu_ticks(&stat)
        {
            ticks += t;
        }
    }
    Duration::from_secs_f64(ticks as f64 / ticks_per_sec as f64)
}

/// Peak resident set size of a process, in KiB.
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("no VmHWM line")?;
    line["VmHWM:".len()..]
        .split_whitespace()
        .next()
        .context("empty VmHWM")?
        .parse()
        .context("VmHWM value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_names() {
        let stat =
            "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 4 0 100 0 0";
        assert_eq!(stat_cpu_ticks(stat).expect("parses"), 325);
        assert!(stat_cpu_ticks("1 (x) S 1").is_err());
    }

    #[test]
    fn reads_own_process() {
        let pid = std::process::id();
        assert!(cpu_time(pid, clock_ticks()).is_ok());
        assert!(peak_rss_kib(pid).expect("VmHWM") > 0);
    }
}
