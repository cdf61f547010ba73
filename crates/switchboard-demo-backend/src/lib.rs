//! The bundled demo backend: a fake store API that misbehaves on demand.
//!
//! `switchboard demo-backend --listen ADDR`, the test suites and the benchmarks run against
//! it. It answers like a real REST API (fixed, deterministic data plus a little mutable
//! state), and every route can be told to fail in a specific way for the next N calls, so
//! retries, timeouts, circuit breakers, schema validation and size limits can be proven
//! against a real server over a real socket.
//!
//! # The store API (`/api/v2`)
//!
//! Every route needs the header `X-Api-Key: demo-key` (or the configured
//! [`Options::api_key`]; an empty key switches the check off). Without it: `401
//! {"error": {"code": "unauthorized", "message": ...}}`. Every error is JSON of that shape:
//! `{"error": {"code", "message"}}`.
//!
//! | route name | call | answers |
//! |---|---|---|
//! | `orders` | `GET /api/v2/orders/{id}` | `1001` shipped (tracking `TRK1001`, customer `C42`), `1002` processing (customer `C43`, `tracking_number` and `shipment` null), `1003` delivered (`TRK1003`, `C42`); each with `items` (`sku`, `name`, `qty`, `price`), `total` (`amount`, `currency`), `placed_at`, `shipment` (`carrier`, `tracking_number`). Ids are compared exactly as decoded from the path; anything else is 404 `order ID not found` |
//! | `shipments` | `GET /api/v2/shipments/{tracking}` | `TRK1001` in transit (`location` Dubai, AE; `estimated_delivery` `2026-11-30`; `events`), `TRK1003` delivered in London; else 404 |
//! | `customers` | `GET /api/v2/customers/{id}` | `C42` Aisha Khan (gold), `C43` Omar Haddad (silver): `first_name`, `last_name`, `email`, `phone`, `tier`, `member_since`; else 404 |
//! | `customer_search` | `GET /api/v2/customers?phone=+971500000042` | the customer with that phone number (exact E.164 match), same shape; none is 404, no `phone` is 400 |
//! | `interactions` | `POST /api/v2/interactions` | any JSON object (`customer_id`, `channel`, `summary`, ...) is echoed back, 201, with `id` `INT-n` and `created_at`; a body that is not a JSON object is 400 |
//! | `slots` | `GET /api/v2/appointments/slots?date=YYYY-MM-DD` | `{"date", "slots": [{"time": "09:00", "available": true}, ...]}`, hourly 09:00-16:00; 12:00 is always taken, booked slots are taken; missing or invalid date is 400 |
//! | `appointments` | `POST /api/v2/appointments` `{date, time, customer_id?, name?}` | 201 `{"id": "APT-n", "date", "time", "status": "booked", ...}`; a taken slot is 409 `conflict` (`slot DATE TIME is taken`); a bad body, date or time is 400 |
//! | `payments` | `GET /api/v2/payments/{id}` | `PAY-1001` succeeded (`amount` 4999 minor units, `currency` `usd`, `order_id` `1001`), `PAY-1002` pending (3900, order `1002`); else 404 |
//! | `payment_list` | `GET /api/v2/payments` | `{"data": [...]}`: `PAY-1001`, `PAY-1002`, then the payments made with `POST /admin/payments` (the last 100, oldest first; `metadata.user_id` set): a list that changes, for pollers |
//! | `refunds` | `POST /api/v2/refunds` `{payment_id, amount?, reason?}` | needs header `Idempotency-Key` (else 400); 201 `{"id": "RF-n", "payment_id", "amount", "currency", "status": "succeeded", ...}`, amount defaults to the whole payment; unknown payment 404. A repeated key gets the first answer again (same status and body, header `Idempotent-Replayed: true`) and creates nothing; a 400 for invalid input is not remembered |
//! | `rates` | `GET /api/v2/rates?base=USD&symbols=INR,AED` | `{"base": "USD", "date": "2026-11-24", "rates": {"AED": 3.6725, "INR": 83.21}}` from a fixed table (USD, EUR, GBP, INR, AED, JPY, SGD, CHF; cross rates through USD, 6 decimals). `base` defaults to USD, `symbols` to all others; an unknown currency is 400 |
//! | `tickets` | `POST /api/v2/tickets` | any JSON object (`customer_id`, `summary`, ...) is echoed back, 201, with `id` `TCK-n`, `status` `open` and `created_at`: the helpdesk the demo bot hands conversations to; a body that is not a JSON object is 400 |
//! | `weather` | `GET /api/v2/weather?city=Dubai` | `{"city", "country", "temperature_c", "feels_like_c", "condition", "humidity", "wind_kph", "observed_at"}` for Abu Dhabi, Bengaluru, Delhi, Dubai, London, Mumbai, New York, Paris, Singapore (case-insensitive); unknown city 404, missing city 400 |
//!
//! # A stand-in model (`/model/v1`)
//!
//! `POST /model/v1/chat/completions` answers the OpenAI chat-completions wire format by simple
//! rules (or a canned answer set with `POST /admin/model`), for benchmarks and offline tries
//! of the `llm` section; see the `model` module. It is not a language model.
//!
//! # Messaging platforms (`/platforms`)
//!
//! Fakes of the send APIs of WhatsApp, Telegram, Slack and Twilio, which the bot's channels
//! are pointed at (their `api_base`): see the `platforms` module. They record every message
//! they accept for `GET /admin/channels/{platform}/sent`.
//!
//! A refund (201) also sends `charge.refunded` (with the request's `metadata`) to the webhook
//! URL, when one is set ([`Options::webhook`], `--webhook-url`, `POST /admin/webhook`).
//!
//! Any other path under `/api/v2` is 404 JSON (and is still recorded and counted); a known
//! path with the wrong method is 405 JSON.
//!
//! Latency: every `/api/v2` call takes `?delay_ms=N` (capped at 30 s) and also waits the
//! global delay ([`Options::delay_ms`], `POST /admin/delay`, capped at 30 s).
//!
//! # Faults
//!
//! A fault is armed per route, for the next `COUNT` calls or until cleared, from the CLI
//! (`--fault ROUTE=KIND[:COUNT]`, parsed by [`FaultSpec`]'s `FromStr`), from
//! [`DemoBackend::set_fault`], or with `POST /admin/faults`. Examples: `orders=503:3`,
//! `weather=hang`, `rates=429/2:1`. Faults apply after the API key check and the delay, and
//! a faulted call still counts in the stats.
//!
//! | `KIND` | what the client sees |
//! |---|---|
//! | `400`..`599` (not 429) | that status with a JSON error body (code follows the status, e.g. `unavailable` for 503) |
//! | `429`, `429/SECS` | 429 with `Retry-After: SECS` (default 1) and a JSON error body |
//! | `503/SECS` | 503 with `Retry-After: SECS` and a JSON error body (planned downtime) |
//! | `hang` | no answer at all, for an hour (other requests are unaffected; a server shutdown ends it) |
//! | `slow_drip` | the route's real answer (200 for a known id), headers and first byte at once, then the rest of the body at about one byte per 100 ms |
//! | `not_json` | 200 `text/html` maintenance page |
//! | `schema_break` | 200 valid JSON without the route's usual fields: `{"unexpected": true, ...}` |
//! | `reset` | the connection breaks before a complete response: sending or reading the body fails |
//! | `huge` | 200 JSON of about 10 MB |
//! | `invalid_utf8` | 200 `application/json` whose bytes are not UTF-8 |
//!
//! `slow_drip` and `reset` run the real handler and spoil its answer in transit (the server
//! did the work, the client never got the answer), as a real network does: a refund made
//! under `reset` exists, and a retry with the same `Idempotency-Key` gets it back. The other
//! kinds answer instead of the handler, so nothing is created.
//!
//! # Admin routes (no API key)
//!
//! | call | does |
//! |---|---|
//! | `POST /admin/faults` `{"route": "orders", "fault": "503", "count": 3}` | arms a fault (`fault` in the CLI `KIND` syntax, `count` optional = until cleared); 200 `{"faults": [{"route", "fault", "remaining", "spec"}]}`; bad input is 400 naming the valid values |
//! | `GET /admin/faults` | the armed faults, same shape |
//! | `DELETE /admin/faults[?route=orders]` | clears all faults, or one route's |
//! | `GET /admin/stats` | `{"routes": {"orders": 3, ...}, "total": N, "unmatched": N, "faulted": N}`: calls received since start or reset (every route listed) |
//! | `DELETE /admin/stats` | zeroes the counts and empties the request log |
//! | `GET /admin/requests` | the last 1,000 `/api/v2` requests, oldest first: `method`, `path` (raw path and query as on the wire), `headers`, `body`, `route`, ... (see [`RecordedRequest`]) |
//! | `GET /admin/delay`, `POST /admin/delay` `{"ms": 20}` | reads or sets the global delay |
//! | `GET /admin/webhook`, `POST /admin/webhook` `{"url", "secret"}` | reads (URL only) or sets where Stripe-signed events go; `{"url": null}` stops them |
//! | `POST /admin/payments` `{"user_id", "amount"?, "currency"?}` | a new succeeded payment `PAY-2001`, `PAY-2002`, ... (201): listed by `GET /api/v2/payments`, and sent as `payment_intent.succeeded` when a webhook URL is set; amount defaults to 1250, currency to `usd` |
//! | `POST /admin/payments/{id}/settle` `{"user_id": "web"}` | sends `payment_intent.succeeded` for a known payment (`metadata.user_id` from the body); 404 for an unknown one, 409 when no webhook URL is set |
//! | `GET /admin/channels/{platform}/sent` | what the fake of a platform's send API accepted, oldest first (the last 10,000), or with `?after=SEQ` those after one: `seq`, `id`, `to`, `text`, the whole `message`, `at`, `at_us` (Unix microseconds); `platform` is `whatsapp`, `telegram`, `slack` or `twilio` (else 404) |
//! | `DELETE /admin/channels/{platform}/sent` | forgets them |
//! | `GET /healthz` | `{"status": "ok"}` |
//!
//! # In tests
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use switchboard_demo_backend::{DemoBackend, Route};
//!
//! let (addr, backend) = DemoBackend::spawn_local().await?;
//! backend.set_fault("orders=503:2".parse().expect("valid fault"));
//! // ... point a client at http://{addr}/api/v2 ...
//! assert_eq!(backend.stats().calls(Route::Orders), 0);
//! # let _ = addr;
//! # Ok(())
//! # }
//! ```

