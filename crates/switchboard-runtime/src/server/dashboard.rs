//! The dashboard: one embedded page at `/dashboard` (no CDN, no build step) that polls the
//! JSON summary at `GET /v1/admin/dashboard` (admin scope). The summary is built from the
//! pipeline's recent-call memory, the health board and the metrics text (turns, webhooks and
//! the language model's tokens and cost).

use crate::engine::Engine;
use crate::pipeline::observe::{RecentCall, is_failure};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Timelike, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

const PAGE: &str = include_str!("dashboard/index.html");

/// Serves the page.
#[utoipa::path(get, path = "/dashboard", tag = "pages",
    responses((status = 200, description = "The dashboard page (its data is /v1/admin/dashboard)", content_type = "text/html", body = String)))]
pub async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        PAGE,
    )
}

/// The dashboard's data.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// One card per connector.
    pub connectors: Vec<ConnectorCard>,
    /// Turns per intent.
    pub intents: Vec<IntentRow>,
    /// Fallback turns over all turns.
    pub fallback_rate: Option<f64>,
    /// Webhook events by kind, in the order of a webhook's life.
    pub webhooks: Vec<WebhookCount>,
    /// The last failures, newest first.
    pub recent_failures: Vec<RecentCall>,
    /// Language model use since start, one row per model (empty without an `llm` section).
    pub models: Vec<ModelRow>,
}

/// What one language model was asked since start, from the `switchboard_llm_*` metrics.
#[derive(Debug, Serialize, Default)]
pub struct ModelRow {
    /// The model's name.
    pub model: String,
    /// Requests made, for every purpose.
    pub requests: u64,
    /// Requests that gave no usable answer (failed, unreadable or over budget).
    pub failed: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Chat turns that asked it.
    pub turns: u64,
    /// What the tokens cost, when the project gives prices.
    pub cost: Option<f64>,
}

/// How many webhook events of one kind.
#[derive(Debug, Serialize)]
pub struct WebhookCount {
    /// `received`, `verified`, `rejected`, `duplicated`, `delivered`, `dead_lettered`.
    pub event: &'static str,
    /// Since start.
    pub count: u64,
}

/// One connector.
#[derive(Debug, Serialize)]
pub struct ConnectorCard {
    /// Its name.
    pub name: String,
    /// `ok`, `failing` (recent failures dominate or the last health check failed) or `idle`.
    pub status: &'static str,
    /// Passed health checks over all, when it has a check.
    pub uptime: Option<f64>,
    /// Calls in the last hour (not counting cache answers).
    pub calls: usize,
    /// Failed calls over calls in the last hour.
    pub error_rate: Option<f64>,
    /// p95 latency in the last hour, ms.
    pub p95_ms: Option<f64>,
    /// Its shared circuit breaker's state.
    pub breaker: Option<&'static str>,
    /// Whether a `Retry-After` hold keeps its calls back now (its own, or one of its
    /// operations').
    pub held: bool,
    /// When the latest such hold ends.
    pub hold_until: Option<DateTime<Utc>>,
    /// The status that set it: 429 (rate limited) or 503 (unavailable).
    pub hold_status: Option<u16>,
    /// The last failed call.
    pub last_failure: Option<RecentCall>,
    /// Per minute of the last hour with calls: p95 latency and counts.
    pub latency: Vec<MinutePoint>,
}

/// One minute of a connector's calls.
#[derive(Debug, Serialize)]
pub struct MinutePoint {
    /// The minute.
    pub minute: DateTime<Utc>,
    /// Calls.
    pub calls: usize,
    /// Failures.
    pub errors: usize,
    /// p95 latency, ms.
    pub p95_ms: f64,
}

/// Turns of one intent.
#[derive(Debug, Serialize)]
pub struct IntentRow {
    /// The intent (`none` when no intent was served).
    pub name: String,
    /// Turns answered.
    pub turns: u64,
    /// Fallback turns.
    pub fallbacks: u64,
}

fn p95(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let idx = ((v.len() as f64) * 0.95).ceil() as usize;
    Some(v[idx.saturating_sub(1).min(v.len() - 1)])
}

