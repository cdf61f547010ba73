//! Writing audit rows off the request path: calls hand rows to a bounded channel without
//! waiting; one task writes them in batches (one transaction each) and purges rows past their
//! retention. When the channel is full (the store is slower than the traffic), new rows are
//! dropped and counted (`switchboard_audit_rows_dropped_total{reason="queue_full"}`) rather
//! than slowing users down.

use super::{AuditRow, AuditStore};
use crate::telemetry::Telemetry;
use crate::telemetry::events::AuditLossEvent;
use crate::telemetry::metrics::{AuditDropped, AuditWritten};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Largest batch written in one transaction.
const BATCH: usize = 256;

/// How long the writer gathers rows after the first before it writes them.
const LINGER: Duration = Duration::from_millis(50);

/// How often old rows are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

enum Msg {
    Row(Box<AuditRow>),
    Flush(oneshot::Sender<()>),
}

/// The handle calls use to record rows.
#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Msg>,
    telemetry: Arc<Telemetry>,
    dropped: Arc<AtomicU64>,
    store: Arc<dyn AuditStore>,
}

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSink").finish_non_exhaustive()
    }
}

impl AuditSink {
    /// Starts the writer task (on the current tokio runtime). `capacity` rows may wait;
    /// rows older than `retention` are purged every hour (and once at start).
    pub fn spawn(
        store: Arc<dyn AuditStore>,
        telemetry: Arc<Telemetry>,
        capacity: usize,
        retention: Option<Duration>,
    ) -> AuditSink {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        tokio::spawn(write_loop(rx, store.clone(), telemetry.clone(), retention));
        AuditSink {
            tx,
            telemetry,
            dropped: Arc::new(AtomicU64::new(0)),
            store,
        }
    }

    /// Queues a row without waiting; drops it (counted) when the queue is full.
    pub fn record(&self, row: AuditRow) {
        if self.tx.try_send(Msg::Row(Box::new(row))).is_err() {
            AuditDropped {
                rows: 1,
                reason: "queue_full",
            }
            .emit(&self.telemetry);
            // One log line per 1000 lost rows, not one per row.
            if self
                .dropped
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(1000)
            {
                AuditLossEvent {
                    rows: 1,
                    reason: "queue_full",
                }
                .emit();
            }
        }
    }

    /// Waits until every row queued before this call is written (tests, export, shutdown).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// The store the rows go to (for reading them back).
    pub fn store(&self) -> &Arc<dyn AuditStore> {
        &self.store
    }
}

async fn write_loop(
    mut rx: mpsc::Receiver<Msg>,
    store: Arc<dyn AuditStore>,
    telemetry: Arc<Telemetry>,
    retention: Option<Duration>,
) {
    let mut purge = tokio::time::interval(PURGE_EVERY);
    let mut batch: Vec<AuditRow> = Vec::with_capacity(BATCH);
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                take(msg, &mut batch, &mut waiting);
                // Linger a little so that a busy server writes a few large transactions
                // rather than one per call; a flush (or a full batch) writes at once.
                let linger = tokio::time::sleep(LINGER);
                tokio::pin!(linger);
                while batch.len() < BATCH && waiting.is_empty() {
                    tokio::select! {
                        m = rx.recv() => match m {
                            Some(m) => take(m, &mut batch, &mut waiting),
                            None => break,
                        },
                        () = &mut linger => break,
                    }
                }
                write(&*store, &telemetry, &mut batch).await;
                for w in waiting.drain(..) {
                    let _ = w.send(());
                }
            }
            _ = purge.tick(), if retention.is_some() => {
                let Some(keep) = retention else { continue };
                let Ok(keep) = chrono::Duration::from_std(keep) else { continue };
                match store.purge(chrono::Utc::now() - keep).await {
                    Ok(n) if n > 0 => tracing::info!(target: "switchboard::audit", rows = n, "purged audit rows past their retention"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(target: "switchboard::audit", error = %e, "audit purge failed"),
                }
            }
        }
    }
}

fn take(msg: Msg, batch: &mut Vec<AuditRow>, waiting: &mut Vec<oneshot::Sender<()>>) {
    match msg {
        Msg::Row(r) => batch.push(*r),
        Msg::Flush(w) => waiting.push(w),
    }
}

async fn write(store: &dyn AuditStore, telemetry: &Telemetry, batch: &mut Vec<AuditRow>) {
    if batch.is_empty() {
        return;
    }
    let n = batch.len() as u64;
    match store.append(batch).await {
        Ok(()) => AuditWritten(n).emit(telemetry),
        Err(e) => {
            tracing::warn!(target: "switchboard::audit", error = %e, "audit rows could not be written");
            AuditDropped {
                rows: n,
                reason: "store_error",
            }
            .emit(telemetry);
            AuditLossEvent {
                rows: n,
                reason: "store_error",
            }
            .emit();
        }
    }
    batch.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::StoreError;
    use crate::storage::audit::{AuditKind, AuditQuery};
    use chrono::{DateTime, Utc};
    use futures::future::BoxFuture;

    /// Keeps rows in memory.
    #[derive(Default)]
    struct Memory(std::sync::Mutex<Vec<AuditRow>>);

    impl AuditStore for Memory {
        fn append<'a>(&'a self, rows: &'a [AuditRow]) -> BoxFuture<'a, Result<(), StoreError>> {
            self.0.lock().unwrap().extend_from_slice(rows);
            Box::pin(async { Ok(()) })
        }
        fn query<'a>(
            &'a self,
            _q: &'a AuditQuery,
        ) -> BoxFuture<'a, Result<Vec<AuditRow>, StoreError>> {
            let rows = self.0.lock().unwrap().clone();
            Box::pin(async move { Ok(rows) })
        }
        fn purge(&self, _before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
            Box::pin(async { Ok(0) })
        }
    }

    fn row(n: u32) -> AuditRow {
        AuditRow {
            id: 0,
            at: Utc::now(),
            kind: AuditKind::Upstream,
            user: None,
            connector: "c".into(),
            operation: "o".into(),
            method: "GET".into(),
            path: "/".into(),
            status: Some(200),
            outcome: "ok".into(),
            latency_ms: 1.0,
            attempt: n,
            cached: false,
            trace_id: None,
            detail: None,
        }
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_counts_without_waiting() {
        let telemetry = Arc::new(Telemetry::new());
        let store = Arc::new(Memory::default());
        let sink = AuditSink::spawn(store.clone(), telemetry.clone(), 2, None);
        // The writer has not run yet (one thread, no await): two rows fit, the rest drop.
        for n in 1..=5 {
            sink.record(row(n));
        }
        sink.flush().await;
        let kept: Vec<u32> = store.0.lock().unwrap().iter().map(|r| r.attempt).collect();
        assert_eq!(kept, [1, 2]);
        let text = telemetry.render();
        assert!(
            text.contains("switchboard_audit_rows_dropped_total{reason=\"queue_full\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("switchboard_audit_rows_written_total 2"),
            "{text}"
        );
    }
}