mod admin;
mod data;
mod error;
mod fault;
mod gate;
mod inject;
mod model;
mod platforms;
mod record;
mod route;
mod routes;
mod state;
mod store;
mod webhook;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;

pub use crate::fault::{FaultKind, FaultParseError, FaultSpec};
pub use crate::platforms::{MAX_SENT, PLATFORMS};
pub use crate::record::{MAX_RECORDED_REQUESTS, RecordedRequest, Stats};
pub use crate::route::Route;
pub use crate::state::MAX_DELAY_MS;
use crate::state::Shared;
pub use crate::webhook::{WebhookTarget, stripe_signature};

/// The header that carries the API key on every `/api/v2` call.
pub const DEMO_API_KEY_HEADER: &str = "X-Api-Key";

/// The API key a backend accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "demo-key";

/// How a backend starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The `X-Api-Key` value `/api/v2` calls must carry; empty switches the check off.
    pub api_key: String,
    /// Faults armed from the start (e.g. from `--fault` on the command line).
    pub faults: Vec<FaultSpec>,
    /// Extra latency on every `/api/v2` call, in milliseconds (capped at [`MAX_DELAY_MS`]).
    pub delay_ms: u64,
    /// Where Stripe-signed payment and refund events are sent (none: not sent).
    pub webhook: Option<WebhookTarget>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            api_key: DEFAULT_API_KEY.to_owned(),
            faults: Vec::new(),
            delay_ms: 0,
            webhook: None,
        }
    }
}

