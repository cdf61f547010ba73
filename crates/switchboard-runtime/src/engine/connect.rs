//! Replies that ask a user to connect an account: when a step needs the user's own account
//! on an `oauth2_authorization_code` connector and there is none (`not_connected`) or the
//! provider revoked it (`needs_reconsent`), the bot answers with a link to
//! `GET /v1/oauth/{connector}/start` rather than a generic failure.

use super::execute::Failure;
use crate::pipeline::Pipeline;
use crate::storage::accounts::Sealer;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::time::Duration;
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

/// How long a connect link can be followed.
pub const LINK_TTL: Duration = Duration::from_secs(24 * 3600);

/// The connect link for a user, carrying `link`: the link's expiry sealed with the accounts
/// key and bound to the connector and the user, so that only the bot can mint one. Without
/// it anyone could start a login for someone else's user id and attach their own provider
/// account to that user.
pub fn link(pipeline: &Pipeline, connector: &str, user: &str) -> String {
    let mut url = format!(
        "{}/v1/oauth/{}/start?user_id={}",
        pipeline.project().bot.public_url,
        utf8_percent_encode(connector, NON_ALPHANUMERIC),
        utf8_percent_encode(user, NON_ALPHANUMERIC)
    );
    if let Some(accounts) = pipeline
        .account_scheme(connector)
        .and_then(|s| s.accounts())
    {
        let expires = chrono::Utc::now().timestamp() + LINK_TTL.as_secs() as i64;
        let sealed = accounts.sealer.seal(
            &expires.to_be_bytes(),
            link_owner(connector, user).as_bytes(),
        );
        url.push_str("&link=");
        url.push_str(&URL_SAFE_NO_PAD.encode(sealed));
    }
    url
}

/// Whether `token` is a live link minted by [`link`] for this connector and user.
pub fn link_is_valid(sealer: &Sealer, connector: &str, user: &str, token: &str) -> bool {
    let Ok(sealed) = URL_SAFE_NO_PAD.decode(token) else {
        return false;
    };
    let Ok(plain) = sealer.open(&sealed, link_owner(connector, user).as_bytes()) else {
        return false;
    };
    let Ok(expires) = <[u8; 8]>::try_from(plain.as_slice()).map(i64::from_be_bytes) else {
        return false;
    };
    expires >= chrono::Utc::now().timestamp()
}

fn link_owner(connector: &str, user: &str) -> String {
    format!("connect-link\n{connector}\n{user}")
}

/// The reply when a platform that is not trusted to say who the user is (`trust_user_ids`
/// off) asked for something that needs the user's own account.
pub fn untrusted_sentence(f: &Failure) -> String {
    format!(
        "I can't use your {} account from this channel. Please ask me in the app where you are signed in.",
        f.connector
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
