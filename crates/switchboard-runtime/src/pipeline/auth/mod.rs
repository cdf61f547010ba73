//! Attaching a connector's credentials to each attempt, as a tower layer.
//!
//! Credentials are added at the last moment, after caching keys and logs have been made from
//! the request, so they never appear in either. Each scheme lives in its own module and the
//! closed [`Scheme`] enum lists them all; schemes that hold tokens (OAuth 2.0) are told when
//! the upstream answers `401`, and the attempt is repeated once with a fresh token.
//!
//! # How it works
//!
//! `auth::Scheme` is the closed list of outbound schemes, one module each: `api_key`, `bearer`,
//! `basic` (static, header computed once), `oauth2` (client credentials: `TokenClient` posts the
//! form, `ClientCredentials` caches the token until expiry minus the skew; refresh is
//! single-flight through one async mutex plus a finished-fetch counter, so calls that waited share
//! the result, good or bad), `jwt` (claims rendered with minijinja from `user.id`, signed with
//! jsonwebtoken, cached per distinct claim set in moka), `hmac` (the chosen request parts joined
//! and signed, written into a header template). The user reaches the auth layer as
//! `Attempt::user_id`. A scheme that holds tokens is told of a `401` and the attempt repeats once;
//! the stale token is dropped only if it is still the current one, so 50 refusals cause one
//! refresh. A failure to get credentials is `TransportError::Auth` (outcome `unavailable`, reason
//! `auth_failed`, nothing sent, never retried).
//!
//! `oauth2_code/` is the authorization code scheme (per-user connected accounts). The tokens live
//! in `storage/accounts/` (`AccountStore`, SQLite and PostgreSQL, migration 0301): one row per
//! (user, connector) whose tokens and expiry are sealed with XChaCha20-Poly1305 under
//! `bot.accounts_key` (random nonce per write, user and connector as associated data); only the
//! owner and the status (`connected` / `needs_reconsent`) are readable. The scheme keeps each
//! user's access token in memory for at most a minute (until expiry minus the skew); a miss takes
//! that user's async mutex, reads the store again and refreshes only if the stored token is still
//! stale (or is the one a `401` refused), so 50 concurrent calls make one refresh; across
//! instances, `AccountStore::lock` (a transaction-scoped PostgreSQL advisory lock; nothing on
//! SQLite) is taken and the store read once more before refreshing, so two instances never spend
//! the same refresh token. A rotated
//! refresh token is saved before the new access token is used; `invalid_grant` marks the account
//! `needs_reconsent` (no retry); a missing account or user is `TransportError::Account`
//! (outcome `unauthorized`, reason `not_connected` / `needs_reconsent`, nothing sent), which
//! `engine/connect.rs` turns into a reply with `{bot.public_url}/v1/oauth/{connector}/start?user_id=`
//! unless the intent has an explicit `unauthorized` `on_error` (which can use `error.connect_url`).
//! Per-user cache keys of a connected-account connector carry the user's connection
//! generation (`AuthorizationCode::generation`, bumped by `connect`), so a re-linked account
//! never gets answers cached for the account before it (in this process).
//! `server/oauth.rs` serves `start` (302 to the provider with PKCE S256 and a state sealed with the
//! same key that carries user, connector, expiry, verifier, a nonce and the SHA-256 of a random
//! `switchboard_oauth` cookie it sets: HttpOnly, SameSite=Lax, scoped to the callback path) and
//! `callback` (state opened, the cookie compared, the nonce consumed by one `DELETE` in
//! `AccountStore::finish_login` so a state works once on any instance, code exchanged, account
//! saved). The nonces live in `oauth_logins` (migration 0302), purged as they expire. Both routes
//! are outside inbound auth: browsers follow them. `start` needs the link's
//! `link` token (its expiry sealed for that connector and user by `connect::link`, checked by
//! `connect::link_is_valid`), so only the bot can start a login for a user; the cookie makes a
//! forwarded or planted state useless in another browser. A link is minted only for a user the
//! asking route authenticated: `CallContext::untrusted_user` (set by `Engine::fulfill` for a
//! platform whose `trust_user_ids` is off) makes `AuthLayer` refuse per-user schemes
//! (`oauth2_authorization_code`, `jwt` whose claims use `user`) with reason `untrusted_user`
//! before anything is sent, keys per-user cache entries apart, and `respond::run_intent` answers
//! without a link. `app::build` opens the account store before the pipeline and hands it to
//! `Pipeline::new`.

