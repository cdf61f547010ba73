//! Reading a verified delivery: its body as JSON (form posts become an object), and the event's
//! id, type and time from where the source says they are.

use axum::http::HeaderMap;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use switchboard_config::model::FieldRef;

/// Longest event id or type kept (longer ones are refused as malformed).
pub const MAX_FIELD_CHARS: usize = 200;

/// Why a verified delivery could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The body is neither JSON nor a form.
    #[error("body is not JSON: {0}")]
    Body(String),
    /// The event id or type is not where the source says.
    #[error("no event {0} in the delivery")]
    Missing(&'static str),
    /// An id or type that is too long or has control characters.
    #[error("event {0} is malformed")]
    Malformed(&'static str),
}

/// The body as a JSON value: JSON as is, `application/x-www-form-urlencoded` as an object.
pub fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, EventError> {
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        let mut map = Map::new();
        for (k, v) in crate::verify::form_pairs(body) {
            map.insert(k, Value::String(v));
        }
        return Ok(Value::Object(map));
    }
    let error = match serde_json::from_slice(body) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    // A number beyond f64 (`1e1000`) is valid JSON that serde_json refuses; answering 400 would
    // make the sender retry for days. Such numbers are kept as strings of their exact digits.
    if error.to_string().starts_with("number out of range")
        && let Ok(text) = std::str::from_utf8(body)
        && let Ok(v) = serde_json::from_str(&widen_numbers(text))
    {
        return Ok(v);
    }
    Err(EventError::Body(format!(
        "{:?} error at line {} column {}",
        error.classify(),
        error.line(),
        error.column()
    )))
}

/// JSON text with every number that f64 cannot hold (infinite when parsed) written as a
/// string of its digits; everything else, strings included, is copied unchanged.
fn widen_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    let (mut i, mut start) = (0, 0);
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let end = bytes[i..]
                .iter()
                .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .map_or(bytes.len(), |n| i + n);
            let token = &text[i..end];
            if token.parse::<f64>().is_ok_and(f64::is_infinite) {
                out.push_str(&text[start..i]);
                out.push('"');
                out.push_str(token);
                out.push('"');
                start = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[start..]);
    out
}

/// A field of the delivery as text (strings as they are, numbers written out).
pub fn text_field(
    field: &FieldRef,
    headers: &HeaderMap,
    event: &Value,
    body: &[u8],
) -> Option<String> {
    match field {
        FieldRef::Header(name) => headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        FieldRef::Path(path) => match path.query(event).first()? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
        FieldRef::BodyHash => Some(hex::encode(Sha256::digest(body))),
    }
}

/// The event id or type, checked: present, not too long, printable.
pub fn checked(value: Option<String>, what: &'static str) -> Result<String, EventError> {
    let v = value
        .filter(|v| !v.trim().is_empty())
        .ok_or(EventError::Missing(what))?;
    if v.chars().count() > MAX_FIELD_CHARS || v.chars().any(char::is_control) {
        return Err(EventError::Malformed(what));
    }
    Ok(v)
}

/// A Unix time in seconds from a field (a number, or a string holding one).
pub fn unix_seconds(
    field: &FieldRef,
    headers: &HeaderMap,
    event: &Value,
    body: &[u8],
) -> Option<i64> {
    let text = text_field(field, headers, event, body)?;
    text.parse::<i64>()
        .ok()
        .or_else(|| text.parse::<f64>().ok().map(|f| f as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_become_objects() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let v = parse_body(&h, b"From=%2B1555&Body=hello+there&Empty=").unwrap();
        assert_eq!(
            v,
            serde_json::json!({"From": "+1555", "Body": "hello there", "Empty": ""})
        );
        assert!(matches!(
            parse_body(&HeaderMap::new(), b"{nope"),
            Err(EventError::Body(_))
        ));
    }

    #[test]
    fn numbers_beyond_f64_are_kept_as_their_digits() {
        let body = br#"{"a": 1e1000, "b": [-2E+999, 1.5], "c": "1e1000 \" 9e999", "d": 12}"#;
        assert_eq!(
            parse_body(&HeaderMap::new(), body).unwrap(),
            serde_json::json!({"a": "1e1000", "b": ["-2E+999", 1.5], "c": "1e1000 \" 9e999", "d": 12})
        );
        // Still JSON or nothing: a broken body stays a 400.
        assert!(matches!(
            parse_body(&HeaderMap::new(), br#"{"a": 1e1000,"#),
            Err(EventError::Body(_))
        ));
    }

    #[test]
    fn fields_are_checked() {
        assert_eq!(checked(Some("evt_1".into()), "id"), Ok("evt_1".into()));
        assert_eq!(checked(None, "id"), Err(EventError::Missing("id")));
        assert_eq!(
            checked(Some(" ".into()), "id"),
            Err(EventError::Missing("id"))
        );
        assert_eq!(
            checked(Some("a\nb".into()), "type"),
            Err(EventError::Malformed("type"))
        );
    }
}
