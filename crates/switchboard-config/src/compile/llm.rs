//! The `llm` section: the connector it names must be a `type: llm` one, the modes must fit
//! together, the numbers must be in range, and the system prompt is a bot-scope template.

use super::Ctx;
use super::connector::duration;
use super::templates::{self, Scope, Slots};
use crate::model::{
    CHAT_OPERATION, Connector, Intent, LlmLimits, LlmPrices, LlmSettings, UnderstandWhen,
};
use crate::raw::{RawLlm, RawLlmMode, RawUnderstandWhen, Spanned};
use crate::suggest::did_you_mean;
use indexmap::IndexMap;
use std::time::Duration;

const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// Compiles `llm:`; `None` when absent or when its connector is unusable (reported).
pub(crate) fn llm(
    ctx: &mut Ctx,
    raw: Option<&Spanned<RawLlm>>,
    connectors: &IndexMap<String, Connector>,
    intents: &IndexMap<String, Intent>,
    slots: &Slots,
) -> Option<LlmSettings> {
    let Some(raw) = raw else {
        for i in intents.values() {
            if i.llm_reply == Some(true) {
                ctx.diags.push(crate::diagnostic::Diagnostic::error(
                    i.span.clone(),
                    format!(
                        "intent {:?} has llm_reply: true but the project has no llm section; add llm: {{ connector, model }}",
                        i.name
                    ),
                ));
            }
        }
        return None;
    };
    let r = &raw.value;
    let connector = match connectors.get(&r.connector.value) {
        Some(c)
            if c.operations
                .get(CHAT_OPERATION)
                .is_some_and(|o| o.chat_completions) =>
        {
            Some(c)
        }
        Some(_) => {
            ctx.error(
                r.connector.pos,
                format!(
                    "connector {:?} is not a language model; give it type: llm (its chat operation is then built in)",
                    r.connector.value
                ),
            );
            None
        }
        None => {
            let hint = did_you_mean(&r.connector.value, connectors.keys().map(String::as_str));
            ctx.error(
                r.connector.pos,
                format!(
                    "llm uses connector {:?}, which is not defined{hint}",
                    r.connector.value
                ),
            );
            None
        }
    };
    if let Some(c) = connector
        && !c.base_url.to_ascii_lowercase().starts_with("https://")
    {
        ctx.warn(
            r.connector.pos,
            format!(
                "the model connector {:?} is not on HTTPS ({}): users' messages and your data travel to it unencrypted; use https:// unless the model runs on this machine",
                c.name,
                c.base_url
            ),
        );
    }
    if r.model.value.trim().is_empty() {
        ctx.error(
            r.model.pos,
            "model must name the provider's model, such as gpt-4o-mini",
        );
    }
    let mut understand = None;
    let (mut agent, mut reply) = (false, false);
    let modes: Vec<RawLlmMode> = if r.modes.is_empty() {
        vec![RawLlmMode::Understand]
    } else {
        r.modes.iter().map(|m| m.value).collect()
    };
    let when = match r.understand_when.as_ref().map(|w| w.value) {
        Some(RawUnderstandWhen::Always) => UnderstandWhen::Always,
        _ => UnderstandWhen::Unsure,
    };
    for m in &modes {
        match m {
            RawLlmMode::Understand => understand = Some(when),
            RawLlmMode::Agent => agent = true,
            RawLlmMode::Reply => reply = true,
        }
    }
    if agent && understand.is_some() {
        let pos = r.modes.first().map_or(raw.pos, |m| m.pos);
        ctx.error(
            pos,
            "modes understand and agent exclude each other: an agent understands the message itself; keep one",
        );
    }
    if let Some(w) = &r.understand_when
        && understand.is_none()
    {
        ctx.warn(
            w.pos,
            "understand_when has no effect without the understand mode",
        );
    }
    let temperature = r.temperature.as_ref().and_then(|t| {
        if (0.0..=2.0).contains(&t.value) {
            Some(t.value)
        } else {
            ctx.error(
                t.pos,
                format!("temperature must be between 0 and 2, found {}", t.value),
            );
            None
        }
    });
    let system = r.system.as_ref().map(|s| {
        let mut unused = Vec::new();
        templates::template(
            ctx,
            "llm.system".into(),
            s,
            &Scope::Bot { slots },
            &mut unused,
        )
    });
    let mut limits = LlmLimits::default();
    if let Some(l) = &r.limits {
        let l = &l.value;
        let mut positive = |v: &Option<Spanned<u32>>, key: &str, into: &mut u32| {
            if let Some(v) = v {
                if v.value == 0 {
                    ctx.error(v.pos, format!("{key} must be more than 0"));
                } else {
                    *into = v.value;
                }
            }
        };
        positive(&l.tool_rounds, "tool_rounds", &mut limits.tool_rounds);
        positive(&l.max_tokens, "max_tokens", &mut limits.max_tokens);
        positive(
            &l.tokens_per_turn,
            "tokens_per_turn",
            &mut limits.tokens_per_turn,
        );
        if let Some(d) = &l.tokens_per_user_per_day {
            if d.value == 0 {
                ctx.error(d.pos, "tokens_per_user_per_day must be more than 0");
            } else {
                limits.tokens_per_user_per_day = Some(d.value);
            }
        }
    }
    let prices = r.prices.as_ref().and_then(|p| {
        let (i, o) = (&p.value.input, &p.value.output);
        for v in [i, o] {
            if !(v.value >= 0.0 && v.value.is_finite()) {
                ctx.error(
                    v.pos,
                    format!("a price must be 0 or more, found {}", v.value),
                );
                return None;
            }
        }
        Some(LlmPrices {
            input: i.value,
            output: o.value,
        })
    });
    let reply_timeout =
        duration(ctx, r.reply_timeout.as_ref(), "reply_timeout").unwrap_or(DEFAULT_REPLY_TIMEOUT);
    Some(LlmSettings {
        connector: connector?.name.clone(),
        model: r.model.value.trim().to_string(),
        understand: understand.filter(|_| !agent),
        agent,
        reply,
        temperature,
        system,
        stream: r.stream.as_ref().is_none_or(|s| s.value),
        reply_timeout,
        limits,
        prices,
        span: ctx.span(raw.pos),
    })
}
