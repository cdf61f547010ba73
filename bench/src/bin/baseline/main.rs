//! `baseline`: the order-status turn written by hand, the way a team would without
//! Switchboard: axum, one pooled reqwest client, the four calls hard-coded with the same
//! parallelism (order, then shipment and customer at once, then the interaction note), the
//! same reply text and the same JSON shape as `POST /v1/chat` (and, for W3, as a Rasa custom
//! action at `POST /webhook`, the way an action server is written). No Switchboard code
//! (`--layers`, an experiment, borrows only the server's common layers). The benchmarks
//! report Switchboard's CPU per turn and p99 as ratios over this server's.

mod turn;

use anyhow::Context;
use axum::Router;
use axum::routing::{get, post};
use clap::Parser;
use std::sync::Arc;
use std::time::Duration;

/// Serve the hand-written order-status turn.
#[derive(Debug, Parser)]
#[command(name = "baseline")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
    /// The store API's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8081/api/v2")]
    upstream: String,
    /// The store API key.
    #[arg(long, default_value = "demo-key")]
    api_key: String,
    /// Microseconds of CPU to burn in every request before it is handled (0: none). Not a
    /// part of the hand-written turn: a slower server with the same I/O, to measure how the
    /// kernel's share of a turn (loopback sends waking idle peers) follows the time spent
    /// between sends (`bench/profile/wakeups.sh`).
    #[arg(long, default_value_t = 0)]
    spin_us: u64,
    /// Puts the layers Switchboard's server puts around every route around these routes too
    /// (`server::layers::common`: request id, a trace span per request recorded by an
    /// info-level log subscriber, the panic catcher, the request timeout, the body limit), to
    /// measure what they cost on the hand-written turn. Off by default: the benchmarks'
    /// hand-written server has none.
    #[arg(long)]
    layers: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(90))
        .timeout(Duration::from_secs(2))
        .build()
        .context("building the HTTP client")?;
    let store = Arc::new(turn::Store::new(client, &args.upstream, &args.api_key)?);
    let mut turns = Router::new()
        .route("/v1/chat", post(turn::chat))
        .route("/webhook", post(turn::rasa));
    if args.spin_us > 0 {
        let spin = Duration::from_micros(args.spin_us);
        turns = turns.route_layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                burn(spin);
                next.run(req)
            },
        ));
    }
    let mut app = turns
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .with_state(store);
    if args.layers {
        // Switchboard's default log filter, `info`, so the request span is recorded.
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_writer(std::io::stderr)
            .init();
        // The request deadline `server::app` gives: the default turn deadline (5 s) plus 5 s
        // to load and save.
        app = app.layer(switchboard_runtime::server::layers::common(
            Duration::from_secs(10),
        ));
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    eprintln!("baseline serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await.context("serving")
}

/// Keeps the CPU busy for `d` (the server is pinned to a CPU of its own, so wall time spun is
/// CPU time).
fn burn(d: Duration) {
    let end = std::time::Instant::now() + d;
    while std::time::Instant::now() < end {
        std::hint::spin_loop();
    }
}
