//! The errors of the position-keeping deserializer: a position, the keys leading to the
//! mapping it is in, and what went wrong, worded for users.

use crate::raw::common::Pos;
use crate::suggest;
use serde::de;
use std::fmt;

/// What went wrong while reading a value, before the item it belongs to is known.
#[derive(Debug, Clone, PartialEq)]
pub enum DeErrorKind {
    /// A key the section does not have.
    UnknownKey {
        key: String,
        expected: &'static [&'static str],
    },
    /// A required key that is absent.
    MissingKey(&'static str),
    /// Anything else, as a full sentence.
    Message(String),
}

/// A deserialization error with the position it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    /// Where.
    pub pos: Option<Pos>,
    /// The keys leading from the item to the mapping the error is in (`auth`, `inputs.id`).
    pub at: Option<String>,
    /// What.
    pub kind: DeErrorKind,
}

impl DeError {
    pub(crate) fn new(kind: DeErrorKind) -> DeError {
        DeError {
            pos: None,
            at: None,
            kind,
        }
    }

    /// The message, naming the item the error is in (`connector "store"`).
    pub fn message(&self, item: &str) -> String {
        let place = match self.at.as_deref() {
            None | Some("") => item.to_string(),
            Some(at) => format!("{at} of {item}"),
        };
        match &self.kind {
            DeErrorKind::UnknownKey { key, expected } => {
                let hint = suggest::did_you_mean(key, expected.iter().copied());
                if expected.is_empty() {
                    format!("unknown key {key:?} in {place} (it takes no other keys)")
                } else {
                    format!("unknown key {key:?} in {place}{hint}")
                }
            }
            DeErrorKind::MissingKey(key) => format!("missing key {key:?} in {place}"),
            DeErrorKind::Message(m) => m.clone(),
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message("the file"))
    }
}

impl std::error::Error for DeError {}

fn expected_text(exp: &dyn de::Expected) -> String {
    let s = exp.to_string();
    if s.starts_with("struct ") || s == "a map" || s.starts_with("enum ") {
        "a map".into()
    } else if s == "a sequence" || s.starts_with("a sequence") || s.starts_with("tuple") {
        "a list".into()
    } else if s == "a boolean" {
        "true or false".into()
    } else {
        s
    }
}

fn unexpected_text(u: de::Unexpected) -> String {
    match u {
        de::Unexpected::Str(s) => format!("{s:?}"),
        de::Unexpected::Unit | de::Unexpected::Option => "nothing".into(),
        de::Unexpected::Map => "a map".into(),
        de::Unexpected::Seq => "a list".into(),
        de::Unexpected::Bool(b) => b.to_string(),
        de::Unexpected::Signed(i) => i.to_string(),
        de::Unexpected::Unsigned(i) => i.to_string(),
        de::Unexpected::Float(f) => f.to_string(),
        other => other.to_string(),
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(DeErrorKind::Message(msg.to_string()))
    }
    fn invalid_type(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        if let de::Unexpected::UnitVariant = unexp {
            return DeError::new(DeErrorKind::Message(
                "expected a map with \"type\" and its keys, found a name alone".into(),
            ));
        }
        DeError::new(DeErrorKind::Message(format!(
            "expected {}, found {}",
            expected_text(exp),
            unexpected_text(unexp)
        )))
    }
    fn invalid_value(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        Self::invalid_type(unexp, exp)
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError::new(DeErrorKind::UnknownKey {
            key: field.to_string(),
            expected,
        })
    }
    fn missing_field(field: &'static str) -> Self {
        DeError::new(DeErrorKind::MissingKey(field))
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let hint = suggest::did_you_mean(variant, expected.iter().copied());
        DeError::new(DeErrorKind::Message(format!(
            "expected one of {}, found {variant:?}{hint}",
            expected.join(", ")
        )))
    }
    fn duplicate_field(field: &'static str) -> Self {
        DeError::new(DeErrorKind::Message(format!(
            "key {field:?} is given twice"
        )))
    }
}
