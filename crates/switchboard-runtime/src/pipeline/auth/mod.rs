//! Attaching a connector's credentials to each attempt, as a tower layer.
//!
//! Credentials are added at the last moment, after caching keys and logs have been made from
//! the request, so they never appear in either. Each scheme lives in its own module and the
//! closed [`Scheme`] enum lists them all; schemes that hold tokens (OAuth 2.0) are told when
//! the upstream answers `401`, and the attempt is repeated once with a fresh token.

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
    pub fn new(connector: &Connector) -> Result<Scheme, AuthError> {
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
                Scheme::ClientCredentials(oauth2::ClientCredentials::new(connector, cc)?)
            }
            Auth::AuthorizationCode(a) => Scheme::AuthorizationCode(Arc::new(
                oauth2_code::AuthorizationCode::new(connector, a)?,
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
