//! Webhooks and proactive messages: deliveries are verified (`verify/`), committed to the inbox
//! before the 2xx (`receive.rs`), routed by a worker into messages with at-least-once retries
//! and a dead-letter list (`worker.rs`), and streamed to clients as server-sent events that
//! resume from `Last-Event-ID` (`stream.rs`). Pollers feed the same inbox for APIs without
//! webhooks (`poller.rs`).
//!
//! # How it works
//!
//! ```text
//! POST /v1/webhooks/{source}                                   receive.rs
//!   body limit (max_body_bytes, before anything else)
//!   verify::verify (raw body; one folder per scheme,           verify/{stripe,standard_webhooks,
//!                   listed in config's closed Verify enum;            github,shopify,slack,twilio,
//!                   constant-time, every secret tried)                meta,hmac}/
//!   event: parse (JSON or form), id/type/time by FieldRef      event.rs
//!   InboxStore::insert (unique source+event_id; 5 s budget)    storage/inbox/{sqlite,postgres}.rs
//!   -> 200 accepted | duplicate | stale;  503 + Retry-After
//! worker (one task per instance)                               worker.rs
//!   release this instance's earlier runs' leases (at start)
//!   claim (lease 5 s, SKIP LOCKED on PostgreSQL;
//!          claimed_by = instance-id, claim_run = this run)
//!   renew the batch's leases every 1.5 s while it runs
//!   route: user JSONPath, hourly cap, steps via engine::execute::run,
//!          message via Templates::reply (route compiled as an Intent)
//!   Proactive::append (engine/proactive.rs): the user's default conversation, found by
//!          its owner (never a computed id), under the chat turn's per-conversation lock;
//!          HistoryEntry.id: skip if present
//!   Outlet::send (channels/, when the project has channels): queued for the route's
//!          channel or the one the user last wrote from, once per message id
//!   deliver: outbox row (unique message_id) + event delivered, one transaction
//!   route failure: retry with backoff, dead after max_attempts; store failure: due again in 1 s
//!   (settling, failing or postponing an event clears its holder, so only work in flight is
//!    renewed; an instance killed mid-route is taken over after 5 s, or at once by its restart)
//! poller (one task per `pollers:` entry)                       poller.rs
//!   polls only while it holds the job lease `poller:NAME` (storage/lease.rs, 5 s, renewed
//!   every 1.5 s): one instance of a fleet polls, another takes over when it dies;
//!   Pipeline::call every interval; items by JSONPath, key + SHA-256 of content vs poll_state;
//!   the n-th change of an item is event KEY:n (a hand-over's double poll queues it once);
//!   new hashes and events committed together, then routed by the same worker
//! GET /v1/{users,conversations}/{id}/events                    stream.rs
//!   SSE from the outbox: Last-Event-ID = outbox seq; takes a place in the hub       hub.rs
//!   (per-user cap: the oldest is closed with `event: closed`; instance cap: 503),
//!   wakes on its key's watch channel (this instance's deliveries; other instances'
//!   through PostgreSQL LISTEN/NOTIFY, storage/inbox/feed.rs), safety poll every 30 s
//! ```
//!
//! Config: `webhooks:` (`raw/webhooks.rs` → `compile/webhooks.rs` → `model/webhooks.rs`) and
//! `pollers:` (`raw/pollers.rs` → `compile/pollers.rs` → `model/pollers.rs`); a
//! route's steps go through the intent step compiler with a `Webhook` template scope (`event`,
//! `source`, `user`, `steps`). The inbox shares the conversation store's database and migrator
//! (migration 0101); SQLite's inbox pool is `synchronous=FULL` so an acknowledged event survives
//! power loss. `app::build` opens the inbox, builds the machinery over the engine's
//! `Proactive` service and starts the worker when the project has sources; the server's state
//! holds it, and its tasks end when it is dropped. `observe.rs` reports each delivery and each
//! routed or dead event to telemetry: the `telemetry::webhook` metrics (configured source names only as labels) and an
//! audit row (path template `/v1/webhooks/{source}`, event type as the operation).

pub mod event;
pub(crate) mod hub;
mod observe;
mod poller;
pub mod receive;
pub mod stream;
mod worker;

use crate::engine::Engine;
use crate::engine::proactive::{Outlet, Proactive};
use crate::http::{RouteScope, Routes};
use crate::pipeline::Pipeline;
use crate::storage::inbox::feed::PgFeed;
use crate::storage::inbox::{Holder, InboxStore};
use crate::template::Templates;
use axum::extract::FromRef;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::Project;
use tokio::sync::Notify;

/// Event ids are kept at least this long: some senders retry for days (Stripe for three).
pub const RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// The webhook machinery of one instance.
pub struct Webhooks {
    /// Where routed messages go: the user's default conversation (the engine's, behind a
    /// narrow service, so the machinery and the engine do not hold each other).
    proactive: Arc<dyn Proactive>,
    /// Where routed messages also go: the user's messaging channel, when the project has
    /// channels.
    outlet: Option<Arc<dyn Outlet>>,
    project: Arc<Project>,
    templates: Arc<Templates>,
    pipeline: Arc<Pipeline>,
    inbox: Arc<dyn InboxStore>,
    /// This instance and run, recorded with each claim.
    holder: Holder,
    /// Wakes the worker when an event is stored.
    wake: Notify,
    /// Open event streams: their wake-ups and caps.
    hub: Arc<hub::Hub>,
    /// Other instances' messages (PostgreSQL); `None` on SQLite, where this instance is the
    /// only writer.
    feed: Option<Arc<PgFeed>>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("sources", &self.project.webhooks.len())
            .finish_non_exhaustive()
    }
}

