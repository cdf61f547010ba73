//! Operations: one call on a connector, with typed inputs, request templates and a response
//! contract.

use super::common::{JsonPathDoc, RawDuration, RawValue, Spanned, ValueTemplateDoc};
use super::policy::{RawCache, RawCircuitBreaker, RawRateLimit, RawRetry};
use super::tools::RawToolSetting;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

/// One call on a connector. Its templates see `inputs` only.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Operation")]
pub struct RawOperation {
    /// What the operation does, in one line (LLM agents see it as the tool's description).
    pub description: Option<String>,
    /// The HTTP method: `GET`, `POST`, `PUT`, `PATCH`, `DELETE` or `HEAD`, in any case.
    /// Default: `GET`.
    pub method: Option<Spanned<String>>,
    /// The path below the base URL, starting with `/`. `{name}` inserts the input `name`,
    /// percent-encoded (`/orders/{order_id}`, `/files/{id}.json`). Required, except on a
    /// `type: mcp` connector (which has none).
    pub path: Option<Spanned<String>>,
    /// On a `type: mcp` connector: the name of the remote tool this operation calls, with
    /// the inputs as its arguments. Default: the operation's name.
    pub mcp_tool: Option<Spanned<String>>,
    /// On a `type: mcp` connector: whether the remote tool only reads (as its `readOnlyHint`
    /// says). A read-only tool is treated as a `GET`: retried, cacheable, run by intents
    /// without a confirmation question, offered to agents as read-only. Default: `false` (a
    /// write, as a `POST`). The request itself is always a `POST` of `tools/call`.
    pub read_only: Option<Spanned<bool>>,
    /// Typed inputs, by name: a type alone (`string`, `integer`, `number`, `boolean`) or a
    /// map with `type` and constraints.
    #[serde(default)]
    pub inputs: IndexMap<Spanned<String>, Spanned<RawInput>>,
    /// Query parameters: name → value template. A value that renders to null is left out.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, ValueTemplateDoc>")]
    pub query: IndexMap<Spanned<String>, RawValue>,
    /// Request headers: name → value template. A value that renders to null is left out.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, ValueTemplateDoc>")]
    pub headers: IndexMap<Spanned<String>, RawValue>,
    /// The JSON request body: any value whose string leaves are templates.
    #[schemars(with = "Option<ValueTemplateDoc>")]
    pub body: Option<RawValue>,
    /// How `body` is sent: `json` (`application/json`) or `form`
    /// (`application/x-www-form-urlencoded`: the body must be a map; a list value repeats its
    /// name, a null value is left out). Default: `json`.
    pub body_format: Option<Spanned<RawBodyFormat>>,
    /// Time allowed for one attempt. Default: the connector's `timeout`.
    pub timeout: Option<Spanned<RawDuration>>,
    /// What a good response looks like, and what to take from it.
    pub response: Option<Spanned<RawResponse>>,
    /// A header (such as `Idempotency-Key`) that carries a key generated once per call and
    /// sent unchanged on every attempt, so the upstream applies a retried write only once;
    /// it makes a `POST` or `PATCH` safe to retry. A value the `headers` map sets for the same
    /// header wins. Default: none.
    pub idempotency_key: Option<Spanned<String>>,
    /// Retry settings that replace the connector's, key by key. Default: the connector's.
    pub retry: Option<Spanned<RawRetry>>,
    /// Circuit breaker settings that replace the connector's, key by key. Default: the
    /// connector's.
    pub circuit_breaker: Option<Spanned<RawCircuitBreaker>>,
    /// A rate limit of the operation's own, instead of the connector's shared one.
    /// Default: the connector's.
    pub rate_limit: Option<Spanned<RawRateLimit>>,
    /// Cache settings that replace the connector's, key by key. Default: the connector's.
    pub cache: Option<Spanned<RawCache>>,
    /// Operations whose cached results are dropped after this one succeeds (a booking
    /// invalidates the list of free slots): names of this connector's operations or
    /// `connector.operation`. Default: none.
    #[serde(default)]
    pub invalidate: Vec<Spanned<String>>,
    /// Whether and how LLM agents get this operation as a tool: `true`, `false`, or a map
    /// (see [tool](#tool)). Default: the connector's `tools`, else the project's
    /// `tools.expose`.
    pub tool: Option<Spanned<RawToolSetting>>,
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "BodyFormat")]
pub enum RawBodyFormat {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// The type of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "InputType")]
pub enum RawInputType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON object, passed whole (a request body built by the caller, such as a message to a
    /// messaging channel). Never filled from a user's words.
    Object,
}

/// An input: a type alone, or a map with a type and constraints.
#[derive(Debug, JsonSchema)]
#[schemars(untagged, rename = "Input")]
pub enum RawInput {
    /// A type alone: a required input of that type.
    Type(RawInputType),
    /// A type with constraints.
    Spec(RawInputSpec),
}

/// An input with constraints. Values from users and agents are checked against them before
/// any request is sent.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "InputSpec")]
pub struct RawInputSpec {
    /// `string`, `integer`, `number`, `boolean` or `object`. Required.
    #[serde(rename = "type")]
    pub ty: Spanned<RawInputType>,
    /// Whether a value must be given. Default: `true`, unless a `default` is given.
    pub required: Option<Spanned<bool>>,
    /// Used when no value is given; it must itself be a valid value.
    pub default: Option<RawValue>,
    /// A regular expression the whole value must match (it is anchored as `^(?:...)$`).
    /// Strings only.
    pub pattern: Option<Spanned<String>>,
    /// The allowed values.
    #[serde(rename = "enum")]
    pub allowed: Option<Spanned<Vec<RawValue>>>,
    /// Minimum length in characters. Strings only.
    pub min_length: Option<Spanned<u64>>,
    /// Maximum length in characters. Strings only.
    pub max_length: Option<Spanned<u64>>,
    /// Smallest allowed value. Numbers only.
    pub minimum: Option<Spanned<f64>>,
    /// Largest allowed value. Numbers only.
    pub maximum: Option<Spanned<f64>>,
    /// What the input means (LLM agents and prompts see it).
    pub description: Option<String>,
}

impl<'de> Deserialize<'de> for RawInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawInput;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a type (string, integer, number or boolean) or a map with `type`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawInput, E> {
                RawInputType::deserialize(de::value::StrDeserializer::<E>::new(v))
                    .map(RawInput::Type)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawInput, A::Error> {
                RawInputSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawInput::Spec)
            }
        }
        d.deserialize_any(V)
    }
}

/// The response contract.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Response")]
pub struct RawResponse {
    /// An inline JSON Schema the body must satisfy (draft 2020-12 unless `$schema` says
    /// otherwise; remote `$ref`s are not fetched).
    #[schemars(with = "Option<serde_json::Value>")]
    pub schema: Option<RawValue>,
    /// A file holding the JSON Schema, JSON or YAML, relative to this file. Use this or
    /// `schema`, not both.
    pub schema_file: Option<Spanned<String>>,
    /// Values to take from the body: name → JSONPath (RFC 9535). Intent templates read them
    /// as `steps.STEP.NAME`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, JsonPathDoc>")]
    pub extract: IndexMap<Spanned<String>, Spanned<String>>,
}
