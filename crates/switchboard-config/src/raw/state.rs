//! The `state` section: where shared state lives when several instances serve one project.

use super::common::{SecretDoc, Spanned};
use schemars::JsonSchema;
use serde::Deserialize;

/// Shared state for several instances behind a load balancer: outbound rate limits, the
/// response cache, client-credentials tokens (sealed) and the per-conversation turn lock kept
/// in Redis, so the instances behave as one. Conversations, the inbox, the audit trail and accounts live in `storage`
/// (PostgreSQL for several instances). Main file only. Default: none (everything in process,
/// for one instance).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "State")]
pub struct RawState {
    /// A `redis://` or `rediss://` URL (`redis://HOST:6379/0`), normally `${env:REDIS_URL}`;
    /// a URL written in the file must not hold a password. `switchboard serve --redis-url`
    /// sets it too. Required.
    #[schemars(with = "SecretDoc")]
    pub redis: Spanned<String>,
    /// The prefix of every key this project writes, so several projects can share one Redis.
    /// Default: `switchboard`.
    pub prefix: Option<Spanned<String>>,
    /// What each feature does while Redis cannot be reached (each decision waits at most
    /// `timeout` for it). Default: `local` for each.
    pub when_down: Option<Spanned<RawWhenDown>>,
    /// How long one Redis command may take before the feature acts as if Redis were down.
    /// Default: `1s` (an instance busy with a burst must not take its own queueing for Redis
    /// being down, which would hand its decisions to the `when_down` fallback).
    pub timeout: Option<Spanned<super::common::RawDuration>>,
}

/// What each feature does while Redis is down.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "WhenDown")]
pub struct RawWhenDown {
    /// Outbound rate limits: `local` (each instance enforces the limit on its own, so the
    /// fleet may send up to instances × the limit), `fail_open` (no limit), `fail_closed`
    /// (every limited call is refused as rate-limited; nothing is sent). Default: `local`.
    pub rate_limit: Option<Spanned<RawDownMode>>,
    /// The response cache: `local` (each instance caches on its own) or `fail_open` (no
    /// cache: every call goes upstream). Default: `local`.
    pub cache: Option<Spanned<RawDownMode>>,
    /// The turn lock: `local` (turns of one conversation are serialised per instance; a
    /// turn racing one on another instance is refused by the version check, 409) or
    /// `fail_closed` (turns are refused, 503, until Redis is back). Default: `local`.
    pub turn_lock: Option<Spanned<RawDownMode>>,
}

/// One feature's behaviour while Redis is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "DownMode")]
pub enum RawDownMode {
    /// Fall back to the in-process state of this instance.
    Local,
    /// Go on without the feature.
    FailOpen,
    /// Refuse what needs the feature.
    FailClosed,
}
