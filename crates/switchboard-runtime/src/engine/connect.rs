//! Replies that ask a user to connect an account: when a step needs the user's own account
//! on an `oauth2_authorization_code` connector and there is none (`not_connected`) or the
//! provider revoked it (`needs_reconsent`), the bot answers with a link to
//! `GET /v1/oauth/{connector}/start` rather than a generic failure.

use super::execute::Failure;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use switchboard_config::model::{Intent, OutcomeKind};

/// Whether a failure means "connect your account first".
pub fn needs_connect(f: &Failure) -> bool {
    matches!(f.reason, Some("not_connected" | "needs_reconsent"))
}

/// Whether the intent words `unauthorized` failures itself (an explicit `on_error` entry).
pub fn handled_by_intent(intent: &Intent, f: &Failure) -> bool {
    let explicit = |m: &switchboard_config::model::OnError| {
        m.by_outcome.contains_key(&OutcomeKind::Unauthorized)
    };
    explicit(&intent.on_error)
        || intent
            .steps
            .get(&f.step)
            .is_some_and(|s| explicit(&s.on_error))
}

/// The connect link for a user.
pub fn link(public_url: &str, connector: &str, user: &str) -> String {
    format!(
        "{public_url}/v1/oauth/{}/start?user_id={}",
        utf8_percent_encode(connector, NON_ALPHANUMERIC),
        utf8_percent_encode(user, NON_ALPHANUMERIC)
    )
}

/// The reply offering the link.
pub fn sentence(f: &Failure, link: &str) -> String {
    if f.reason == Some("needs_reconsent") {
        format!(
            "Your {} account needs to be connected again before I can do that. Reconnect it here: {link}",
            f.connector
        )
    } else {
        format!(
            "I need access to your {} account for that. Connect it here, then ask me again: {link}",
            f.connector
        )
    }
}
