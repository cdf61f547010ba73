//! `baseline`: the order-status turn written by hand, the way a team would without
//! Switchboard: axum, one pooled reqwest client, the four calls hard-coded with the same
//! parallelism (order, then shipment and customer at once, then the interaction note), the
//! same reply text and the same JSON shape as `POST /v1/chat` (and, for W3, as a Rasa custom
//! action at `POST /webhook`, the way an action server is written). No Switchboard code. The
//! benchmarks report Switchboard's CPU per turn and p99 as ratios over this server's.

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
    let app = Router::new()
        .route("/v1/chat", post(turn::chat))
        .route("/webhook", post(turn::rasa))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .with_state(store);
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    eprintln!("baseline serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await.context("serving")
}