mod api_key;
mod basic;
mod bearer;
pub mod hmac;
pub mod jwt;
pub mod oauth2;
pub mod oauth2_code;

use super::transport::{Attempt, RawResponse, TransportError};
use http::{HeaderMap, HeaderName, HeaderValue};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use switchboard_config::model::{Auth, Connector};
use tower::{Layer, Service, ServiceExt};

/// Why a scheme could not be set up or could not produce credentials. Messages never hold a
/// credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A key or setting could not be used (found when the pipeline is built).
    #[error("{0}")]
    Setup(String),
    /// A token could not be obtained for this call.
    #[error("{0}")]
    Token(String),
    /// The token endpoint refused the grant (`invalid_grant`): a code or refresh token that
    /// is expired, used or revoked.
    #[error("token endpoint answered invalid_grant")]
    InvalidGrant,
    /// The user has no usable connected account: `not_connected` or `needs_reconsent`.
    /// Nothing was sent.
    #[error("no usable connected account ({0})")]
    Account(&'static str),
}

/// One connector's outbound authentication.
#[derive(Debug)]
pub enum Scheme {
    /// No credentials.
    None,
    /// A static key in a header or query parameter.
    ApiKey(api_key::ApiKey),
    /// A static bearer token.
    Bearer(bearer::Bearer),
    /// HTTP Basic.
    Basic(basic::Basic),
    /// OAuth 2.0 client credentials.
    ClientCredentials(oauth2::ClientCredentials),
    /// OAuth 2.0 authorization code: each user's connected account.
    AuthorizationCode(Arc<oauth2_code::AuthorizationCode>),
    /// Minted JWTs.
    Jwt(jwt::JwtMinter),
    /// HMAC request signing.
    Hmac(hmac::HmacSigner),
}

/// What a scheme attached that it may later want to take back (a token the upstream refused).
pub type Used = Option<Arc<str>>;

impl Scheme {
    /// Sets up a connector's scheme: keys parsed, token clients built.
    /// `accounts`: the account store of the connectors users connect their own accounts to;
    /// `shared`: the fleet's state, where a client-credentials token is kept for all.
    pub fn new(
        connector: &Connector,
        accounts: Option<&oauth2_code::Accounts>,
        shared: Option<&Arc<crate::shared::Shared>>,
    ) -> Result<Scheme, AuthError> {
        Ok(match &connector.auth {
            Auth::None => Scheme::None,
            Auth::ApiKey {
                location,
                name,
                value,
            } => Scheme::ApiKey(api_key::ApiKey::new(*location, name, value.clone())),
            Auth::Bearer { token } => Scheme::Bearer(bearer::Bearer::new(token.clone())),
            Auth::Basic { username, password } => {
                Scheme::Basic(basic::Basic::new(username, password))
            }
            Auth::ClientCredentials(cc) => {
                Scheme::ClientCredentials(oauth2::ClientCredentials::new(connector, cc, shared)?)
            }
            Auth::AuthorizationCode(a) => Scheme::AuthorizationCode(Arc::new(
                oauth2_code::AuthorizationCode::new(connector, a, accounts.cloned())?,
            )),
            Auth::Jwt(j) => Scheme::Jwt(jwt::JwtMinter::new(j)?),
            Auth::Hmac(h) => Scheme::Hmac(hmac::HmacSigner::new(h)),
        })
    }

