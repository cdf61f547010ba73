//! When a load loop stops: after a fixed duration, or after a fixed number of requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A shared stop rule for all workers of one run.
#[derive(Debug)]
pub struct Stop {
    end: Option<Instant>,
    limit: Option<u64>,
    started: AtomicU64,
}

impl Stop {
    /// Stop after `duration`, or after `requests` requests have been started, whichever the
    /// caller gave (both: whichever comes first).
    pub fn new(duration: Option<Duration>, requests: Option<u64>) -> Stop {
        Stop {
            end: duration.map(|d| Instant::now() + d),
            limit: requests,
            started: AtomicU64::new(0),
        }
    }

    /// Whether a worker may start one more request (and counts it when so).
    pub fn next(&self) -> bool {
        if self.end.is_some_and(|end| Instant::now() >= end) {
            return false;
        }
        match self.limit {
            Some(limit) => self.started.fetch_add(1, Ordering::Relaxed) < limit,
            None => true,
        }
    }
}

/// Parses `10s`, `500ms`, `2m` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (try 10s or 500ms)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit in {s:?}: use ms, s or m")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("not a duration: {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("3h").is_err());
    }

    #[test]
    fn request_limit() {
        let s = Stop::new(None, Some(2));
        assert!(s.next());
        assert!(s.next());
        assert!(!s.next());
    }
}
