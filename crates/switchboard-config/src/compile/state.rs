//! The `state` section: a Redis URL (a reference, or a literal without a password), a key
//! prefix, a command timeout, and what each feature does while Redis is down (only the modes
//! that mean something for it).

use super::Ctx;
use super::connector::duration;
use super::secrets::{self, LITERAL_CREDENTIAL};
use super::settings::has_password;
use crate::model::{
    DEFAULT_STATE_PREFIX, DEFAULT_STATE_TIMEOUT, DownMode, StateSettings, WhenDown,
};
use crate::raw::{RawDownMode, RawState, Spanned};

/// Compiles `state:`; `None` when its URL is unusable (reported).
pub(crate) fn state(ctx: &mut Ctx, raw: &Spanned<RawState>) -> Option<StateSettings> {
    let r = &raw.value;
    let redis = secrets::resolve(ctx, &r.redis, false)?;
    let url = redis.expose();
    if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
        ctx.error(
            r.redis.pos,
            "redis must be a redis:// or rediss:// URL, such as \"${env:REDIS_URL}\"",
        );
    } else if redis.is_literal() && has_password(url) {
        ctx.error(r.redis.pos, LITERAL_CREDENTIAL);
    }
    let prefix = match &r.prefix {
        Some(p)
            if p.value.is_empty()
                || p.value
                    .chars()
                    .any(|c| c.is_whitespace() || c == '{' || c == '}') =>
        {
            ctx.error(
                p.pos,
                "prefix must be non-empty, without spaces or braces (it starts every key)",
            );
            DEFAULT_STATE_PREFIX.to_string()
        }
        Some(p) => p.value.clone(),
        None => DEFAULT_STATE_PREFIX.to_string(),
    };
    let timeout = duration(ctx, r.timeout.as_ref(), "timeout").unwrap_or(DEFAULT_STATE_TIMEOUT);
    let mut when_down = WhenDown::default();
    if let Some(w) = &r.when_down {
        let w = &w.value;
        when_down.rate_limit = mode(ctx, w.rate_limit.as_ref(), "rate_limit", &[]);
        when_down.cache = mode(
            ctx,
            w.cache.as_ref(),
            "cache",
            &[(
                DownMode::FailClosed,
                "a cache that cannot be read is skipped, not a reason to refuse the call; use local or fail_open",
            )],
        );
        when_down.turn_lock = mode(
            ctx,
            w.turn_lock.as_ref(),
            "turn_lock",
            &[(
                DownMode::FailOpen,
                "turns without any lock could interleave; use local (one lock per instance) or fail_closed",
            )],
        );
    }
    Some(StateSettings {
        redis,
        prefix,
        timeout,
        when_down,
        span: Some(ctx.span(raw.pos)),
    })
}

/// One feature's mode, refusing the ones that make no sense for it.
fn mode(
    ctx: &mut Ctx,
    raw: Option<&Spanned<RawDownMode>>,
    key: &str,
    refused: &[(DownMode, &str)],
) -> DownMode {
    let Some(m) = raw else {
        return DownMode::Local;
    };
    let mode = match m.value {
        RawDownMode::Local => DownMode::Local,
        RawDownMode::FailOpen => DownMode::FailOpen,
        RawDownMode::FailClosed => DownMode::FailClosed,
    };
    if let Some((_, why)) = refused.iter().find(|(r, _)| *r == mode) {
        ctx.error(
            m.pos,
            format!("when_down.{key} cannot be {}: {why}", mode.as_str()),
        );
        return DownMode::Local;
    }
    mode
}