/// What the machinery is built from.
pub struct Parts {
    /// The project.
    pub project: Arc<Project>,
    /// Its compiled templates (routes' messages).
    pub templates: Arc<Templates>,
    /// Routes' steps and pollers' calls go through it.
    pub pipeline: Arc<Pipeline>,
    /// Where routed messages go.
    pub proactive: Arc<dyn Proactive>,
    /// Where routed messages also go (messaging channels).
    pub outlet: Option<Arc<dyn Outlet>>,
    /// The inbox.
    pub inbox: Arc<dyn InboxStore>,
    /// Other instances' messages (PostgreSQL).
    pub feed: Option<Arc<PgFeed>>,
    /// This instance's claims.
    pub holder: Holder,
    /// Event streams this instance may hold at once (the connection limit).
    pub max_streams: usize,
}

impl Webhooks {
    /// Builds the machinery; [`Webhooks::start`] starts its tasks.
    pub fn new(parts: Parts) -> Arc<Webhooks> {
        let hub = hub::Hub::new(
            &parts.project.inbound.streams,
            parts.max_streams,
            parts.pipeline.telemetry(),
        );
        Arc::new(Webhooks {
            proactive: parts.proactive,
            outlet: parts.outlet,
            project: parts.project,
            templates: parts.templates,
            pipeline: parts.pipeline,
            inbox: parts.inbox,
            holder: parts.holder,
            wake: Notify::new(),
            hub: Arc::new(hub),
            feed: parts.feed,
        })
    }

    /// The inbox.
    pub fn inbox(&self) -> &Arc<dyn InboxStore> {
        &self.inbox
    }

    /// Who this instance's claims are recorded as.
    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    /// The project.
    pub fn project(&self) -> &Arc<Project> {
        &self.project
    }

    /// Starts the routing worker, the purge and the pollers; they hold the machinery weakly
    /// and end once it is dropped.
    pub fn start(self: &Arc<Self>) {
        tokio::spawn(worker::run(Arc::downgrade(self)));
        tokio::spawn(worker::purge(Arc::downgrade(self)));
        for poller in self.project.pollers.values() {
            tokio::spawn(poller::run(Arc::downgrade(self), poller.clone()));
        }
        if let Some(feed) = &self.feed {
            let hub = self.hub.clone();
            tokio::spawn(feed.clone().listen(move |notice| match notice {
                Some(n) => hub.wake(&n.user_id, &n.conversation_id),
                None => hub.wake_all(),
            }));
        }
    }

    /// Polls a poller once now (tests and operators); returns how many events it queued.
    pub async fn poll_now(&self, poller: &str) -> Result<usize, String> {
        let p = self
            .project
            .pollers
            .get(poller)
            .ok_or_else(|| format!("no poller {poller:?}"))?;
        poller::poll(self, p).await
    }

    /// Wakes the worker (an event was stored).
    pub(crate) fn notify(&self) {
        self.wake.notify_one();
    }

    /// Open event streams.
    pub(crate) fn hub(&self) -> &Arc<hub::Hub> {
        &self.hub
    }

    /// Wakes the streams of a message this instance recorded, here and on other instances.
    pub(crate) fn published(&self, user_id: &str, conversation_id: &str) {
        self.hub.wake(user_id, conversation_id);
        if let Some(feed) = self.feed.clone() {
            let (user, conversation) = (user_id.to_string(), conversation_id.to_string());
            // Off the worker's path: a slow notification must not slow routing.
            tokio::spawn(async move {
                if let Err(e) = feed.announce(&user, &conversation).await {
                    tracing::debug!(target: "switchboard::webhooks", error = %e, "cannot notify other instances");
                }
            });
        }
    }

    /// Ends every event stream and refuses new ones (the server is shutting down).
    pub fn close_streams(&self) {
        self.hub.close_all();
    }

    /// Event streams open on this instance.
    pub fn open_streams(&self) -> usize {
        self.hub.open_streams()
    }
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The webhook routes: receiving (`signed`: each source verifies its own signature), the
/// event streams (`chat`) and the dead-letter list (`admin`).
pub fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Engine>: FromRef<S>,
    Option<Arc<Webhooks>>: FromRef<S>,
{
    use RouteScope::{Admin, Chat, Signed};
    Routes::new()
        .get(Signed, "/v1/webhooks/{source}", receive::handshake)
        .post(Signed, "/v1/webhooks/{source}", receive::receive)
        .get(Chat, "/v1/users/{id}/events", stream::user_events)
        .get(
            Chat,
            "/v1/conversations/{id}/events",
            stream::conversation_events,
        )
        .get(
            Admin,
            "/v1/admin/webhooks/dead-letters",
            receive::dead_letters,
        )
}
