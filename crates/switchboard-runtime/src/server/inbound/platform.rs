//! The per-address rate limit (`inbound.rate_limit.per_address`) on the `rasa` and
//! `dialogflow` routes. They are outside the scope rules of the inbound middleware (they have
//! their own `auth`), but a flood from one address must be refused there as on `/v1/chat`.

use super::{Inbound, too_many};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;

/// Whether the platform routes need the limit layer at all.
pub fn limited(inbound: &Inbound) -> bool {
    inbound.limits.has_per_address()
}

/// The middleware: 429 with `Retry-After` past the per-address limit.
pub async fn middleware(State(inbound): State<Arc<Inbound>>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = peer
        && let Err(wait) = inbound.limits.check_address(ip)
    {
        return too_many(wait);
    }
    next.run(req).await
}
