//! The state behind a `DemoBackend` handle: configuration, fault table, recorder, demo store,
//! and the shutdown signal that releases hanging and dripping responses.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use crate::fault::{FaultKind, FaultSpec, FaultTable};
use crate::record::{RecordedRequest, Recorder, Stats};
use crate::route::Route;
use crate::store::Store;
use crate::webhook::WebhookTarget;

/// Longest extra latency one call can be given, by `?delay_ms=` or by the global delay
/// (each capped separately), so a typo cannot stall a test run.
pub const MAX_DELAY_MS: u64 = 30_000;

/// Everything a request handler may need, shared by all connections.
#[derive(Debug)]
pub(crate) struct Shared {
    api_key: String,
    delay_ms: AtomicU64,
    faults: Mutex<FaultTable>,
    recorder: Mutex<Recorder>,
    pub(crate) store: Mutex<Store>,
    /// What the platform fakes accepted.
    pub(crate) sent: Mutex<crate::platforms::SentLog>,
    /// Where payment and refund events are sent.
    webhook: Mutex<Option<WebhookTarget>>,
    /// What the stand-in model answers to everything, when set (`POST /admin/model`).
    pub(crate) model_answer: Mutex<Option<String>>,
    /// Flips to `true` when `serve` is asked to shut down, so that hangs and slow drips end
    /// and graceful shutdown does not wait an hour for them.
    shutdown: watch::Sender<bool>,
}

/// Locks a mutex, carrying on after a panic elsewhere: the demo data stays usable and a
/// poisoned lock must not turn every later request into a panic.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(
        api_key: String,
        delay_ms: u64,
        faults: &[FaultSpec],
        webhook: Option<WebhookTarget>,
    ) -> Self {
        let mut table = FaultTable::default();
        for spec in faults {
            table.set(*spec);
        }
        Shared {
            api_key,
            delay_ms: AtomicU64::new(delay_ms),
            faults: Mutex::new(table),
            recorder: Mutex::new(Recorder::default()),
            store: Mutex::new(Store::default()),
            sent: Mutex::new(crate::platforms::SentLog::default()),
            webhook: Mutex::new(webhook),
            model_answer: Mutex::new(None),
            shutdown: watch::channel(false).0,
        }
    }

    /// Whether a request carrying this `X-Api-Key` value may use the API. An empty
    /// configured key switches the check off.
    pub(crate) fn accepts_key(&self, presented: Option<&[u8]>) -> bool {
        self.api_key.is_empty() || presented == Some(self.api_key.as_bytes())
    }

    pub(crate) fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.load(Ordering::Relaxed).min(MAX_DELAY_MS))
    }

    pub(crate) fn set_delay_ms(&self, ms: u64) {
        self.delay_ms.store(ms.min(MAX_DELAY_MS), Ordering::Relaxed);
    }

    pub(crate) fn set_fault(&self, spec: FaultSpec) {
        lock(&self.faults).set(spec);
    }

    pub(crate) fn clear_faults(&self, route: Option<Route>) {
        lock(&self.faults).clear(route);
    }

    pub(crate) fn faults(&self) -> Vec<FaultSpec> {
        lock(&self.faults).list()
    }

    /// The fault for this call of `route`, if any; counts it in the stats.
    pub(crate) fn take_fault(&self, route: Route) -> Option<FaultKind> {
        let kind = lock(&self.faults).take(route)?;
        lock(&self.recorder).count_fault();
        Some(kind)
    }

    pub(crate) fn record(
        &self,
        route: Option<Route>,
        parts: &axum::http::request::Parts,
        path: &str,
        body: &[u8],
    ) {
        lock(&self.recorder).record(route, parts, path, body);
    }

    pub(crate) fn webhook(&self) -> Option<WebhookTarget> {
        lock(&self.webhook).clone()
    }

    pub(crate) fn set_webhook(&self, target: Option<WebhookTarget>) {
        *lock(&self.webhook) = target;
    }

    pub(crate) fn stats(&self) -> Stats {
        lock(&self.recorder).stats()
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.recorder).requests()
    }

    pub(crate) fn reset_stats(&self) {
        lock(&self.recorder).reset();
    }

    /// Marks the server as running (again), re-arming hangs after an earlier shutdown.
    pub(crate) fn mark_running(&self) {
        self.shutdown.send_replace(false);
    }

    pub(crate) fn signal_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Sleeps for `duration` unless the server shuts down first. Returns `true` when the
    /// full time passed, `false` when cut short by shutdown.
    pub(crate) async fn pause(&self, duration: Duration) -> bool {
        if duration.is_zero() {
            return true;
        }
        let mut stopping = self.shutdown.subscribe();
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            _ = stopping.wait_for(|stop| *stop) => false,
        }
    }
}
