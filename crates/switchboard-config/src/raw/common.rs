//! Value types shared by every section: positions, durations, any-YAML values, and the
//! schema-only types that give templates, expressions and secret references their own name
//! in the generated reference.

use super::de::SPANNED_FIELDS;
use super::de::SPANNED_NAME;
use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::time::Duration;

/// A position in a source file: the index of the file in the loader's file table, and a line
/// and column counting from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Index into the loader's file table.
    pub source: usize,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

/// A value with the position it was written at.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// Where the value starts.
    pub pos: Pos,
    /// The value.
    pub value: T,
}

impl<T> Spanned<T> {
    /// A value at a position.
    pub fn new(pos: Pos, value: T) -> Spanned<T> {
        Spanned { pos, value }
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: Hash> Hash for Spanned<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl std::borrow::Borrow<str> for Spanned<String> {
    fn borrow(&self) -> &str {
        &self.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value with a position")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
                let mut pos = Pos::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "$source" => pos.source = map.next_value()?,
                        "$line" => pos.line = map.next_value()?,
                        "$col" => pos.col = map.next_value()?,
                        _ => {
                            return Ok(Spanned {
                                pos,
                                value: map.next_value()?,
                            });
                        }
                    }
                }
                Err(de::Error::custom("a positioned value is missing"))
            }
        }
        d.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, V(std::marker::PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        T::json_schema(g)
    }
}

/// Any YAML value, with positions kept on every node (request bodies, defaults, inline JSON
/// Schemas, step arguments).
#[derive(Debug, Clone)]
pub struct RawValue {
    /// Where the value starts.
    pub pos: Pos,
    /// The value.
    pub kind: RawValueKind,
}

/// The shape of a [`RawValue`].
#[derive(Debug, Clone)]
pub enum RawValueKind {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`, unquoted.
    Bool(bool),
    /// An unquoted number.
    Number(serde_json::Number),
    /// Any other scalar, or a quoted one.
    String(String),
    /// A list.
    Seq(Vec<RawValue>),
    /// A mapping, in file order.
    Map(IndexMap<Spanned<String>, RawValue>),
}

impl RawValue {
    /// The value as JSON, positions dropped.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            RawValueKind::Null => Value::Null,
            RawValueKind::Bool(b) => Value::Bool(*b),
            RawValueKind::Number(n) => Value::Number(n.clone()),
            RawValueKind::String(s) => Value::String(s.clone()),
            RawValueKind::Seq(items) => Value::Array(items.iter().map(RawValue::to_json).collect()),
            RawValueKind::Map(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.value.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The node a JSON pointer (`/properties/status/type`) leads to, as far as it goes.
    pub fn at_pointer(&self, pointer: &str) -> &RawValue {
        let mut node = self;
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            let next = match &node.kind {
                RawValueKind::Map(m) => m.get(seg.as_str()),
                RawValueKind::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// A short description of the value's kind, for messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            RawValueKind::Null => "nothing".into(),
            RawValueKind::Bool(b) => b.to_string(),
            RawValueKind::Number(n) => n.to_string(),
            RawValueKind::String(s) => format!("{s:?}"),
            RawValueKind::Seq(_) => "a list".into(),
            RawValueKind::Map(_) => "a map".into(),
        }
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<RawValueKind>::deserialize(d)?;
        Ok(RawValue {
            pos: s.pos,
            kind: s.value,
        })
    }
}

impl<'de> Deserialize<'de> for RawValueKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawValueKind;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_unit<E>(self) -> Result<RawValueKind, E> {
                Ok(RawValueKind::Null)
            }
            fn visit_none<E>(self) -> Result<RawValueKind, E> {
                Ok(RawValueKind::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<RawValueKind, E> {
                Ok(RawValueKind::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawValueKind, E> {
                Ok(RawValueKind::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawValueKind, E> {
                Ok(RawValueKind::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValueKind, E> {
                serde_json::Number::from_f64(v)
                    .map(RawValueKind::Number)
                    .ok_or_else(|| E::custom(format!("{v} is not a number JSON can hold")))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawValueKind, E> {
                Ok(RawValueKind::String(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValueKind, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(RawValueKind::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValueKind, A::Error> {
                let mut m = IndexMap::new();
                while let Some((k, v)) = map.next_entry::<Spanned<String>, RawValue>()? {
                    m.insert(k, v);
                }
                Ok(RawValueKind::Map(m))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RawValue {
    fn schema_name() -> Cow<'static, str> {
        "AnyValue".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({})
    }
}

/// A duration such as `200ms`, `2s`, `1.5s`, `5m` or `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDuration(pub Duration);

/// Parses `200ms`, `2s`, `1.5s`, `5m`, `1h`, `30d`; the error is a full sentence.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let unit_at = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(unit_at);
    let unit = unit.trim();
    let bad = || format!("expected a duration like \"2s\", found {s:?}");
    if num.is_empty() {
        return Err(bad());
    }
    let n: f64 = num.parse().map_err(|_| bad())?;
    let factor = match unit {
        "" => return Err(format!("{} (add a unit, e.g. {num}s)", bad())),
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return Err(format!("{} (units: ms, s, m, h, d)", bad())),
    };
    let secs = n * factor;
    if !secs.is_finite() || secs > 1.0e9 {
        return Err(format!("duration {s:?} is too long"));
    }
    Ok(Duration::from_secs_f64(secs))
}

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s)
            .map(RawDuration)
            .map_err(de::Error::custom)
    }
}

impl JsonSchema for RawDuration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: a number and a unit (`ms`, `s`, `m`, `h`, `d`), such as `200ms`, `2s`, `1.5s`, `5m`, `1h` or `30d`.",
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$"
        })
    }
}

macro_rules! doc_string_type {
    ($name:ident, $schema_name:literal, $desc:literal) => {
        #[doc = $desc]
        pub struct $name;
        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                $schema_name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "description": $desc, "type": "string" })
            }
        }
    };
}

doc_string_type!(
    TemplateDoc,
    "Template",
    "A minijinja template: text with `{{ expression }}` and `{% ... %}` blocks, parsed when the project loads."
);
doc_string_type!(
    ExpressionDoc,
    "Expression",
    "A minijinja expression without braces, such as `steps.order.tracking` or `slots.amount > 100`; parsed when the project loads."
);
doc_string_type!(
    SecretDoc,
    "SecretRef",
    "A value that may hold references: `${env:NAME}` reads an environment variable, `${env:NAME:-default}` uses the default when the variable is unset or empty (not for credentials: the default would be a credential written in the file), `${file:PATH}` reads a file (relative to the file it is written in, trailing newline trimmed)."
);
doc_string_type!(
    JsonPathDoc,
    "JsonPath",
    "A JSONPath (RFC 9535), such as `$.shipment.tracking_number`."
);

/// Any value whose string leaves are templates (schema and reference only).
pub struct ValueTemplateDoc;

impl JsonSchema for ValueTemplateDoc {
    fn schema_name() -> Cow<'static, str> {
        "ValueTemplate".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Any value. A string that is exactly `{{ expression }}` keeps the expression's type (a number stays a number); other strings with `{{` or `{%` are text templates; maps and lists may hold both."
        })
    }
}
