//! The catalog in the shapes the model APIs take, for `switchboard tools export`: OpenAI's
//! function tools in strict mode, Anthropic's tools, and MCP's `tools/list` entries.
//!
//! The OpenAI form is `ToolDef::openai` (the chat turn's agent mode sends the same).

use crate::catalog::Catalog;
use serde_json::{Value, json};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OpenAI function tools (Chat Completions and Responses), strict mode.
    Openai,
    /// Anthropic Messages API tools.
    Anthropic,
    /// MCP `tools/list` entries.
    Mcp,
}

impl Format {
    /// Every format, by name.
    pub const ALL: [(&'static str, Format); 3] = [
        ("openai", Format::Openai),
        ("anthropic", Format::Anthropic),
        ("mcp", Format::Mcp),
    ];
}

/// The catalog as a JSON array in `format`.
pub fn export(catalog: &Catalog, format: Format) -> Value {
    Value::Array(
        catalog
            .all()
            .iter()
            .map(|t| match format {
                Format::Openai => t.openai(),
                Format::Anthropic => json!({
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.input_schema,
                }),
                Format::Mcp => t.mcp(),
            })
            .collect(),
    )
}
