//! What a user id may hold, wherever one enters (chat requests, platform sender ids, webhook
//! routes, event streams, connect links): 1 to 200 characters after trimming, no control
//! characters, and no bidirectional formatting characters, which reorder how the id and the
//! text around it are shown (U+202E makes `alice\u{202E}nimda` read as `aliceadmin` in logs,
//! the audit trail and the dashboard).

/// Longest user id.
pub const MAX_CHARS: usize = 200;

/// Why a user id was refused; the message is the house 400's, naming the rule only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserIdError {
    /// Empty or longer than [`MAX_CHARS`].
    #[error("user_id must be 1 to 200 characters")]
    Length,
    /// A control character (C0, DEL, C1, or a line or paragraph separator).
    #[error("user_id must not contain control characters")]
    Control,
    /// A bidirectional override, embedding, isolate or mark.
    #[error(
        "user_id must not contain bidirectional formatting characters (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C)"
    )]
    Bidi,
}

/// The trimmed id, or why it is refused.
pub fn check(raw: &str) -> Result<&str, UserIdError> {
    let id = raw.trim();
    if id.is_empty() || id.chars().count() > MAX_CHARS {
        return Err(UserIdError::Length);
    }
    if id
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(UserIdError::Control);
    }
    if id.chars().any(is_bidi_control) {
        return Err(UserIdError::Bidi);
    }
    Ok(id)
}

/// Unicode's `Bidi_Control` characters.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(check("  ada "), Ok("ada"));
        assert_eq!(
            check("مريم-42"),
            Ok("مريم-42"),
            "right-to-left letters are fine"
        );
        assert_eq!(check(""), Err(UserIdError::Length));
        assert_eq!(check(&"x".repeat(201)), Err(UserIdError::Length));
        assert_eq!(check(&"é".repeat(200)).map(str::len), Ok(400));
        for bad in ["a\nb", "a\u{7f}", "a\u{85}b", "a\u{2028}b"] {
            assert_eq!(check(bad), Err(UserIdError::Control), "{bad:?}");
        }
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200F}', '\u{061C}',
        ] {
            assert_eq!(
                check(&format!("alice{c}nimda")),
                Err(UserIdError::Bidi),
                "{c:?}"
            );
        }
    }
}
