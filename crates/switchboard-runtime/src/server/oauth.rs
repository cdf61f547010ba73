//! `GET /v1/oauth/{connector}/start` and `/callback`: how a user connects their own account
//! to an `oauth2_authorization_code` connector. Both routes are outside inbound auth because
//! a browser follows them from a chat link and from the provider's redirect. `start` needs a
//! link the bot minted for that user, records a single-use nonce, and sets a random cookie
//! (HttpOnly, SameSite=Lax, scoped to the callback path) whose hash is sealed in the `state`
//! with the user, connector, expiry and PKCE verifier (see
//! `pipeline::auth::oauth2_code::state`). The callback is answered only in the browser that
//! holds that cookie, and only once per state: so neither a forwarded link nor a replayed
//! or planted state can bind someone's provider account to another user id.

use crate::engine::Engine;
use crate::http::ApiError;
use crate::pipeline::auth::AuthError;
use crate::pipeline::auth::oauth2_code::{
    AuthorizationCode, PendingLogin, STATE_TTL_SECS, StateError,
};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// Longest user id accepted.
const MAX_USER: usize = 256;

/// The cookie that ties a login to the browser that started it.
pub const BROWSER_COOKIE: &str = "switchboard_oauth";

/// `start`'s query.
#[derive(Debug, Deserialize)]
pub struct StartQuery {
    user_id: Option<String>,
    /// The sealed expiry the bot put in the link (see `engine::connect::link`).
    link: Option<String>,
}

/// `callback`'s query, as the provider sends it (RFC 6749 §4.1.2).
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn scheme(engine: &Engine, connector: &str) -> Result<Arc<AuthorizationCode>, ApiError> {
    engine
        .pipeline()
        .account_scheme(connector)
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "connector {connector:?} does not use oauth2_authorization_code"
            ))
        })
}

fn no_store() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "connected accounts are not enabled on this server (bot.accounts_key)",
    )
}

/// Redirects the browser to the provider's consent page.
#[utoipa::path(get, path = "/v1/oauth/{connector}/start", tag = "accounts",
    params(
        ("connector" = String, Path, description = "A connector with oauth2_authorization_code"),
        ("user_id" = String, Query, description = "The user connecting"),
        ("link" = String, Query, description = "The sealed link the bot handed out"),
    ),
    responses(
        (status = 303, description = "To the provider's authorization page"),
        (status = 403, description = "The link is not for this user and connector, or has expired", body = crate::http::ErrorBody),
        (status = 404, description = "No such connector", body = crate::http::ErrorBody),
    ))]
pub async fn start(
    State(engine): State<Arc<Engine>>,
    Path(connector): Path<String>,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    let scheme = scheme(&engine, &connector)?;
    let accounts = scheme.accounts().ok_or_else(no_store)?;
    let user = q.user_id.unwrap_or_default();
    if user.is_empty() || user.len() > MAX_USER || user.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "user_id is required (1 to 256 characters, no control characters)",
        ));
    }
    crate::user_id::check(&user).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let minted = q.link.as_deref().is_some_and(|t| {
        crate::engine::connect::link_is_valid(&accounts.sealer, &connector, &user, t)
    });
    if !minted {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this connect link was not made by the bot for this user, or it has expired; ask the bot again for a fresh one",
        ));
    }
    let cookie = PendingLogin::new_browser_cookie();
    let login = PendingLogin::new(&user, &connector, chrono::Utc::now().timestamp(), &cookie);
    accounts
        .store
        .begin_login(&login.nonce, &connector, login.expires)
        .await
        .map_err(|e| ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, &e))?;
    let settings = scheme.settings();
    let mut url = reqwest::Url::parse(&settings.authorize_url)
        .map_err(|_| ApiError::internal(StatusCode::INTERNAL_SERVER_ERROR, &"bad authorize_url"))?;
    {
        let mut pairs = url.query_pairs_mut();
        pairs
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", &settings.redirect_url);
        if !settings.scopes.is_empty() {
            pairs.append_pair("scope", &settings.scopes.join(" "));
        }
        pairs
            .append_pair("state", &login.seal(&accounts.sealer))
            .append_pair("code_challenge", &login.challenge())
            .append_pair("code_challenge_method", "S256");
    }
    let set_cookie = browser_cookie(&settings.redirect_url, &connector, &cookie, STATE_TTL_SECS);
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::SET_COOKIE, set_cookie),
        ],
    )
        .into_response())
}

