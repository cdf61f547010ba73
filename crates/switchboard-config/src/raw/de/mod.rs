//! A serde deserializer over marked-yaml nodes that keeps positions: every error carries the
//! line and column of the value (or key) it is about, and [`Spanned`](super::Spanned) values
//! learn where they were written.
//!
//! Scalars are strings in YAML; an unquoted scalar read as "any value" becomes null, a boolean
//! or a number when it spells one (YAML 1.2 core schema), a quoted one always stays a string.
//! A mapping read as an enum is internally tagged by its `type` key.
//!
//! Why this exists rather than `#[serde(tag = "type")]` over marked-yaml's own deserializer:
//! serde_derive reads an internally tagged (or untagged, or flattened) value by first buffering
//! it into its private `Content` tree and then replaying that tree through its own
//! `ContentDeserializer`. The replay no longer knows any YAML node, so every error inside such
//! a variant (an unknown key, a wrong type) would lose its file:line:col, and no
//! [`Spanned`](super::Spanned) field in it could learn where it was written (the
//! [`SPANNED_NAME`] request never reaches a deserializer that has a position). The project
//! file's "kind of thing" values (connector auth, webhook verification, platform auth,
//! storage) are such enums, so the raw types derive plain serde enums, declare the tag only to
//! the schema (`#[schemars(tag = "type")]`), and this deserializer reads a mapping's `type` key
//! as the variant itself (`access::Tagged`), handing the other keys to the variant as struct
//! fields through the same positioned deserializer. Do not put `#[serde(tag)]`,
//! `#[serde(untagged)]` or `#[serde(flatten)]` on raw types: their diagnostics would silently
//! lose their positions.

mod access;
mod error;

use access::{MapAcc, SeqAcc, SpannedAcc, Tagged};
pub use error::{DeError, DeErrorKind};

use super::common::Pos;
use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;
use serde::de::{self, IntoDeserializer, Visitor};

/// The struct name that asks this deserializer for a position (see `Spanned`).
pub const SPANNED_NAME: &str = "$switchboard::Spanned";
/// The fields of the positioned struct, in the order they are sent.
pub const SPANNED_FIELDS: &[&str] = &["$source", "$line", "$col", "$value"];

/// The position of a node.
pub fn pos_of(node: &Node) -> Pos {
    span_pos(node.span())
}

/// The position of a scalar (a mapping key, say).
pub fn scalar_pos(node: &MarkedScalarNode) -> Pos {
    span_pos(node.span())
}

fn span_pos(span: &marked_yaml::Span) -> Pos {
    match span.start() {
        Some(m) => Pos {
            source: m.source(),
            line: u32::try_from(m.line()).unwrap_or(u32::MAX),
            col: u32::try_from(m.column()).unwrap_or(u32::MAX),
        },
        None => Pos::default(),
    }
}

/// Reads a `T` from a node. `key_pos` is where the key that introduced the node is (missing
/// keys are reported there).
pub fn from_node<T: de::DeserializeOwned>(node: &Node, key_pos: Option<Pos>) -> Result<T, DeError> {
    T::deserialize(De {
        node,
        key_pos,
        path: String::new(),
    })
}

/// The deserializer for one node.
pub struct De<'a> {
    node: &'a Node,
    key_pos: Option<Pos>,
    path: String,
}

fn is_null(s: &MarkedScalarNode) -> bool {
    s.may_coerce() && matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL")
}

