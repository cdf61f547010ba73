//! What the tool gateway offers LLM agents: the project's default and each operation's or
//! intent's own setting, as written. The runtime's catalog resolves them (operation or
//! intent, then connector, then project) and fills the defaults that depend on the method.

/// An operation's or intent's `tool` key; `None` where the file says nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolSetting {
    /// Whether it is a tool.
    pub expose: Option<bool>,
    /// The tool's name (already checked against `^[a-zA-Z0-9_-]{1,64}$` and for uniqueness
    /// among the names the file gives).
    pub name: Option<String>,
    /// What an agent reads.
    pub description: Option<String>,
    /// Whether a person must confirm each call.
    pub confirm: Option<bool>,
    /// MCP's `destructiveHint`.
    pub destructive: Option<bool>,
}

/// The project's `tools` section.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolsSettings {
    /// Whether operations and intents are tools unless they say otherwise.
    pub expose: bool,
}

impl Default for ToolsSettings {
    fn default() -> Self {
        ToolsSettings { expose: true }
    }
}

/// Whether `name` fits the tool name rule: 1 to 64 of `a-z A-Z 0-9 _ -`.
pub fn is_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
