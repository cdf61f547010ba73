//! An operation: one call on a connector, with typed inputs and a response contract.

use super::{OperationPolicy, ValueTemplate};
use crate::diagnostic::Span;
use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// A `connector.operation` reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OperationRef {
    /// The connector's name.
    pub connector: String,
    /// The operation's name within the connector.
    pub operation: String,
}

impl OperationRef {
    /// Splits `connector.operation`; `None` unless there is exactly one dot with text on both sides.
    pub fn parse(s: &str) -> Option<OperationRef> {
        let (c, o) = s.split_once('.')?;
        if c.is_empty() || o.is_empty() || o.contains('.') {
            return None;
        }
        Some(OperationRef {
            connector: c.to_string(),
            operation: o.to_string(),
        })
    }
}

impl fmt::Display for OperationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.connector, self.operation)
    }
}

/// HTTP methods an operation may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// HEAD
    Head,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }

    /// Parses a method name, case-insensitively.
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            _ => return None,
        })
    }

    /// Whether repeating the request is harmless (RFC 9110 section 9.2.2); writes are not
    /// retried and ask for confirmation in a chat.
    pub fn is_idempotent(self) -> bool {
        matches!(
            self,
            Method::Get | Method::Head | Method::Put | Method::Delete
        )
    }

    /// Whether the method only reads.
    pub fn is_safe(self) -> bool {
        matches!(self, Method::Get | Method::Head)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One call on a connector.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The connector it belongs to.
    pub connector: String,
    /// Its name within the connector.
    pub name: String,
    /// A one-line description (used for LLM tools and docs).
    pub description: Option<String>,
    /// The HTTP method. On an MCP operation it stands for what the tool does (`GET` for a
    /// `read_only` tool, `POST` otherwise); the request sent is always a `POST`.
    pub method: Method,
    /// The path below the connector's base URL.
    pub path: PathTemplate,
    /// Typed inputs, in file order.
    pub inputs: IndexMap<String, Input>,
    /// Query parameters; a value that renders to null is left out.
    pub query: IndexMap<String, ValueTemplate>,
    /// Request headers; a value that renders to null is left out.
    pub headers: IndexMap<String, ValueTemplate>,
    /// The JSON request body.
    pub body: Option<ValueTemplate>,
    /// How the body is encoded.
    pub body_format: BodyFormat,
    /// What a good response looks like and what to take from it.
    pub response: ResponseSpec,
    /// Overrides the connector's timeout.
    pub timeout: Option<Duration>,
    /// Retry, breaker, rate limit, cache and idempotency settings, defaults merged in.
    pub policy: OperationPolicy,
    /// How LLM agents get it as a tool, as written.
    pub tool: super::ToolSetting,
    /// On a `type: mcp` connector, the remote tool it calls (`tools/call`); the method is
    /// then `POST` and the path empty (the connector's URL is the MCP endpoint).
    pub mcp_tool: Option<String>,
    /// Whether it is the built-in `chat` of a `type: llm` connector: its answer may be an
    /// event stream of completion chunks, folded into one completion.
    pub chat_completions: bool,
    /// Where the operation was declared.
    pub span: Span,
}

impl Operation {
    /// `connector.operation`.
    pub fn reference(&self) -> OperationRef {
        OperationRef {
            connector: self.connector.clone(),
            operation: self.name.clone(),
        }
    }
}

/// A path template such as `/orders/{order_id}`, split at parse time so that a parameter is
/// always exactly one path segment.
#[derive(Debug, Clone, PartialEq)]
pub struct PathTemplate {
    /// The template as written.
    pub source: String,
    /// Literal text and parameters, in order.
    pub parts: Vec<PathPart>,
}

impl PathTemplate {
    /// The names of the parameters, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            PathPart::Param(n) => Some(n.as_str()),
            PathPart::Literal(_) => None,
        })
    }
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq)]
pub enum PathPart {
    /// Text copied as is (already valid path characters).
    Literal(String),
    /// An input whose value becomes one percent-encoded segment.
    Param(String),
}

