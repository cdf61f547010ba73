//! Where outbound connections may go (SSRF defences).
//!
//! Scheme, host and port come from the project file, but a host *name* can still resolve to an
//! internal address (DNS rebinding, a hijacked record), and a redirect or a mistyped literal
//! can point anywhere. So every client the pipeline builds resolves names through
//! [`GuardedResolver`], which drops loopback, private, link-local, metadata and other
//! special addresses (the address checked is the address connected to), follows no redirect
//! or only same-origin ones, and [`GuardLayer`] checks IP-literal hosts, which never reach a
//! resolver. A connector whose configured host *is* such an address (`http://127.0.0.1:8081`,
//! `http://localhost:8081`) or that says `allow_private_network: true` is trusted by
//! configuration.
//!
//! # How it works
//!
//! `ssrf/` decides where a connection may go. Every pipeline client (and the token and JWKS
//! clients) is built by `ssrf::client_builder`: `GuardedResolver` resolves names and hands reqwest
//! only allowed addresses (so the address checked is the one connected to), redirects are off or
//! same-origin only, and `GuardLayer` checks IP-literal hosts, which never reach a resolver.
//! Loopback, private, link-local, metadata, CGNAT, multicast, reserved and IPv4-mapped/-compatible
//! IPv6 addresses are refused unless the connector's configured host is that address (or
//! `localhost`) or it sets `allow_private_network`. Config: `raw/auth.rs` → `compile/auth.rs`
//! (also the `http://` rule: error off loopback unless `allow_insecure_http`, then a warning) →
//! `model/auth.rs`.

mod address;
mod resolver;
#[cfg(test)]
mod tests;

pub use address::{forbidden, forbidden_v4};
pub use resolver::GuardedResolver;

use super::transport::{Attempt, RawResponse, TransportError};
use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// Most same-origin redirects followed.
const MAX_REDIRECTS: usize = 5;

/// What a connector trusts beyond public addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// Any address is fine (`allow_private_network: true`).
    pub any: bool,
    /// Loopback addresses are fine (the configured host is `localhost` or a loopback literal).
    pub loopback: bool,
    /// The configured host, when it is an IP literal: always allowed.
    pub literal: Option<IpAddr>,
}

impl NetworkPolicy {
    /// The policy for a connector (or token endpoint) configured at `url`.
    pub fn for_url(url: &reqwest::Url, allow_private_network: bool) -> NetworkPolicy {
        let literal = host_ip(url);
        let name_loopback = literal.is_none()
            && url.host_str().is_some_and(|d| {
                let d = d.to_ascii_lowercase();
                d == "localhost" || d.ends_with(".localhost")
            });
        NetworkPolicy {
            any: allow_private_network,
            loopback: name_loopback || literal.is_some_and(|ip| ip.is_loopback()),
            literal,
        }
    }

    /// Whether connecting to `ip` is allowed.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.any
            || self.literal == Some(ip)
            || (self.loopback && ip.to_canonical().is_loopback())
            || !forbidden(ip)
    }
}

/// The IP of a URL whose host is an IP literal.
pub fn host_ip(url: &reqwest::Url) -> Option<IpAddr> {
    // The URL parser has already normalised IPv4 spellings (decimal, hex, octal, short).
    let h = url.host_str()?;
    h.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(h)
        .parse()
        .ok()
}

/// A client builder with the guarded resolver and the redirect policy for a connector
/// configured at `base`: no redirects, or same-origin ones only.
pub fn client_builder(
    base: &reqwest::Url,
    allow_private_network: bool,
    follow_redirects: bool,
) -> reqwest::ClientBuilder {
    let policy = NetworkPolicy::for_url(base, allow_private_network);
    builder_with(GuardedResolver::new(policy), base, follow_redirects)
}

/// [`client_builder`] with a given resolver.
fn builder_with(
    resolver: GuardedResolver,
    base: &reqwest::Url,
    follow_redirects: bool,
) -> reqwest::ClientBuilder {
    let redirect = if follow_redirects {
        let origin = base.origin();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS || attempt.url().origin() != origin {
                attempt.stop()
            } else {
                attempt.follow()
            }
        })
    } else {
        reqwest::redirect::Policy::none()
    };
    reqwest::Client::builder()
        .dns_resolver(Arc::new(resolver))
        .redirect(redirect)
}

/// Refuses requests to IP-literal hosts the connector's policy does not allow; names are
/// checked by the resolver.
#[derive(Clone, Debug)]
pub struct GuardLayer {
    policy: Arc<NetworkPolicy>,
}

impl GuardLayer {
    /// A layer for one connector's policy.
    pub fn new(policy: NetworkPolicy) -> GuardLayer {
        GuardLayer {
            policy: Arc::new(policy),
        }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// The service made by [`GuardLayer`].
#[derive(Clone, Debug)]
pub struct GuardService<S> {
    inner: S,
    policy: Arc<NetworkPolicy>,
}

impl<S> Service<Attempt> for GuardService<S>
where
    S: Service<Attempt, Response = RawResponse, Error = TransportError>,
    S::Future: Send + 'static,
{
    type Response = RawResponse;
    type Error = TransportError;
    type Future = futures::future::Either<
        S::Future,
        futures::future::Ready<Result<RawResponse, TransportError>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        if let Some(ip) = host_ip(&attempt.request.url)
            && !self.policy.allows(ip)
        {
            return futures::future::Either::Right(futures::future::ready(Err(
                TransportError::Connection(format!(
                    "{ip} is a private or special address; set allow_private_network to allow it"
                )),
            )));
        }
        futures::future::Either::Left(self.inner.call(attempt))
    }
}
