//! The gate in front of every route: it reads the matched route's declared scope
//! ([`RouteTable`]) and runs inbound auth for `chat` and `admin`; a route mounted without a
//! declaration answers 404 (deny by default), and a path no route matches is guarded by the
//! prefix it is under before its 404.

use super::inbound::{self, Inbound};
use crate::http::ApiError;
use crate::http::routes::RouteTable;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The gate's state: the declared table, and inbound auth when it has anything to do.
#[derive(Debug)]
pub struct Gate {
    table: RouteTable,
    inbound: Option<Arc<Inbound>>,
}

impl Gate {
    /// A gate over `table`; `inbound` is `None` when the project has no inbound auth or limits.
    pub fn new(table: RouteTable, inbound: Option<Arc<Inbound>>) -> Gate {
        Gate { table, inbound }
    }
}

/// The middleware in front of every route (and the fallback).
pub async fn middleware(State(gate): State<Arc<Gate>>, req: Request, next: Next) -> Response {
    let needs = match req.extensions().get::<MatchedPath>() {
        Some(matched) => match gate.table.scope_of(matched.as_str()) {
            Some(scope) => scope.credential(),
            None => {
                tracing::error!(
                    target: "switchboard::inbound",
                    route = matched.as_str(),
                    "request refused: the route declares no scope"
                );
                return ApiError::not_found("no such route").into_response();
            }
        },
        // No route matched: the fallback answers 404, behind the guard of the prefix the
        // path is under, so probing without a credential does not reveal which routes exist.
        None => inbound::fallback_scope(req.uri().path()),
    };
    match (needs, &gate.inbound) {
        (Some(scope), Some(inbound)) => inbound::guard(inbound, scope, req, next).await,
        _ => next.run(req).await,
    }
}