/// Whether the latest call of some operation failed: a card turns red as soon as a chat's
/// call fails (without waiting for the next health check), even while the connector's other
/// operations answer, and turns back when that operation answers again.
fn latest_failed(calls: &[RecentCall]) -> bool {
    let mut latest: BTreeMap<&str, &RecentCall> = BTreeMap::new();
    for c in calls {
        latest.insert(c.operation.as_str(), c);
    }
    latest.values().any(|c| is_failure(c.outcome))
}

/// `GET /v1/admin/dashboard`.
#[utoipa::path(get, path = "/v1/admin/dashboard", tag = "admin",
    responses((status = 200, description = "Connector cards, webhooks, turns and recent failures", body = Object)))]
pub async fn data(State(engine): State<Arc<Engine>>) -> Json<Summary> {
    let pipeline = engine.pipeline();
    let project = pipeline.project();
    let breakers: BTreeMap<String, &'static str> = pipeline
        .breaker_states()
        .into_iter()
        .map(|(n, s)| (n, s.as_str()))
        .collect();
    let holds: Vec<(String, crate::pipeline::hold::Held)> = pipeline
        .holds()
        .iter()
        .filter_map(|h| Some((h.name().to_string(), h.current()?)))
        .collect();
    let mut connectors = Vec::new();
    for name in project.connectors.keys() {
        let hold = holds
            .iter()
            .filter(|(n, _)| {
                n == name
                    || n.strip_prefix(name.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            })
            .map(|(_, h)| *h)
            .max_by_key(|h| h.until);
        let calls = pipeline.recent().calls(name);
        let errors = calls.iter().filter(|c| is_failure(c.outcome)).count();
        let mut lat: Vec<f64> = calls.iter().map(|c| c.latency_ms).collect();
        let health = pipeline.telemetry().health.get(name);
        let last_failure = calls.iter().rev().find(|c| is_failure(c.outcome)).cloned();
        let status =
            if latest_failed(&calls) || health.as_ref().and_then(|h| h.last_up) == Some(false) {
                "failing"
            } else if calls.is_empty() && health.is_none() {
                "idle"
            } else {
                "ok"
            };
        let mut minutes: BTreeMap<DateTime<Utc>, Vec<&RecentCall>> = BTreeMap::new();
        for c in &calls {
            let m =
                c.at.with_second(0)
                    .and_then(|t| t.with_nanosecond(0))
                    .unwrap_or(c.at);
            minutes.entry(m).or_default().push(c);
        }
        let latency = minutes
            .into_iter()
            .map(|(minute, cs)| MinutePoint {
                minute,
                calls: cs.len(),
                errors: cs.iter().filter(|c| is_failure(c.outcome)).count(),
                p95_ms: p95(&mut cs.iter().map(|c| c.latency_ms).collect::<Vec<_>>())
                    .unwrap_or(0.0),
            })
            .collect();
        #[allow(clippy::cast_precision_loss)]
        connectors.push(ConnectorCard {
            name: name.clone(),
            status,
            uptime: health.as_ref().and_then(|h| h.uptime()),
            calls: calls.len(),
            error_rate: (!calls.is_empty()).then(|| errors as f64 / calls.len() as f64),
            p95_ms: p95(&mut lat),
            breaker: breakers.get(name).copied(),
            held: hold.is_some(),
            hold_until: hold.map(|h| DateTime::<Utc>::from(h.until_wall)),
            hold_status: hold.map(|h| h.status),
            last_failure,
            latency,
        });
    }
    let text = pipeline.render_metrics();
    let mut intents: BTreeMap<String, IntentRow> = BTreeMap::new();
    let mut webhooks = Vec::new();
    for (kind, metric) in [
        ("received", "switchboard_webhooks_received_total"),
        ("verified", "switchboard_webhooks_verified_total"),
        ("rejected", "switchboard_webhooks_rejected_total"),
        ("duplicated", "switchboard_webhooks_duplicated_total"),
        ("delivered", "switchboard_webhooks_delivered_total"),
        ("dead_lettered", "switchboard_webhooks_dead_lettered_total"),
    ] {
        webhooks.push(WebhookCount {
            event: kind,
            count: sum_of(&text, metric).0,
        });
    }
    for line in text
        .lines()
        .filter(|l| l.starts_with("switchboard_turns_total{"))
    {
        let (labels, value) = parse_line(line);
        let intent = label_of(labels, "intent").unwrap_or("none").to_string();
        let row = intents.entry(intent.clone()).or_insert(IntentRow {
            name: intent,
            turns: 0,
            fallbacks: 0,
        });
        if label_of(labels, "result") == Some("fallback") {
            row.fallbacks += value;
        } else {
            row.turns += value;
        }
    }
    let total: u64 = intents.values().map(|r| r.turns + r.fallbacks).sum();
    let fallbacks: u64 = intents.values().map(|r| r.fallbacks).sum();
    #[allow(clippy::cast_precision_loss)]
    Json(Summary {
        generated_at: Utc::now(),
        connectors,
        intents: intents.into_values().collect(),
        fallback_rate: (total > 0).then(|| fallbacks as f64 / total as f64),
        webhooks,
        recent_failures: pipeline.recent().failures(),
        models: models(&text),
    })
}

/// The model rows, summed over purposes and outcomes from the metrics text.
fn models(text: &str) -> Vec<ModelRow> {
    use crate::telemetry::catalog::names::{LLM_COST, LLM_REQUESTS, LLM_TOKENS, LLM_TURN_TOKENS};
    let turns_count = format!("{LLM_TURN_TOKENS}_count{{");
    let mut rows: BTreeMap<String, ModelRow> = BTreeMap::new();
    for line in text.lines() {
        let Some((name, rest)) = line.split_once('{') else {
            continue;
        };
        let (labels, value) = parse_line(line);
        let Some(model) = label_of(labels, "model") else {
            continue;
        };
        let row = || ModelRow {
            model: model.to_string(),
            ..ModelRow::default()
        };
        match name {
            LLM_REQUESTS => {
                let r = rows.entry(model.to_string()).or_insert_with(row);
                r.requests += value;
                if label_of(labels, "outcome") != Some("ok") {
                    r.failed += value;
                }
            }
            LLM_TOKENS => {
                let r = rows.entry(model.to_string()).or_insert_with(row);
                match label_of(labels, "direction") {
                    Some("input") => r.input_tokens += value,
                    Some("output") => r.output_tokens += value,
                    _ => {}
                }
            }
            LLM_COST => {
                let cost = rest
                    .rsplit_once(' ')
                    .and_then(|(_, v)| v.parse::<f64>().ok());
                let r = rows.entry(model.to_string()).or_insert_with(row);
                r.cost = Some(r.cost.unwrap_or(0.0) + cost.unwrap_or(0.0));
            }
            _ if line.starts_with(&turns_count)
                && label_of(labels, "direction") == Some("input") =>
            {
                rows.entry(model.to_string()).or_insert_with(row).turns += value;
            }
            _ => {}
        }
    }
    rows.into_values().collect()
}

/// Splits `name{labels} value` into the labels and the value.
fn parse_line(line: &str) -> (&str, u64) {
    let (head, value) = line.rsplit_once(' ').unwrap_or((line, "0"));
    let labels = head
        .split_once('{')
        .map_or("", |(_, l)| l.trim_end_matches('}'));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let v = value.parse::<f64>().map(|f| f as u64).unwrap_or(0);
    (labels, v)
}

fn label_of<'a>(labels: &'a str, key: &str) -> Option<&'a str> {
    labels.split("\",").find_map(|kv| {
        let (k, v) = kv.split_once("=\"")?;
        (k == key).then(|| v.trim_end_matches('"'))
    })
}

/// The sum of a counter's series (and how many there were).
fn sum_of(text: &str, metric: &str) -> (u64, usize) {
    let mut sum = 0;
    let mut n = 0;
    for line in text.lines() {
        if line.starts_with(metric) && line[metric.len()..].starts_with(['{', ' ']) {
            sum += parse_line(line).1;
            n += 1;
        }
    }
    (sum, n)
}
