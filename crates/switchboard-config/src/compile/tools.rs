//! The `tools` section and each operation's and intent's `tool` key: names checked against
//! the rule clients enforce (`^[a-zA-Z0-9_-]{1,64}$`) and for uniqueness, so that a clash is
//! a load error with its position rather than a renamed tool an agent cannot find.

use super::Ctx;
use crate::model::{ToolSetting, ToolsSettings, is_tool_name};
use crate::raw::{RawToolSetting, RawTools, Spanned};

/// The project-wide settings.
pub(crate) fn settings(raw: Option<&Spanned<RawTools>>) -> ToolsSettings {
    let mut s = ToolsSettings::default();
    if let Some(e) = raw.and_then(|r| r.value.expose.as_ref()) {
        s.expose = e.value;
    }
    s
}

/// One `tool` key; a name given twice in the project is an error at the second.
pub(crate) fn setting(ctx: &mut Ctx, raw: Option<&Spanned<RawToolSetting>>) -> ToolSetting {
    let Some(raw) = raw else {
        return ToolSetting::default();
    };
    match &raw.value {
        RawToolSetting::Expose(b) => ToolSetting {
            expose: Some(*b),
            ..Default::default()
        },
        RawToolSetting::Spec(spec) => {
            let name = spec.name.as_ref().and_then(|n| {
                if !is_tool_name(&n.value) {
                    ctx.error(
                        n.pos,
                        format!(
                            "tool name {:?} must be 1 to 64 of a-z, A-Z, 0-9, _ and - (what MCP, OpenAI and Anthropic clients accept)",
                            n.value
                        ),
                    );
                    return None;
                }
                if let Some(first) = ctx.tool_names.get(&n.value) {
                    let at = ctx.place(*first);
                    ctx.error(
                        n.pos,
                        format!("tool name {:?} is already used at {at}; tool names must be unique", n.value),
                    );
                    return None;
                }
                ctx.tool_names.insert(n.value.clone(), n.pos);
                Some(n.value.clone())
            });
            ToolSetting {
                expose: Some(spec.expose.as_ref().is_none_or(|e| e.value)),
                name,
                description: spec.description.clone(),
                confirm: spec.confirm.as_ref().map(|c| c.value),
                destructive: spec.destructive.as_ref().map(|d| d.value),
            }
        }
    }
}
