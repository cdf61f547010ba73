//! Encoding user-supplied values into a request so they can never change where it goes.
//!
//! A path parameter becomes exactly one path segment: every byte outside the unreserved set
//! of RFC 3986 is percent-encoded (so `/`, `?`, `#`, `%` and `\` cannot start a new segment, a
//! query or a fragment), and the dot segments `.` and `..`, which URL parsers resolve even
//! when encoded, are refused outright.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a value cannot go into a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// Empty path parameters would merge two segments.
    #[error("must not be empty")]
    EmptySegment,
    /// `.` and `..` would be resolved as relative path steps.
    #[error("must not be \".\" or \"..\"")]
    DotSegment,
    /// CR, LF or NUL in a header would split or end it.
    #[error("must not contain line breaks or NUL characters")]
    HeaderControl,
}

/// Encodes one path parameter as a single segment.
pub fn path_segment(value: &str) -> Result<String, EncodeError> {
    match value {
        "" => Err(EncodeError::EmptySegment),
        "." | ".." => Err(EncodeError::DotSegment),
        _ => Ok(utf8_percent_encode(value, SEGMENT).to_string()),
    }
}

/// Checks a header value: no CR, LF or NUL (other controls are refused by the HTTP client).
pub fn header_value(value: &str) -> Result<&str, EncodeError> {
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        Err(EncodeError::HeaderControl)
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cannot_escape() {
        let cases = [
            ("1001", Ok("1001")),
            ("../admin", Ok("..%2Fadmin")),
            ("a/b", Ok("a%2Fb")),
            ("a?x=1", Ok("a%3Fx%3D1")),
            ("a#f", Ok("a%23f")),
            ("%2e%2e", Ok("%252e%252e")),
            ("a\0b", Ok("a%00b")),
            ("a\r\nb", Ok("a%0D%0Ab")),
            ("é 1", Ok("%C3%A9%201")),
            ("a\\b", Ok("a%5Cb")),
            ("..", Err(EncodeError::DotSegment)),
            (".", Err(EncodeError::DotSegment)),
            ("", Err(EncodeError::EmptySegment)),
        ];
        for (input, expected) in cases {
            assert_eq!(
                path_segment(input).as_deref().map_err(Clone::clone),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn header_values_refuse_line_breaks() {
        assert!(header_value("ok value").is_ok());
        for bad in ["a\r\nX-Evil: 1", "a\nb", "a\0"] {
            assert_eq!(
                header_value(bad),
                Err(EncodeError::HeaderControl),
                "{bad:?}"
            );
        }
    }
}
