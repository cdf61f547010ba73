//! The `tools` section and the `tool` key of operations and intents: what the tool gateway
//! offers LLM agents, and how.

use super::common::Spanned;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

/// Project-wide tool settings for the tool gateway (`/mcp`, `/v1/tools`, `tools export`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Tools")]
pub struct RawTools {
    /// Whether operations and intents with steps are tools unless they (or their connector's
    /// `tools`) say otherwise: `true` offers everything and each opts out with `tool: false`;
    /// `false` offers only what opts in with `tool: true`. Default: `true`.
    pub expose: Option<Spanned<bool>>,
}

/// How an operation or intent is offered as a tool: `true`, `false`, or a map.
#[derive(Debug, JsonSchema)]
#[schemars(untagged, rename = "ToolSetting")]
pub enum RawToolSetting {
    /// Offered (`true`) or not (`false`), with the defaults.
    Expose(bool),
    /// Offered, with settings.
    Spec(RawToolSpec),
}

/// A tool's settings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ToolSpec")]
pub struct RawToolSpec {
    /// Whether it is a tool. Default: `true` when this map is given.
    pub expose: Option<Spanned<bool>>,
    /// The tool's name, 1 to 64 of `a-z A-Z 0-9 _ -`, unique among the tools. Default:
    /// `connector_operation` for an operation, the intent's name for an intent, made to fit
    /// (other characters become `_`) and unique (a number added).
    pub name: Option<Spanned<String>>,
    /// What an agent reads to choose the tool. Default: the operation's or intent's
    /// `description`, else the method and path (operations) or the first example (intents).
    pub description: Option<String>,
    /// Whether the person behind the agent must confirm each call before anything is sent.
    /// Default: `true` when it writes (an operation with a method other than `GET` and
    /// `HEAD`, an intent with such a step), else `false`. `false` on a write lets an agent
    /// call it unconfirmed.
    pub confirm: Option<Spanned<bool>>,
    /// Whether a call may destroy or overwrite data (MCP's `destructiveHint`). Default: `true`
    /// when it writes, else `false`; say `false` for an additive write such as creating a
    /// ticket.
    pub destructive: Option<Spanned<bool>>,
}

impl<'de> Deserialize<'de> for RawToolSetting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawToolSetting;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "true, false, or a map with expose, name, description, confirm, destructive",
                )
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawToolSetting, E> {
                Ok(RawToolSetting::Expose(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawToolSetting, A::Error> {
                RawToolSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawToolSetting::Spec)
            }
        }
        d.deserialize_any(V)
    }
}