/// The `Set-Cookie` value of the browser cookie: scoped to the callback's path (as the
/// browser sees it, from `redirect_url`), `Secure` when the callback is https, sent on the
/// provider's top-level redirect (`SameSite=Lax`) and never readable by scripts.
fn browser_cookie(redirect_url: &str, connector: &str, value: &str, max_age: i64) -> String {
    let parsed = reqwest::Url::parse(redirect_url).ok();
    let path = parsed
        .as_ref()
        .map(|u| u.path().to_string())
        .filter(|p| p.starts_with('/') && !p.contains([';', ',', ' ']))
        .unwrap_or_else(|| format!("/v1/oauth/{connector}/callback"));
    let secure = if parsed.is_some_and(|u| u.scheme() == "https") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{BROWSER_COOKIE}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    )
}

/// The browser cookie's value in a request, if sent.
fn sent_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == BROWSER_COOKIE)
        .map(|(_, value)| value.trim().to_string())
}

/// Takes the provider's redirect: checks the state, exchanges the code, saves the account.
#[utoipa::path(get, path = "/v1/oauth/{connector}/callback", tag = "accounts",
    params(
        ("connector" = String, Path, description = "The connector"),
        ("code" = Option<String>, Query, description = "The provider's authorization code"),
        ("state" = String, Query, description = "The sealed state of the login"),
    ),
    responses(
        (status = 200, description = "A page saying the account is connected", content_type = "text/html", body = String),
        (status = 400, description = "A bad, used or expired state, or the provider refused", content_type = "text/html", body = String),
    ))]
pub async fn callback(
    State(engine): State<Arc<Engine>>,
    Path(connector): Path<String>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    let scheme = scheme(&engine, &connector)?;
    let accounts = scheme.accounts().ok_or_else(no_store)?;
    let raw_state = q
        .state
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "bad_state", "state is missing"))?;
    let login = PendingLogin::open(
        &accounts.sealer,
        &raw_state,
        &connector,
        chrono::Utc::now().timestamp(),
    )
    .map_err(|e: StateError| ApiError::new(StatusCode::BAD_REQUEST, "bad_state", e.to_string()))?;
    // The browser that started the login, and no other, finishes it.
    if !sent_cookie(&headers).is_some_and(|c| login.same_browser(&c)) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "other_browser",
            "this login was started in another browser (or its cookie expired); open the connect link from the chat again in this browser",
        ));
    }
    // Single use: the nonce is consumed in one statement, so a replay (or a second tab)
    // finds nothing.
    let fresh = accounts
        .store
        .finish_login(&login.nonce, &connector, chrono::Utc::now().timestamp())
        .await
        .map_err(|e| ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, &e))?;
    if !fresh {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "state_used",
            "this login was already finished (or has expired); start connecting again from the chat",
        ));
    }
    if let Some(error) = q.error {
        let error: String = error
            .chars()
            .filter(char::is_ascii_graphic)
            .take(64)
            .collect();
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "consent_denied",
            format!("the provider did not grant access ({error})"),
        ));
    }
    let code = q
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::bad_request("code is missing"))?;
    match scheme.connect(&login.user, &code, &login.verifier).await {
        Ok(()) => {
            tracing::info!(target: "switchboard::auth", %connector, "account connected");
            Ok((
                [
                    (header::CACHE_CONTROL, "no-store".to_string()),
                    (
                        header::SET_COOKIE,
                        browser_cookie(&scheme.settings().redirect_url, &connector, "", 0),
                    ),
                ],
                Html(format!(
                    "<!doctype html><meta charset=utf-8><title>Connected</title>\
                     <p>Your {} account is connected. You can close this page and go back to the chat.</p>",
                    html_escape(&connector)
                )),
            )
                .into_response())
        }
        Err(AuthError::InvalidGrant) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "token_endpoint",
            "the provider refused the code (invalid_grant); start connecting again",
        )),
        Err(e) => {
            tracing::warn!(target: "switchboard::auth", %connector, error = %e, "code exchange failed");
            Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "token_endpoint",
                "the provider's token endpoint failed; try connecting again",
            ))
        }
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
