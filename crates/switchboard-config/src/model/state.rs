//! Shared state across instances (the `state` section), resolved.

use crate::diagnostic::Span;
use crate::secret::Secret;
use std::time::Duration;

/// The `state` section: Redis for what several instances must share.
#[derive(Debug, Clone)]
pub struct StateSettings {
    /// The Redis URL (may come from `${env:...}`).
    pub redis: Secret,
    /// The prefix of every key.
    pub prefix: String,
    /// How long one Redis command may take.
    pub timeout: Duration,
    /// What each feature does while Redis is down.
    pub when_down: WhenDown,
    /// Where the section is (`None` when set by `--redis-url`).
    pub span: Option<Span>,
}

/// The default key prefix.
pub const DEFAULT_STATE_PREFIX: &str = "switchboard";
/// The default time one Redis command may take.
pub const DEFAULT_STATE_TIMEOUT: Duration = Duration::from_secs(1);

impl StateSettings {
    /// The settings `--redis-url URL` gives: the defaults on `url`.
    pub fn from_url(url: &str) -> StateSettings {
        StateSettings {
            redis: Secret::from_reference(url.to_string()),
            prefix: DEFAULT_STATE_PREFIX.to_string(),
            timeout: DEFAULT_STATE_TIMEOUT,
            when_down: WhenDown::default(),
            span: None,
        }
    }
}

/// Each feature's behaviour while Redis is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WhenDown {
    /// Outbound rate limits.
    pub rate_limit: DownMode,
    /// The response cache (`Local` or `FailOpen`).
    pub cache: DownMode,
    /// The turn lock (`Local` or `FailClosed`).
    pub turn_lock: DownMode,
}

/// One feature's behaviour while Redis is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DownMode {
    /// The instance's own in-process state.
    #[default]
    Local,
    /// Without the feature.
    FailOpen,
    /// Refuse what needs it.
    FailClosed,
}

impl DownMode {
    /// The name used in the project file and in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            DownMode::Local => "local",
            DownMode::FailOpen => "fail_open",
            DownMode::FailClosed => "fail_closed",
        }
    }
}
