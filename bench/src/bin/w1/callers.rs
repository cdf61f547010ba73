//! The two ways W1 makes its call: through the Switchboard pipeline, or bare.

use anyhow::Context;
use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::LoadOptions;
use switchboard_config::model::{CachePolicy, CacheScope, OperationRef};
use switchboard_runtime::pipeline::{CallContext, Pipeline};

/// What W1 drives.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Mode {
    /// `Pipeline::call(store.get_order, {order_id: 1001})`.
    Pipeline,
    /// `GET /orders/1001` with one pooled reqwest client: status and body checked, nothing else.
    Bare,
    /// W5: the same pipeline call with the operation cached (shared scope, a TTL longer than
    /// any run), so every call after the first is a hit.
    Cached,
    /// W5: as `Cached`, but the measured calls are one burst of identical misses on a cold
    /// cache; the harness counts what reached the upstream.
    Coalesce,
}

impl Mode {
    /// The name used in results.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Pipeline => "pipeline",
            Mode::Bare => "bare",
            Mode::Cached => "cached",
            Mode::Coalesce => "coalesce",
        }
    }
}

/// A ready caller.
pub enum Caller {
    /// Through the pipeline.
    Pipeline {
        pipeline: Arc<Pipeline>,
        op: OperationRef,
        args: Map<String, Value>,
    },
    /// Bare reqwest.
    Bare {
        client: reqwest::Client,
        url: String,
        key: HeaderValue,
    },
}

impl Caller {
    /// Loads the project (pointing its `store` connector at `upstream`) and prepares the call.
    pub fn new(mode: Mode, project: &Path, upstream: &str) -> anyhow::Result<Caller> {
        let (mut project, _warnings) = switchboard_config::load(project, &LoadOptions::default())
            .map_err(|errors| anyhow::anyhow!("{errors}"))
            .with_context(|| format!("loading {}", project.display()))?;
        let store = project
            .connectors
            .get_mut("store")
            .context("the project has no `store` connector")?;
        store.base_url = upstream.trim_end_matches('/').to_string();
        if matches!(mode, Mode::Cached | Mode::Coalesce) {
            let op = store
                .operations
                .get_mut("get_order")
                .context("the `store` connector has no `get_order` operation")?;
            op.policy.cache = Some(CachePolicy {
                ttl: Duration::from_secs(3600),
                stale_if_error: None,
                max_entries: 10_000,
                scope: CacheScope::Shared,
            });
        }
        Ok(match mode {
            Mode::Pipeline | Mode::Cached | Mode::Coalesce => {
                // The pipeline alone, as before the services were assembled in `app`: W1
                // measures calls, not the audit writer.
                let project = Arc::new(project);
                let templates =
                    Arc::new(switchboard_runtime::template::Templates::compile(&project)?);
                let pipeline = switchboard_runtime::pipeline::Pipeline::new(
                    project,
                    templates,
                    switchboard_runtime::pipeline::Parts::default(),
                )?;
                let op = OperationRef::parse("store.get_order").context("operation reference")?;
                let mut args = Map::new();
                args.insert("order_id".into(), Value::String("1001".into()));
                Caller::Pipeline { pipeline, op, args }
            }
            Mode::Bare => {
                let client = reqwest::Client::builder()
                    .tcp_nodelay(true)
                    .redirect(reqwest::redirect::Policy::none())
                    .pool_idle_timeout(Duration::from_secs(90))
                    .build()
                    .context("building the HTTP client")?;
                Caller::Bare {
                    client,
                    url: format!("{}/orders/1001", store_base(upstream)),
                    key: HeaderValue::from_static("demo-key"),
                }
            }
        })
    }

    /// One call, checked: the order must come back shipped with its tracking number.
    pub async fn call(&self) -> anyhow::Result<()> {
        match self {
            Caller::Pipeline { pipeline, op, args } => {
                let record = pipeline
                    .call(op, args, &CallContext::with_budget(Duration::from_secs(5)))
                    .await?;
                anyhow::ensure!(
                    record.is_ok(),
                    "outcome {} ({:?})",
                    record.outcome,
                    record.error
                );
                anyhow::ensure!(
                    record.data.get("tracking").and_then(Value::as_str) == Some("TRK1001"),
                    "unexpected data {}",
                    record.data
                );
                Ok(())
            }
            Caller::Bare { client, url, key } => {
                let resp = client
                    .get(url)
                    .header("x-api-key", key.clone())
                    .header(ACCEPT, "application/json")
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await?;
                let status = resp.status();
                let body = resp.bytes().await?;
                anyhow::ensure!(status == 200, "status {status}");
                anyhow::ensure!(body.windows(7).any(|w| w == b"TRK1001"), "unexpected body");
                Ok(())
            }
        }
    }
}

fn store_base(upstream: &str) -> &str {
    upstream.trim_end_matches('/')
}