/// The response contract of an operation.
#[derive(Debug, Clone, Default)]
pub struct ResponseSpec {
    /// A JSON Schema (draft 2020-12 by default) the body must satisfy; already checked to be a
    /// valid schema.
    pub schema: Option<Value>,
    /// Named values taken from the body by JSONPath (RFC 9535).
    pub extract: IndexMap<String, Extract>,
}

/// One extraction: a name and a JSONPath.
#[derive(Debug, Clone)]
pub struct Extract {
    /// The JSONPath as written, such as `$.shipment.tracking_number`.
    pub source: String,
    /// The parsed path.
    pub path: serde_json_path::JsonPath,
    /// Where it was written.
    pub span: Span,
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyFormat {
    /// `application/json`.
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// The type of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// true or false.
    Boolean,
    /// A JSON object.
    Object,
}

impl InputType {
    /// The type with its article, for messages ("an integer").
    pub fn with_article(self) -> &'static str {
        match self {
            InputType::String => "a string",
            InputType::Integer => "an integer",
            InputType::Number => "a number",
            InputType::Boolean => "true or false",
            InputType::Object => "an object",
        }
    }

    /// The name used in project files and JSON Schema.
    pub fn as_str(self) -> &'static str {
        match self {
            InputType::String => "string",
            InputType::Integer => "integer",
            InputType::Number => "number",
            InputType::Boolean => "boolean",
            InputType::Object => "object",
        }
    }
}

/// A typed input of an operation.
#[derive(Debug, Clone)]
pub struct Input {
    /// The value's type.
    pub ty: InputType,
    /// Whether a value must be given (inputs with a default are never missing).
    pub required: bool,
    /// Used when no value is given.
    pub default: Option<Value>,
    /// A regular expression the whole string must match.
    pub pattern: Option<Regex>,
    /// The allowed values.
    pub allowed: Option<Vec<Value>>,
    /// Minimum string length, in characters.
    pub min_length: Option<usize>,
    /// Maximum string length, in characters.
    pub max_length: Option<usize>,
    /// Smallest allowed number.
    pub minimum: Option<f64>,
    /// Largest allowed number.
    pub maximum: Option<f64>,
    /// What the input means (used for LLM tools and prompts).
    pub description: Option<String>,
}

/// Why a value was refused for an input. The text reads after the input's name ("order_id
/// must be a string") and is safe to show a user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// The value has the wrong type and does not convert.
    #[error("must be {0}")]
    Type(&'static str),
    /// The value is not one of the allowed values.
    #[error("must be one of {0}")]
    NotAllowed(String),
    /// The string is too short.
    #[error("must be at least {0} characters long")]
    TooShort(usize),
    /// The string is too long.
    #[error("must be at most {0} characters long")]
    TooLong(usize),
    /// The string does not match the input's pattern (shown as written in the project).
    #[error("does not match the pattern {0}")]
    Pattern(String),
    /// The number is too small.
    #[error("must be at least {0}")]
    TooSmall(f64),
    /// The number is too large.
    #[error("must be at most {0}")]
    TooLarge(f64),
}

