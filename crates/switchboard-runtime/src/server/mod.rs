//! The HTTP server: the chat API, health, and the web chat page.
//!
//! Every route answers JSON errors through [`ApiError`]; bodies are size-limited,
//! every request gets an `x-request-id` that appears on its log lines, a panic becomes a
//! 500, and shutdown lets turns in flight finish.
//!
//! # How it works
//!
//! axum: `chat.rs` (chat and conversations), `health.rs`, `web.rs` (+ `web/index.html`, the
//! embedded chat page), `gate.rs` (the scope gate); the one `ApiError` (JSON body, fitting
//! status, internals logged not sent) and the `Routes` builder are `crate::http`'s, a floor
//! below, shared with the wings whose routes are merged here. `layers.rs`: the layers every
//! request passes (request id, trace span per request, panic -> 500, timeout, body limit);
//! graceful shutdown.
//!
//! The accept loop (`mod.rs` `serve_with`, hyper-util's auto builder for HTTP/1 and HTTP/2) puts
//! every connection in a registry (`conn.rs`): `Watched` wraps the socket and marks the
//! connection detected once its first bytes leave the HTTP/2 preface or complete it; a request
//! holds the connection busy until its response body is sent or dropped (`Busy` in the service,
//! `Tracked` around the body, so an event stream is busy). Each connection's task closes it when
//! it is still undetected after `handshake_timeout` (dropped) or idle past `idle_timeout`
//! (hyper's graceful shutdown, cut after 1 s if still idle); at `inbound.connections.max` a new
//! connection makes the registry close the connection idle longest (refused only when all are
//! busy), and an accept that fails with EMFILE/ENFILE does the same, then backs off. Shutdown
//! stops accepting, asks every connection to finish (and `serve` ends the event streams first),
//! and waits for the registry to empty.

pub mod admin;
pub mod chat;
mod conn;
pub mod dashboard;
pub mod gate;
pub mod health;
pub mod inbound;
pub mod layers;
pub mod metrics;
pub mod oauth;
pub mod openai;
pub mod openapi;
pub mod web;

use crate::channels::Channels;
use crate::engine::Engine;
use crate::http::{ApiError, RouteScope, Routes};
use crate::telemetry::Telemetry;
use crate::telemetry::connections::ConnectionMetrics;
use crate::tools::Tools;
use crate::webhooks::Webhooks;
use axum::Router;
use axum::extract::FromRef;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;

pub use layers::MAX_BODY_BYTES;

/// The server's state. Handlers take the part they need (`State<Arc<Engine>>`,
/// `State<Option<Arc<Webhooks>>>`) through `FromRef`, so the wings never name this type.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The chat engine (and through it the pipeline and the store).
    pub engine: Arc<Engine>,
    /// The webhook machinery, when the project has sources or pollers.
    pub webhooks: Option<Arc<Webhooks>>,
    /// The messaging channels, when the project has any.
    pub channels: Option<Arc<Channels>>,
    /// The tool gateway (`/mcp`, `/v1/tools`).
    pub tools: Arc<Tools>,
}

impl AppState {
    /// The state of an application with only the engine: no webhooks, no channels, the tool
    /// gateway over the engine's pipeline.
    pub fn with_engine(engine: Arc<Engine>) -> AppState {
        AppState {
            tools: Arc::new(Tools::new(engine.clone())),
            engine,
            webhooks: None,
            channels: None,
        }
    }
}

impl FromRef<AppState> for Arc<Tools> {
    fn from_ref(state: &AppState) -> Arc<Tools> {
        state.tools.clone()
    }
}

impl FromRef<AppState> for Option<Arc<Channels>> {
    fn from_ref(state: &AppState) -> Option<Arc<Channels>> {
        state.channels.clone()
    }
}

impl FromRef<AppState> for Arc<Engine> {
    fn from_ref(state: &AppState) -> Arc<Engine> {
        state.engine.clone()
    }
}

