//! `loadgen chain`: the floor. The upstream calls of one turn made directly, with one pooled
//! reqwest client and nothing in between: the order-status chain (order, then shipment and
//! customer in parallel, then the interaction note) or the three-way fan-out of W4.

use crate::Common;
use anyhow::Context;
use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_bench::drive::{WorkerOut, drive};
use switchboard_bench::result::RunResult;
use switchboard_bench::stop::Stop;

/// Which turn to replay.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Flow {
    /// W2: `GET /orders/1001` -> `GET /shipments/TRK1001` + `GET /customers/C42` -> `POST /interactions`.
    OrderStatus,
    /// W4: `GET /orders/1001`, `GET /customers/C42` and `GET /weather?city=Dubai` at once,
    /// each with `?delay_ms=`.
    Fanout,
}

/// Arguments of `loadgen chain`.
#[derive(Debug, clap::Args)]
pub struct ChainArgs {
    /// The upstream API's base URL, `http://127.0.0.1:PORT/api/v2`.
    #[arg(long)]
    base: String,
    /// The upstream's API key (`X-Api-Key`).
    #[arg(long, default_value = "demo-key")]
    api_key: String,
    /// The turn to replay.
    #[arg(long, value_enum)]
    flow: Flow,
    /// The reply the turn must produce, composed from the upstream's answers.
    #[arg(long)]
    expect: String,
    /// `?delay_ms=` on each fan-out call.
    #[arg(long, default_value_t = 50)]
    step_delay_ms: u64,
    #[command(flatten)]
    common: Common,
}

struct Upstream {
    client: reqwest::Client,
    base: String,
    key: HeaderValue,
}

impl Upstream {
    async fn get(&self, path: String) -> anyhow::Result<Value> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("x-api-key", self.key.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await?;
        let status = resp.status();
        anyhow::ensure!(status == 200, "GET {path}: status {status}");
        Ok(resp.json().await?)
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-api-key", self.key.clone())
            .header(ACCEPT, "application/json")
            .json(body)
            .send()
            .await?;
        let status = resp.status();
        anyhow::ensure!(status == 201, "POST {path}: status {status}");
        Ok(resp.json().await?)
    }

    /// The W2 chain, composing the same reply as the demo project.
    async fn order_status(&self) -> anyhow::Result<String> {
        let order = self.get("/orders/1001".into()).await?;
        let status = text(&order, "/status")?;
        let tracking = text(&order, "/shipment/tracking_number")?;
        let customer = text(&order, "/customer_id")?;
        let (shipment, person) = tokio::try_join!(
            self.get(format!("/shipments/{tracking}")),
            self.get(format!("/customers/{customer}"))
        )?;
        let note = json!({"customer_id": customer, "channel": "chat", "summary": format!("order status 1001: {status}")});
        let created = self.post("/interactions", &note).await?;
        anyhow::ensure!(
            created.get("id").is_some_and(Value::is_string),
            "POST /interactions answered no id"
        );
        Ok(format!(
            "Hi {}, your order 1001 is {status}; it is in {}, arriving {}.",
            text(&person, "/first_name")?,
            text(&shipment, "/location/city")?,
            text(&shipment, "/estimated_delivery")?
        ))
    }

    /// The W4 fan-out, composing the same reply as `bench/projects/fanout.yaml`.
    async fn fanout(&self, delay_ms: u64) -> anyhow::Result<String> {
        let (order, person, weather) = tokio::try_join!(
            self.get(format!("/orders/1001?delay_ms={delay_ms}")),
            self.get(format!("/customers/C42?delay_ms={delay_ms}")),
            self.get(format!("/weather?city=Dubai&delay_ms={delay_ms}")),
        )?;
        Ok(format!(
            "Hi {}: order 1001 is {}; in {} it is {} degrees and {}.",
            text(&person, "/first_name")?,
            text(&order, "/status")?,
            text(&weather, "/city")?,
            weather
                .pointer("/temperature_c")
                .and_then(Value::as_i64)
                .context("weather has no temperature_c")?,
            text(&weather, "/condition")?
        ))
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> anyhow::Result<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .with_context(|| format!("answer has no text at {pointer}"))
}

/// Runs the floor load.
pub async fn run(args: ChainArgs) -> anyhow::Result<RunResult> {
    let load = args.common.load()?;
    let base =
        reqwest::Url::parse(&args.base).with_context(|| format!("bad --base {}", args.base))?;
    let loopback = base
        .host_str()
        .and_then(|h| h.parse::<std::net::IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback());
    anyhow::ensure!(
        loopback,
        "the load generator only talks to loopback addresses"
    );
    let client = reqwest::Client::builder()
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
        .context("building the HTTP client")?;
    let upstream = Arc::new(Upstream {
        client,
        base: args.base.trim_end_matches('/').to_string(),
        key: HeaderValue::from_str(&args.api_key)?,
    });
    let expect = Arc::new(args.expect);
    let (flow, delay, timeout) = (args.flow, args.step_delay_ms, args.common.timeout);
    let mode = match flow {
        Flow::OrderStatus => "chain:order-status",
        Flow::Fanout => "chain:fanout",
    };
    drive(mode, load, |_, stop| {
        let (upstream, expect) = (upstream.clone(), expect.clone());
        worker(upstream, expect, flow, delay, timeout, stop)
    })
    .await
}

async fn worker(
    upstream: Arc<Upstream>,
    expect: Arc<String>,
    flow: Flow,
    delay_ms: u64,
    timeout: Duration,
    stop: Arc<Stop>,
) -> WorkerOut {
    let mut out = WorkerOut::default();
    while stop.next() {
        let started = Instant::now();
        let turn = async {
            match flow {
                Flow::OrderStatus => upstream.order_status().await,
                Flow::Fanout => upstream.fanout(delay_ms).await,
            }
        };
        match tokio::time::timeout(timeout, turn).await {
            Ok(Ok(reply)) if reply == *expect => out.ok(started.elapsed()),
            Ok(Ok(reply)) => out.fail(format!("unexpected reply: {reply:?}")),
            Ok(Err(e)) => out.fail(format!("{e:#}")),
            Err(_) => out.fail(format!("no answer within {timeout:?}")),
        }
    }
    out
}
