//! Readings of this process: CPU time (`getrusage`, microsecond resolution) and peak RSS
//! (`VmHWM` in `/proc/self/status`).

use std::time::Duration;

/// User plus system CPU time consumed by this process so far (all threads).
pub fn process_cpu() -> anyhow::Result<Duration> {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)?;
    let micros = |t: nix::sys::time::TimeVal| {
        let us = i128::from(t.tv_sec()) * 1_000_000 + i128::from(t.tv_usec());
        u64::try_from(us.max(0)).unwrap_or(u64::MAX)
    };
    Ok(Duration::from_micros(
        micros(usage.user_time()) + micros(usage.system_time()),
    ))
}

/// The peak resident set size of this process in KiB, when `/proc` is there.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_field_kib(&status, "VmHWM:")
}

/// A `NAME:   123 kB` line of a `/proc/PID/status` file, in KiB.
pub fn status_field_kib(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// CPU time spent between two readings, per request, in microseconds.
pub fn per_request_us(before: Duration, after: Duration, requests: u64) -> Option<f64> {
    (requests > 0).then(|| after.saturating_sub(before).as_secs_f64() * 1e6 / requests as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_fields() {
        let s = "Name:\tx\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(status_field_kib(s, "VmHWM:"), Some(12345));
        assert_eq!(status_field_kib(s, "VmPeak:"), None);
    }

    #[test]
    fn cpu_is_monotonic() {
        let a = process_cpu().expect("getrusage");
        let mut x = 0u64;
        for i in 0..200_000u64 {
            x = x.wrapping_add(std::hint::black_box(i));
        }
        std::hint::black_box(x);
        let b = process_cpu().expect("getrusage");
        assert!(b >= a);
        assert_eq!(per_request_us(a, a, 0), None);
    }
}