impl Input {
    /// Checks a value and converts it to the input's type. Strings that spell a number or a
    /// boolean are accepted for those types, since chat text and command lines are strings.
    pub fn validate(&self, value: &Value) -> Result<Value, InputError> {
        let v = self.coerce(value)?;
        if let Some(allowed) = &self.allowed
            && !allowed.iter().any(|a| a == &v)
        {
            let list: Vec<String> = allowed.iter().map(display_value).collect();
            return Err(InputError::NotAllowed(list.join(", ")));
        }
        match &v {
            Value::String(s) => {
                let len = s.chars().count();
                if let Some(min) = self.min_length
                    && len < min
                {
                    return Err(InputError::TooShort(min));
                }
                if let Some(max) = self.max_length
                    && len > max
                {
                    return Err(InputError::TooLong(max));
                }
                if let Some(re) = &self.pattern
                    && !re.is_match(s)
                {
                    return Err(InputError::Pattern(
                        pattern_as_written(re.as_str()).to_string(),
                    ));
                }
            }
            Value::Number(n) => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if let Some(min) = self.minimum
                    && f < min
                {
                    return Err(InputError::TooSmall(min));
                }
                if let Some(max) = self.maximum
                    && f > max
                {
                    return Err(InputError::TooLarge(max));
                }
            }
            _ => {}
        }
        Ok(v)
    }

    fn coerce(&self, value: &Value) -> Result<Value, InputError> {
        let wrong = || InputError::Type(self.ty.with_article());
        match (self.ty, value) {
            (InputType::String, Value::String(_)) => Ok(value.clone()),
            (InputType::String, Value::Number(n)) => Ok(Value::String(n.to_string())),
            (InputType::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
            (InputType::Integer, Value::Number(n)) => {
                if let Some(i) = n.as_i64() {
                    Ok(Value::from(i))
                } else {
                    match n.as_f64() {
                        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                            Ok(Value::from(f as i64))
                        }
                        _ => Err(wrong()),
                    }
                }
            }
            (InputType::Integer, Value::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| wrong()),
            (InputType::Number, Value::Number(_)) => Ok(value.clone()),
            (InputType::Number, Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(wrong),
            (InputType::Boolean, Value::Bool(_)) | (InputType::Object, Value::Object(_)) => {
                Ok(value.clone())
            }
            (InputType::Boolean, Value::String(s)) => {
                match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" => Ok(Value::Bool(true)),
                    "false" | "no" => Ok(Value::Bool(false)),
                    _ => Err(wrong()),
                }
            }
            _ => Err(wrong()),
        }
    }
}

/// Patterns are compiled anchored as `^(?:PATTERN)$`; messages show them as written.
fn pattern_as_written(compiled: &str) -> &str {
    compiled
        .strip_prefix("^(?:")
        .and_then(|p| p.strip_suffix(")$"))
        .unwrap_or(compiled)
}

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(ty: InputType) -> Input {
        Input {
            ty,
            required: true,
            default: None,
            pattern: None,
            allowed: None,
            min_length: None,
            max_length: None,
            minimum: None,
            maximum: None,
            description: None,
        }
    }

    fn check(i: &Input, given: Value, expect: Result<Value, &str>) {
        assert_eq!(
            i.validate(&given).map_err(|e| e.to_string()),
            expect.map_err(str::to_string),
            "{given}"
        );
    }

    #[test]
    fn coerces_and_checks_types() {
        let int = input(InputType::Integer);
        check(&int, "42".into(), Ok(42.into()));
        check(&int, 7.0.into(), Ok(7.into()));
        check(&int, "4x".into(), Err("must be an integer"));
        let num = input(InputType::Number);
        check(&num, "2.5".into(), Ok(2.5.into()));
        check(&num, "NaN".into(), Err("must be a number"));
        let b = input(InputType::Boolean);
        check(&b, "yes".into(), Ok(true.into()));
        let s = input(InputType::String);
        check(&s, 1001.into(), Ok("1001".into()));
        check(&s, Value::Null, Err("must be a string"));
    }

    #[test]
    fn checks_constraints() {
        let mut s = input(InputType::String);
        s.pattern = Some(Regex::new("^(?:[A-Z0-9-]{3,20})$").unwrap());
        s.max_length = Some(5);
        check(&s, "A-1".into(), Ok("A-1".into()));
        check(
            &s,
            "ABCDEF".into(),
            Err("must be at most 5 characters long"),
        );
        check(
            &s,
            "a/b".into(),
            Err("does not match the pattern [A-Z0-9-]{3,20}"),
        );
        let mut n = input(InputType::Integer);
        n.minimum = Some(1.0);
        n.maximum = Some(10.0);
        check(&n, 0.into(), Err("must be at least 1"));
        check(&n, 11.into(), Err("must be at most 10"));
        let mut e = input(InputType::String);
        e.allowed = Some(vec!["USD".into(), "EUR".into()]);
        check(&e, "GBP".into(), Err("must be one of USD, EUR"));
    }

    #[test]
    fn operation_ref_parses_exactly_one_dot() {
        assert_eq!(
            OperationRef::parse("store.get_order").unwrap().to_string(),
            "store.get_order"
        );
        assert!(OperationRef::parse("store").is_none());
        assert!(OperationRef::parse("a.b.c").is_none());
        assert!(OperationRef::parse(".b").is_none());
    }
}
