//! Bot-wide settings and the storage choice, with their defaults.

use super::Ctx;
use super::connector::duration;
use super::secrets::{self, LITERAL_CREDENTIAL};
use super::templates::{self, Scope, Slots};
use crate::model::{BotSettings, DEFAULT_CONVERSATION_RETENTION, StorageSettings};
use crate::raw::{Pos, RawBot, RawStorage, Spanned};
use std::time::Duration;

/// What the bot says when no intent fits, unless `bot.fallback` says otherwise.
pub(crate) const DEFAULT_FALLBACK: &str =
    "Sorry, I didn't understand that. Could you say it another way?";

/// Compiles `bot:`, or its defaults when absent.
pub(crate) fn bot(
    ctx: &mut Ctx,
    raw: Option<&Spanned<RawBot>>,
    main: Pos,
    slots: &Slots,
) -> BotSettings {
    let empty = RawBot::default();
    let b = raw.map(|r| &r.value).unwrap_or(&empty);
    let scope = Scope::Bot { slots };
    let mut unused = Vec::new();
    let fallback_src = b
        .fallback
        .clone()
        .unwrap_or_else(|| Spanned::new(main, DEFAULT_FALLBACK.to_string()));
    let fallback = templates::template(
        ctx,
        "bot.fallback".into(),
        &fallback_src,
        &scope,
        &mut unused,
    );
    let help = b
        .help
        .as_ref()
        .map(|h| templates::template(ctx, "bot.help".into(), h, &scope, &mut unused));
    let confidence_threshold = b.confidence_threshold.as_ref().and_then(|c| {
        if (0.0..=1.0).contains(&c.value) {
            Some(c.value as f32)
        } else {
            ctx.error(
                c.pos,
                format!(
                    "confidence_threshold must be between 0 and 1, found {}",
                    c.value
                ),
            );
            None
        }
    });
    BotSettings {
        name: b
            .name
            .as_ref()
            .map_or_else(|| "Switchboard".to_string(), |n| n.value.clone()),
        greeting: b.greeting.as_ref().map(|g| g.value.clone()),
        fallback,
        help,
        turn_deadline: duration(ctx, b.turn_deadline.as_ref(), "turn_deadline")
            .unwrap_or(Duration::from_secs(5)),
        confidence_threshold,
        out_of_scope: b
            .out_of_scope
            .iter()
            .map(|(_, e)| e.value.clone())
            .collect(),
        small_talk: b.small_talk.as_ref().is_none_or(|s| s.value),
        max_ask_attempts: b.max_ask_attempts.as_ref().map_or(3, |m| m.value),
        history_limit: b
            .history_limit
            .as_ref()
            .map_or(50, |h| usize::try_from(h.value).unwrap_or(usize::MAX)),
        public_url: super::accounts::public_url(ctx, b.public_url.as_ref()),
        accounts_key: b
            .accounts_key
            .as_ref()
            .and_then(|k| super::accounts::key(ctx, k)),
    }
}

/// Compiles `storage:`, or SQLite in `switchboard.db` when absent.
pub(crate) fn storage(ctx: &mut Ctx, raw: Option<&Spanned<RawStorage>>) -> StorageSettings {
    let default = || StorageSettings::Sqlite {
        path: "switchboard.db".into(),
    };
    match raw.map(|r| &r.value) {
        None | Some(RawStorage::Sqlite { path: None, .. }) => default(),
        Some(RawStorage::Sqlite { path: Some(p), .. }) => {
            if p.value.trim().is_empty() {
                ctx.error(p.pos, "path must not be empty");
            }
            StorageSettings::Sqlite {
                path: p.value.clone(),
            }
        }
        Some(RawStorage::Postgres { url, .. }) => {
            let Some(secret) = secrets::resolve(ctx, url, false) else {
                return default();
            };
            let value = secret.expose();
            if !(value.starts_with("postgres://") || value.starts_with("postgresql://")) {
                ctx.error(url.pos, "url must start with postgres:// or postgresql://");
            } else if secret.is_literal() && has_password(value) {
                ctx.error(url.pos, LITERAL_CREDENTIAL);
            }
            StorageSettings::Postgres { url: secret }
        }
    }
}

/// Compiles `storage.conversation_retention`, or 90 days when absent.
pub(crate) fn conversation_retention(ctx: &mut Ctx, raw: Option<&Spanned<RawStorage>>) -> Duration {
    let retention = raw.and_then(|r| match &r.value {
        RawStorage::Sqlite {
            conversation_retention,
            ..
        }
        | RawStorage::Postgres {
            conversation_retention,
            ..
        } => conversation_retention.as_ref(),
    });
    duration(ctx, retention, "conversation_retention").unwrap_or(DEFAULT_CONVERSATION_RETENTION)
}

/// Whether a URL's authority holds `user:password@`.
pub(crate) fn has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}
