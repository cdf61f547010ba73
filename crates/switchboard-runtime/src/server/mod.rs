//! The HTTP server: the chat API, health, and the web chat page.
//!
//! Every route answers JSON errors through [`error::ApiError`]; bodies are size-limited,
//! every request gets an `x-request-id` that appears on its log lines, a panic becomes a
//! 500, and shutdown lets turns in flight finish.

pub mod admin;
pub mod chat;
pub mod dashboard;
pub mod error;
pub mod health;
pub mod inbound;
pub mod metrics;
pub mod oauth;
pub mod web;

use crate::engine::Engine;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::routing::{get, post};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The chat engine (and through it the pipeline and the store).
    pub engine: Arc<Engine>,
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    // A request's own budget: the turn deadline plus time to load and save.
    let request_timeout = state.engine.project().bot.turn_deadline + Duration::from_secs(5);
    let project = state.engine.project().clone();
    let inbound = Arc::new(inbound::Inbound::new(&project.inbound));
    inbound.prefetch();
    // Platform routes: their own auth, but the per-address limit of every other caller.
    let mut platforms = crate::platforms::routes(&project);
    if (project.rasa.is_some() || project.dialogflow.is_some())
        && inbound::platform::limited(&inbound)
    {
        platforms = platforms.route_layer(axum::middleware::from_fn_with_state(
            inbound.clone(),
            inbound::platform::middleware,
        ));
    }
    let router = Router::new()
        .route("/", get(web::index))
        .route("/v1/chat", post(chat::chat))
        .route("/v1/conversations/{id}", get(chat::conversation))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/dashboard", get(dashboard::page))
        .route("/v1/oauth/{connector}/start", get(oauth::start))
        .route("/v1/oauth/{connector}/callback", get(oauth::callback))
        .nest("/v1/admin", admin::admin_routes())
        .merge(platforms)
        .merge(crate::webhooks::routes())
        .fallback(|| async { error::ApiError::not_found("no such route") });
    // Auth sees every route (it decides by path which need a credential), before the rest.
    let router = if inbound.active() {
        router.layer(axum::middleware::from_fn_with_state(
            inbound,
            inbound::middleware,
        ))
    } else {
        router
    };
    // Without inbound auth, only requests naming this machine or a configured host (DNS
    // rebinding), checked before auth and the routes.
    let router = if project.inbound.requires_auth() {
        router
    } else {
        router.layer(axum::middleware::from_fn_with_state(
            Arc::new(inbound::host::HostCheck::new(&project)),
            inbound::host::middleware,
        ))
    };
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, request_timeout))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(error::ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error"))
        }))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// How long a client may take to send a request's headers. `axum::serve` sets no limit, so a
/// client trickling headers (slowloris) could hold a connection forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_app(listener, router(state), HEADER_READ_TIMEOUT, shutdown).await
}

/// The accept loop: HTTP/1 and HTTP/2 on hyper with a header read timeout, and a graceful
/// shutdown that stops accepting, then waits for open connections to finish their requests.
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(target: "switchboard::http", error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                // The client address, for per-address limits.
                let service = TowerToHyperService::new(tower::ServiceBuilder::new()
                    .map_request(move |mut req: Request<hyper::body::Incoming>| {
                        req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                        req
                    })
                    .service(app.clone()));
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(target: "switchboard::http", error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