impl FromRef<AppState> for Option<Arc<Webhooks>> {
    fn from_ref(state: &AppState) -> Option<Arc<Webhooks>> {
        state.webhooks.clone()
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let inbound = Arc::new(inbound::Inbound::new(&state.engine.project().inbound));
    inbound.prefetch();
    let routes = routes(state.engine.project(), &inbound);
    app(state, inbound, routes)
}

/// Every route of a project, each with its declared scope (listed in `docs/http.md`).
/// `inbound` supplies the per-address limit of the platform routes.
pub fn routes(
    project: &switchboard_config::Project,
    inbound: &Arc<inbound::Inbound>,
) -> Routes<AppState> {
    use RouteScope::{Chat, Public, Signed};
    // Platform routes: their own auth, but the per-address limit of every other caller.
    let mut platforms = crate::platforms::routes(project);
    if (project.rasa.is_some() || project.dialogflow.is_some())
        && inbound::platform::limited(inbound)
    {
        let inbound = inbound.clone();
        platforms = platforms.map_router(|r| {
            r.route_layer(axum::middleware::from_fn_with_state(
                inbound,
                inbound::platform::middleware,
            ))
        });
    }
    Routes::new()
        .get(Public, "/", web::index)
        .post(Chat, "/v1/chat", chat::chat)
        .get(Chat, "/v1/conversations/{id}", chat::conversation)
        // The chat turn for OpenAI clients and chat front ends.
        .post(Chat, "/v1/chat/completions", openai::completions)
        .get(Chat, "/v1/models", openai::models)
        .get(Public, "/healthz", health::healthz)
        .get(Public, "/readyz", health::readyz)
        .get(Public, "/metrics", metrics::metrics)
        // This server's API, as mounted (made by `app`).
        .get(Public, openapi::PATH, openapi::serve)
        // The page shell only; its data is `GET /v1/admin/dashboard`.
        .get(Public, "/dashboard", dashboard::page)
        // Followed by a browser: `start` needs a link the bot minted, the callback a sealed
        // state and the browser's cookie.
        .get(Signed, "/v1/oauth/{connector}/start", oauth::start)
        .get(Signed, "/v1/oauth/{connector}/callback", oauth::callback)
        .nest("/v1/admin", admin::admin_routes())
        .merge(platforms)
        .merge(crate::webhooks::routes())
        .merge(crate::channels::routes())
        .merge(crate::tools::routes())
}

/// The application over `routes`: the scope gate (auth by `inbound`), the host check and
/// the common layers. A route in `routes` without a declared scope answers 404.
pub fn app(state: AppState, inbound: Arc<inbound::Inbound>, routes: Routes<AppState>) -> Router {
    // A request's own budget: the turn deadline plus time to load and save.
    let request_timeout = state.engine.project().bot.turn_deadline + Duration::from_secs(5);
    let project = state.engine.project().clone();
    // The API's description, made from the routes as mounted.
    let description = Arc::new(openapi::document(&project, routes.table()));
    let (router, table) = routes.into_parts();
    let router = router.fallback(|| async { ApiError::not_found("no such route") });
    // The gate sees every route, before the rest: it reads the matched route's declared
    // scope and runs auth for `chat` and `admin`, refusing routes that declare none.
    let gate = gate::Gate::new(table, inbound.active().then_some(inbound));
    // Without inbound auth, only requests naming this machine or a configured host (DNS
    // rebinding), checked before auth and the routes.
    let host_check = (!project.inbound.requires_auth())
        .then(|| Arc::new(inbound::host::HostCheck::new(&project)));
    // One `layer` call for the whole stack, outermost first: axum wraps every route in each
    // layer it is given and boxes it again, and a request then clones and polls one boxed
    // service per `layer` call (one call instead of ten took about 2 % of W2's and W3's
    // instructions per turn away; see BENCHMARKS.md).
    let layers =
        ServiceBuilder::new()
            .layer(layers::common(request_timeout))
            .option_layer(host_check.map(|check| {
                axum::middleware::from_fn_with_state(check, inbound::host::middleware)
            }))
            .layer(axum::middleware::from_fn_with_state(
                Arc::new(gate),
                gate::middleware,
            ))
            .layer(axum::Extension(description));
    router.layer(layers).with_state(state)
}

/// How long a client may take to send a request's headers. `axum::serve` sets no limit, so a
/// client trickling headers (slowloris) could hold a connection forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How often an HTTP/2 connection is pinged, and how long the answer may take.
const H2_PING_INTERVAL: Duration = Duration::from_secs(30);
const H2_PING_TIMEOUT: Duration = Duration::from_secs(20);

/// The pause after a failed accept, doubled while failures continue.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

pub use conn::{Limits, default_max as default_max_connections};

/// Serves until `shutdown` completes, then lets requests in flight finish. The connection
/// limits are the project's (`inbound.connections`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = Limits::new(
        &state.engine.project().inbound.connections,
        HEADER_READ_TIMEOUT,
    );
    let telemetry = Some(state.engine.pipeline().telemetry().clone());
    // Event streams never end on their own: end them, so shutdown does not wait forever.
    let webhooks = state.webhooks.clone();
    let shutdown = async move {
        shutdown.await;
        if let Some(w) = webhooks {
            w.close_streams();
        }
    };
    serve_with(listener, router(state), limits, telemetry, shutdown).await
}

