//! `loadgen`: a small async load generator for the benchmarks. Fixed concurrency, fixed
//! duration (or request count), an HDR histogram, every answer checked, one JSON result on
//! stdout. `chat` posts to a chat API (one connection and one user id per worker); `chain`
//! makes the upstream calls of a turn directly (the floor); `webhooks` posts signed webhook
//! deliveries and follows the users' event streams (W6); `whatsapp` posts signed WhatsApp
//! messages to a channel and follows the fake send API for the replies (W7).

mod chain;
mod changes;
mod chat;
mod schedule;
mod sse;
mod webhooks;
mod whatsapp;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::time::Duration;
use switchboard_bench::drive::Load;
use switchboard_bench::stop::parse_duration;

#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    about = "Drive load at a chat API or straight at the upstream"
)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// POST a JSON body to a chat endpoint; each worker has its own connection and user id.
    Chat(chat::ChatArgs),
    /// Make a turn's upstream calls directly with a pooled reqwest client (the floor).
    Chain(chain::ChainArgs),
    /// Post Stripe-signed webhook deliveries (open loop at `--rate`, or closed loop) while
    /// holding the users' event streams; every acknowledged delivery must arrive once.
    Webhooks(webhooks::WebhooksArgs),
    /// Make payments on the demo backend and time each until its message is on the user's
    /// event stream (webhook or poller detection latency).
    Changes(changes::ChangesArgs),
    /// Post WhatsApp Cloud API messages, signed with the app secret, to a channel while
    /// following the demo backend's fake send API: every accepted message must get one reply.
    Whatsapp(whatsapp::WhatsappArgs),
}

/// Options every mode shares.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Requests in flight at once (workers).
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// How long to drive load (`10s`, `500ms`).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Stop after this many requests (with --duration: whichever comes first).
    #[arg(long)]
    requests: Option<u64>,
    /// Time allowed for one request.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    timeout: Duration,
}

impl Common {
    /// The load, once the options are checked.
    fn load(&self) -> anyhow::Result<Load> {
        anyhow::ensure!(self.concurrency >= 1, "--concurrency must be at least 1");
        anyhow::ensure!(
            self.duration.is_some() || self.requests.is_some(),
            "give --duration or --requests: every run is bounded"
        );
        if let Some(d) = self.duration {
            anyhow::ensure!(
                d <= Duration::from_secs(600),
                "--duration is capped at 10 minutes"
            );
        }
        Ok(Load {
            concurrency: self.concurrency,
            duration: self.duration,
            requests: self.requests,
        })
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = rt.block_on(async move {
        match cli.mode {
            Mode::Chat(a) => chat::run(a).await,
            Mode::Chain(a) => chain::run(a).await,
            Mode::Webhooks(a) => webhooks::run(a).await,
            Mode::Changes(a) => changes::run(a).await,
            Mode::Whatsapp(a) => whatsapp::run(a).await,
        }
    })?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}