    /// Adds credentials to an attempt's request.
    pub async fn apply(&self, attempt: &mut Attempt) -> Result<Used, AuthError> {
        let req = &mut attempt.request;
        match self {
            Scheme::None => Ok(None),
            Scheme::ApiKey(k) => {
                k.apply(req);
                Ok(None)
            }
            Scheme::Bearer(b) => {
                b.apply(req);
                Ok(None)
            }
            Scheme::Basic(b) => {
                b.apply(req);
                Ok(None)
            }
            Scheme::ClientCredentials(cc) => {
                let token = cc.token().await?;
                set_sensitive(
                    &mut req.headers,
                    "authorization",
                    &format!("Bearer {token}"),
                );
                Ok(Some(token))
            }
            Scheme::AuthorizationCode(_) | Scheme::Jwt(_)
                if attempt.untrusted_user && self.per_user() =>
            {
                Err(AuthError::Account(UNTRUSTED_USER))
            }
            Scheme::AuthorizationCode(a) => {
                let token = a.token(attempt.user_id.as_deref()).await?;
                set_sensitive(
                    &mut attempt.request.headers,
                    "authorization",
                    &format!("Bearer {token}"),
                );
                Ok(Some(token))
            }
            Scheme::Jwt(j) => {
                let token = j.token(attempt.user_id.as_deref()).await?;
                set_sensitive(
                    &mut attempt.request.headers,
                    "authorization",
                    &format!("Bearer {token}"),
                );
                Ok(None)
            }
            Scheme::Hmac(h) => {
                h.apply(req, std::time::SystemTime::now());
                Ok(None)
            }
        }
    }

    /// Whether the credentials depend on who the user is (their connected account, or a
    /// JWT whose claims use `user`).
    fn per_user(&self) -> bool {
        match self {
            Scheme::AuthorizationCode(_) => true,
            Scheme::Jwt(j) => j.per_user(),
            _ => false,
        }
    }

    /// Whether a `401` can be cured by fetching a new token.
    fn refreshes(&self) -> bool {
        matches!(
            self,
            Scheme::ClientCredentials(_) | Scheme::AuthorizationCode(_)
        )
    }

    /// Forgets a token the upstream refused (only if it is still the current one, so many
    /// refusals of the same token cause one new token, not many).
    fn refused(&self, used: &Used, user: Option<&str>) {
        match (self, used) {
            (Scheme::ClientCredentials(cc), Some(token)) => cc.forget(token),
            (Scheme::AuthorizationCode(a), Some(token)) => a.refused(user, token),
            _ => {}
        }
    }
}

/// The reason of a call refused because its user id is a claim nobody authenticated (a
/// platform whose `trust_user_ids` is off) and the connector needs that user's credentials.
pub const UNTRUSTED_USER: &str = "untrusted_user";

/// A scheme's failure as the transport reports it.
fn transport_error(e: AuthError) -> TransportError {
    match e {
        AuthError::Account(reason) => TransportError::Account(reason),
        e => TransportError::Auth(e.to_string()),
    }
}

/// Inserts a header marked sensitive (hidden from HTTP-level debug output).
pub(crate) fn set_sensitive(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(mut value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        value.set_sensitive(true);
        headers.insert(name, value);
    }
}

/// Adds credentials to every attempt.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    scheme: Arc<Scheme>,
}

impl AuthLayer {
    /// A layer for one connector's scheme.
    pub fn new(scheme: Scheme) -> AuthLayer {
        AuthLayer {
            scheme: Arc::new(scheme),
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            scheme: self.scheme.clone(),
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    scheme: Arc<Scheme>,
}

impl<S> Service<Attempt> for AuthService<S>
where
    S: Service<Attempt, Response = RawResponse, Error = TransportError> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = RawResponse;
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<RawResponse, TransportError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        // The readied service answers the first try; a clone answers the one repeat.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let scheme = self.scheme.clone();
        Box::pin(async move {
            let bare = scheme.refreshes().then(|| attempt.clone());
            let mut first = attempt;
            let user = first.user_id.clone();
            let used = scheme.apply(&mut first).await.map_err(transport_error)?;
            let response = inner.call(first).await?;
            let Some(mut again) = bare.filter(|_| response.status == 401) else {
                return Ok(response);
            };
            scheme.refused(&used, user.as_deref());
            scheme.apply(&mut again).await.map_err(transport_error)?;
            inner.ready().await?.call(again).await
        })
    }
}