/// [`serve_with`] with the default connection limits and the given header read timeout.
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = Limits::new(
        &switchboard_config::model::ConnectionLimits::default(),
        header_read_timeout,
    );
    serve_with(listener, app, limits, None, shutdown).await
}

/// The accept loop: HTTP/1 and HTTP/2 on hyper, every connection registered (`conn.rs`) so
/// that silent, idle and surplus connections are closed, and a graceful shutdown that stops
/// accepting, then waits for open connections to finish their requests. With `telemetry`
/// (the application's recorder), connections are counted in its metrics; without (a bare
/// router), nothing is counted.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    telemetry: Option<Arc<Telemetry>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt;

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    // Pings find HTTP/2 peers that vanished while a stream (an event stream) is open.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(H2_PING_INTERVAL))
        .keep_alive_timeout(H2_PING_TIMEOUT);
    let registry = conn::Registry::new(telemetry.as_deref().map(ConnectionMetrics::new));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut failures: u64 = 0;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors: make room by closing the connection idle
                        // longest; whatever the cause, back off instead of spinning, and say
                        // so once per run of failures.
                        if conn::out_of_descriptors(&e) {
                            registry.accept_failed(conn::AcceptError::Descriptors);
                            registry.shed_oldest_idle();
                        } else {
                            registry.accept_failed(conn::AcceptError::Other);
                        }
                        if failures == 0 {
                            tracing::warn!(target: "switchboard::http", error = %e, "accept failed; backing off");
                        }
                        failures += 1;
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                        continue;
                    }
                };
                if failures > 0 {
                    tracing::info!(target: "switchboard::http", failures, "accepting again");
                    failures = 0;
                    backoff = ACCEPT_BACKOFF_MIN;
                }
                // At the cap, the connection idle longest makes room; when every connection
                // has a request in flight, the new one is refused.
                if registry.active() >= limits.max_connections && !registry.shed_oldest_idle() {
                    tracing::debug!(target: "switchboard::http", "connection refused: every connection is busy");
                    drop(stream);
                    registry.refused();
                    continue;
                }
                let _ = stream.set_nodelay(true);
                let conn = registry.add();
                let app = app.clone();
                let (svc_conn, svc_registry) = (conn.clone(), registry.clone());
                let service = TowerToHyperService::new(tower::service_fn(
                    move |mut req: axum::http::Request<hyper::body::Incoming>| {
                        // The client address, for per-address limits.
                        req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                        let busy = svc_conn.begin(&svc_registry);
                        let app = app.clone();
                        async move {
                            let response = app.oneshot(req).await?;
                            Ok::<_, std::convert::Infallible>(
                                response.map(|inner| conn::Tracked { inner, _busy: busy }),
                            )
                        }
                    },
                ));
                let io = TokioIo::new(conn::Watched::new(stream, conn.clone()));
                let connection = builder.serve_connection_with_upgrades(io, service).into_owned();
                tokio::spawn(registry.clone().drive(conn, limits, connection));
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    registry.close_all();
    registry.drained().await;
    Ok(())
}
