//! Attaching a connector's credentials to each attempt, as a tower layer.
//!
//! Credentials are added at the last moment, after caching keys and logs have been made from
//! the request, so they never appear in either. The static schemes live here; schemes that
//! fetch and refresh tokens plug in as further arms of the same `match`.

use super::transport::Attempt;
use http::HeaderValue;
use std::sync::Arc;
use std::task::{Context, Poll};
use switchboard_config::model::{ApiKeyLocation, Auth};
use tower::{Layer, Service};

/// Adds credentials to every attempt.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    auth: Arc<Auth>,
}

impl AuthLayer {
    /// A layer for one connector's auth.
    pub fn new(auth: Auth) -> AuthLayer {
        AuthLayer {
            auth: Arc::new(auth),
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    auth: Arc<Auth>,
}

impl<S: Service<Attempt>> Service<Attempt> for AuthService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut attempt: Attempt) -> Self::Future {
        attach(&self.auth, &mut attempt);
        self.inner.call(attempt)
    }
}

fn attach(auth: &Auth, attempt: &mut Attempt) {
    let req = &mut attempt.request;
    let set = |headers: &mut http::HeaderMap, name: &str, value: String| {
        if let (Ok(name), Ok(mut value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            value.set_sensitive(true);
            headers.insert(name, value);
        }
    };
    match auth {
        Auth::None => {}
        Auth::ApiKey {
            location: ApiKeyLocation::Header,
            name,
            value,
        } => set(&mut req.headers, name, value.expose().to_string()),
        Auth::ApiKey {
            location: ApiKeyLocation::Query,
            name,
            value,
        } => {
            req.url.query_pairs_mut().append_pair(name, value.expose());
        }
        Auth::Bearer { token } => set(
            &mut req.headers,
            "authorization",
            format!("Bearer {}", token.expose()),
        ),
        Auth::Basic { username, password } => {
            use base64::Engine as _;
            let pair = format!("{username}:{}", password.expose());
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            set(
                &mut req.headers,
                "authorization",
                format!("Basic {encoded}"),
            );
        }
    }
}
