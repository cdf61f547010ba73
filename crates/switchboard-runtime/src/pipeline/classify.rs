//! Turning what an upstream answered into an outcome a reply can branch on.

use std::time::{Duration, SystemTime};
use switchboard_config::model::OutcomeKind;

/// Longest `Retry-After` taken seriously; anything longer is treated as this, so an absurd
/// value cannot park a caller.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);

/// The outcome of an HTTP status. 2xx is `Ok` here; the body may still make it
/// `InvalidResponse`.
pub fn status(code: u16) -> OutcomeKind {
    match code {
        200..=299 => OutcomeKind::Ok,
        404 | 410 => OutcomeKind::NotFound,
        401 => OutcomeKind::Unauthorized,
        403 => OutcomeKind::Forbidden,
        409 => OutcomeKind::Conflict,
        429 => OutcomeKind::RateLimited,
        408 | 504 => OutcomeKind::Timeout,
        500..=599 => OutcomeKind::Unavailable,
        // Redirects are not followed, so one reaching us is a response we cannot use.
        100..=399 => OutcomeKind::InvalidResponse,
        _ => OutcomeKind::BadRequest,
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 section 10.2.3), capped.
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    retry_after_uncapped(value, now).map(|wait| wait.min(RETRY_AFTER_CAP))
}

/// Parses `Retry-After` without the cap (holds apply `retry.max_hold` instead).
pub fn retry_after_uncapped(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(at.timestamp()).ok()?);
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let cases = [
            (200, OutcomeKind::Ok),
            (201, OutcomeKind::Ok),
            (204, OutcomeKind::Ok),
            (301, OutcomeKind::InvalidResponse),
            (400, OutcomeKind::BadRequest),
            (401, OutcomeKind::Unauthorized),
            (403, OutcomeKind::Forbidden),
            (404, OutcomeKind::NotFound),
            (408, OutcomeKind::Timeout),
            (409, OutcomeKind::Conflict),
            (410, OutcomeKind::NotFound),
            (422, OutcomeKind::BadRequest),
            (429, OutcomeKind::RateLimited),
            (500, OutcomeKind::Unavailable),
            (503, OutcomeKind::Unavailable),
            (504, OutcomeKind::Timeout),
        ];
        for (code, expected) in cases {
            assert_eq!(status(code), expected, "{code}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        assert_eq!(retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(retry_after("99999999", now), Some(RETRY_AFTER_CAP));
        assert_eq!(retry_after("soon", now), None);
        let date = chrono::DateTime::from_timestamp(1_784_000_030, 0)
            .unwrap()
            .to_rfc2822();
        assert_eq!(retry_after(&date, now), Some(Duration::from_secs(30)));
        let past = chrono::DateTime::from_timestamp(1_783_999_000, 0)
            .unwrap()
            .to_rfc2822();
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
    }
}