fn plain_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    !t.is_empty()
        && t.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> De<'a> {
    fn child(&self, node: &'a Node, key_pos: Option<Pos>, key: &str) -> De<'a> {
        De {
            node,
            key_pos,
            path: join(&self.path, key),
        }
    }

    fn pos(&self) -> Pos {
        pos_of(self.node)
    }

    /// Attaches this node's position and path to an error that has none yet.
    fn finish<T>(&self, r: Result<T, DeError>) -> Result<T, DeError> {
        r.map_err(|mut e| {
            if e.pos.is_none() {
                e.pos = Some(match e.kind {
                    DeErrorKind::MissingKey(_) => self.key_pos.unwrap_or_else(|| self.pos()),
                    _ => self.pos(),
                });
            }
            if e.at.is_none() && !matches!(e.kind, DeErrorKind::Message(_)) {
                e.at = Some(self.path.clone());
            }
            e
        })
    }

    fn scalar(&self) -> Option<&'a MarkedScalarNode> {
        self.node.as_scalar()
    }

    fn parse_scalar<T: std::str::FromStr>(&self, what: &str) -> Result<T, DeError> {
        match self.scalar() {
            Some(s) => s.as_str().trim().parse::<T>().map_err(|_| {
                DeError::new(DeErrorKind::Message(format!(
                    "expected {what}, found {:?}",
                    s.as_str()
                )))
            }),
            None => Err(DeError::new(DeErrorKind::Message(format!(
                "expected {what}, found {}",
                self.kind_name()
            )))),
        }
    }

    fn kind_name(&self) -> &'static str {
        match self.node {
            Node::Scalar(_) => "a value",
            Node::Mapping(_) => "a map",
            Node::Sequence(_) => "a list",
        }
    }

    fn any<'de, V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, DeError> {
        match self.node {
            Node::Scalar(s) => {
                let text = s.as_str();
                if !s.may_coerce() {
                    return visitor.visit_str(text);
                }
                if is_null(s) {
                    return visitor.visit_unit();
                }
                if let Some(b) = plain_bool(text) {
                    return visitor.visit_bool(b);
                }
                if looks_numeric(text) {
                    if let Ok(i) = text.parse::<i64>() {
                        return visitor.visit_i64(i);
                    }
                    if let Ok(u) = text.parse::<u64>() {
                        return visitor.visit_u64(u);
                    }
                    if let Ok(f) = text.parse::<f64>()
                        && f.is_finite()
                    {
                        return visitor.visit_f64(f);
                    }
                }
                visitor.visit_str(text)
            }
            Node::Mapping(m) => visitor.visit_map(MapAcc::new(self, m.iter().collect())),
            Node::Sequence(s) => visitor.visit_seq(SeqAcc {
                de: self,
                items: s.iter().enumerate(),
            }),
        }
    }
}

macro_rules! parse_number {
    ($($method:ident $visit:ident $ty:ty, $what:literal;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                let r = self.parse_scalar::<$ty>($what).and_then(|v| visitor.$visit(v));
                self.finish(r)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = self.any(visitor);
        self.finish(r)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.scalar().and_then(|s| plain_bool(s.as_str())) {
            Some(b) => visitor.visit_bool(b),
            None => {
                let found = self
                    .scalar()
                    .map(|s| format!("{:?}", s.as_str()))
                    .unwrap_or_else(|| self.kind_name().into());
                Err(DeError::new(DeErrorKind::Message(format!(
                    "expected true or false, found {found}"
                ))))
            }
        };
        self.finish(r)
    }

    parse_number! {
        deserialize_i8 visit_i8 i8, "a whole number";
        deserialize_i16 visit_i16 i16, "a whole number";
        deserialize_i32 visit_i32 i32, "a whole number";
        deserialize_i64 visit_i64 i64, "a whole number";
        deserialize_u8 visit_u8 u8, "a whole number";
        deserialize_u16 visit_u16 u16, "a whole number";
        deserialize_u32 visit_u32 u32, "a whole number";
        deserialize_u64 visit_u64 u64, "a whole number";
        deserialize_f32 visit_f32 f32, "a number";
        deserialize_f64 visit_f64 f64, "a number";
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.scalar() {
            Some(s) if !is_null(s) => visitor.visit_str(s.as_str()),
            _ => self.any(visitor),
        };
        self.finish(r)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.scalar() {
            Some(s) => visitor.visit_str(s.as_str()),
            None => self.any(visitor),
        };
        self.finish(r)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(s) if is_null(s) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.scalar() {
            Some(s) if is_null(s) => visitor.visit_unit(),
            _ => self.any(visitor),
        };
        self.finish(r)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.scalar() {
            Some(s) if is_null(s) => visitor.visit_seq(SeqAcc {
                de: &self,
                items: [].iter().enumerate(),
            }),
            _ => self.any(visitor),
        };
        self.finish(r)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match self.scalar() {
            Some(s) if is_null(s) => visitor.visit_map(MapAcc::new(&self, Vec::new())),
            _ => self.any(visitor),
        };
        self.finish(r)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == SPANNED_NAME {
            return visitor.visit_map(SpannedAcc {
                de: Some(self),
                step: 0,
            });
        }
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let r = match self.node {
            Node::Scalar(s) => {
                let d: de::value::StrDeserializer<'_, DeError> = s.as_str().into_deserializer();
                visitor.visit_enum(d)
            }
            Node::Mapping(m) => match m.iter().find(|(k, _)| k.as_str() == "type") {
                Some((k, tag)) => {
                    let rest = m.iter().filter(|(k, _)| k.as_str() != "type").collect();
                    visitor.visit_enum(Tagged {
                        de: &self,
                        tag,
                        tag_pos: scalar_pos(k),
                        rest,
                    })
                }
                None => Err(DeError::new(DeErrorKind::MissingKey("type"))),
            },
            Node::Sequence(_) => Err(DeError::new(DeErrorKind::Message(
                "expected a map with a \"type\" key, found a list".into(),
            ))),
        };
        self.finish(r)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit_struct tuple tuple_struct
    }
}
