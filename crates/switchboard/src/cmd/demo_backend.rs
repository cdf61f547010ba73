//! `switchboard demo-backend`: the fake store API on its own (for tests, benchmarks and
//! trying connectors).

use crate::exit;
use std::process::ExitCode;
use switchboard_demo_backend::{DemoBackend, FaultSpec, Options, WebhookTarget};

/// Arguments of `demo-backend`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: String,
    /// A fault to switch on at start, as ROUTE=KIND[:COUNT] (for example orders=503:3,
    /// weather=hang, rates=429/2); repeatable. See docs/demo-backend.md.
    #[arg(long = "fault")]
    faults: Vec<FaultSpec>,
    /// Extra latency on every API route, in milliseconds.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Where to send Stripe-signed payment and refund events, such as
    /// http://127.0.0.1:8080/v1/webhooks/payments (needs --webhook-secret).
    #[arg(long, requires = "webhook_secret")]
    webhook_url: Option<String>,
    /// The secret those events are signed with.
    #[arg(long, env = "SWITCHBOARD_DEMO_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let listener = super::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    let backend = DemoBackend::new(Options {
        faults: args.faults,
        delay_ms: args.delay_ms,
        webhook: args
            .webhook_url
            .zip(args.webhook_secret)
            .map(|(url, secret)| WebhookTarget { url, secret }),
        ..Options::default()
    });
    eprintln!(
        "Demo backend on http://{addr}/api/v2 (API key header X-Api-Key: demo-key; admin at http://{addr}/admin/stats)"
    );
    backend.serve(listener, super::shutdown_signal()).await?;
    Ok(exit::OK)
}