/// A demo backend: a cheap-to-clone handle on shared state. Clones see and change the same
/// faults, stats and data, so a test can keep one while the server runs on another.
#[derive(Debug, Clone)]
pub struct DemoBackend {
    shared: Arc<Shared>,
}

impl DemoBackend {
    pub fn new(options: Options) -> Self {
        DemoBackend {
            shared: Arc::new(Shared::new(
                options.api_key,
                options.delay_ms,
                &options.faults,
                options.webhook,
            )),
        }
    }

    /// The whole app: `/api/v2`, `/admin` and `/healthz`. Anything else is 404 JSON.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(routes::api_router(self.shared.clone()))
            .merge(admin::router())
            .merge(model::router())
            .fallback(routes::no_route)
            .with_state(self.shared.clone())
    }

    /// Serves until `shutdown` completes, then stops accepting, ends hanging and dripping
    /// responses, and waits for open requests to finish.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.shared.mark_running();
        let shared = self.shared.clone();
        let signal = async move {
            shutdown.await;
            shared.signal_shutdown();
        };
        axum::serve(listener, self.router())
            .with_graceful_shutdown(signal)
            .await
    }

    /// Starts a backend with default options on `127.0.0.1` and a free port, served by a
    /// tokio task for as long as the runtime lives. For tests.
    pub async fn spawn_local() -> std::io::Result<(SocketAddr, DemoBackend)> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let backend = DemoBackend::new(Options::default());
        let server = backend.clone();
        tokio::spawn(async move {
            if let Err(error) = server.serve(listener, std::future::pending()).await {
                tracing::error!(%error, "demo backend stopped");
            }
        });
        Ok((addr, backend))
    }

    /// Calls received per route since start or reset (same as `GET /admin/stats`).
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// The last [`MAX_RECORDED_REQUESTS`] `/api/v2` requests, oldest first (same as
    /// `GET /admin/requests`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Arms a fault, replacing any fault already armed on that route.
    pub fn set_fault(&self, spec: FaultSpec) {
        self.shared.set_fault(spec);
    }

    /// The faults currently armed, `count` holding the calls still to be faulted.
    pub fn faults(&self) -> Vec<FaultSpec> {
        self.shared.faults()
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults(None);
    }

    /// Zeroes the counters and empties the request log.
    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }

    /// What the fake of `platform`'s send API accepted (`whatsapp`, `telegram`, `slack`,
    /// `twilio`), oldest first (same as `GET /admin/channels/{platform}/sent`).
    pub fn sent(&self, platform: &str) -> Vec<serde_json::Value> {
        crate::state::lock(&self.shared.sent).list(platform, 0)
    }

    /// Forgets what the platform fakes accepted.
    pub fn clear_sent(&self) {
        crate::state::lock(&self.shared.sent).clear(None);
    }

    /// Sets the global extra latency (capped at [`MAX_DELAY_MS`]).
    pub fn set_delay_ms(&self, ms: u64) {
        self.shared.set_delay_ms(ms);
    }
}
