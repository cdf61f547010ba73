//! Who follows which event stream: a wake-up per user and per conversation when a message
//! for them is recorded (by this instance, or by another one through the store's
//! notifications), and the caps on open streams. A stream wakes only for its own messages,
//! so thousands of idle streams cost no store reads. Open, closed and refused streams are
//! counted in the application's metrics (`telemetry::connections`).

use crate::telemetry::Telemetry;
use crate::telemetry::connections::{
    StreamClose, StreamClosed, StreamMetrics, StreamRefusal, StreamRefused, StreamsOpen,
};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use switchboard_config::model::StreamLimits;
use tokio::sync::{Notify, watch};

/// What a stream follows: `u` + user id or `c` + conversation id.
pub(crate) type Key = String;

/// The key of a user's stream.
pub(crate) fn user_key(user: &str) -> Key {
    format!("u:{user}")
}

/// The key of a conversation's stream.
pub(crate) fn conversation_key(conversation: &str) -> Key {
    format!("c:{conversation}")
}

/// Why the hub ended a stream (sent as the stream's last event).
pub(crate) const REPLACED: &str = "replaced";
/// The server is shutting down.
pub(crate) const SHUTDOWN: &str = "shutdown";
/// The stream could not start (never sent to a client).
pub(crate) const FAILED: &str = "error";

/// Why a stream could not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The instance's cap on open streams is reached.
    Full,
    /// The server is shutting down.
    ShuttingDown,
}

/// Open streams and their wake-ups.
#[derive(Debug)]
pub(crate) struct Hub {
    per_key: usize,
    max: usize,
    inner: Mutex<Inner>,
    metrics: StreamMetrics,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    keys: HashMap<Key, Followed>,
    total: usize,
    shutting_down: bool,
}

/// The streams of one key, oldest first, and their shared wake-up.
#[derive(Debug)]
struct Followed {
    wake: watch::Sender<u64>,
    streams: VecDeque<(u64, Arc<Closer>)>,
}

/// Ends one stream from outside, with a reason.
#[derive(Debug, Default)]
pub(crate) struct Closer {
    notify: Notify,
    reason: OnceLock<&'static str>,
}

impl Closer {
    fn close(&self, reason: &'static str) {
        let _ = self.reason.set(reason);
        self.notify.notify_one();
    }

    /// Why the stream ends when it leaves the hub: the reason it was closed with, or its
    /// client went away.
    fn ending(&self) -> StreamClose {
        match self.reason.get().copied() {
            Some(SHUTDOWN) => StreamClose::Shutdown,
            Some(REPLACED) => StreamClose::Replaced,
            Some(FAILED) => StreamClose::Error,
            _ => StreamClose::Client,
        }
    }

    /// Waits until the stream is closed; returns the reason.
    pub(crate) async fn closed(&self) -> &'static str {
        self.notify.notified().await;
        self.reason.get().copied().unwrap_or(SHUTDOWN)
    }
}

/// An open stream's place in the hub; leaving it (drop) frees the place.
#[derive(Debug)]
pub(crate) struct Lease {
    hub: Arc<Hub>,
    key: Key,
    id: u64,
    /// Changes when a message for the key may have been recorded.
    pub(crate) wake: watch::Receiver<u64>,
    /// Set when the hub ends the stream.
    pub(crate) closer: Arc<Closer>,
}

impl Lease {
    /// Marks the stream as one that could not start, for its count when it is dropped.
    pub(crate) fn failed(&self) {
        let _ = self.closer.reason.set(FAILED);
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.hub.leave(&self.key, self.id, self.closer.ending());
    }
}

impl Hub {
    /// A hub with the project's caps; `max_connections` bounds the default total. Streams
    /// are counted in `telemetry`.
    pub(crate) fn new(limits: &StreamLimits, max_connections: usize, telemetry: &Telemetry) -> Hub {
        Hub {
            per_key: usize::try_from(limits.per_user)
                .unwrap_or(usize::MAX)
                .max(1),
            max: limits.max.map_or((max_connections / 2).max(1), |m| {
                usize::try_from(m).unwrap_or(usize::MAX)
            }),
            inner: Mutex::new(Inner::default()),
            metrics: StreamMetrics::new(telemetry),
        }
    }

    fn refuse(&self, reason: StreamRefusal) -> Refused {
        StreamRefused { reason }.emit(&self.metrics);
        match reason {
            StreamRefusal::Full => Refused::Full,
            StreamRefusal::ShuttingDown => Refused::ShuttingDown,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens a stream on `key`. At the per-user cap the key's oldest stream is closed to make
    /// room (its client is the one least likely to still be looking); at the instance's cap
    /// the new stream is refused.
    pub(crate) fn open(self: &Arc<Self>, key: Key) -> Result<Lease, Refused> {
        let mut inner = self.lock();
        if inner.shutting_down {
            return Err(self.refuse(StreamRefusal::ShuttingDown));
        }
        let at_key_cap = inner
            .keys
            .get(&key)
            .is_some_and(|f| f.streams.len() >= self.per_key);
        if !at_key_cap && inner.total >= self.max {
            return Err(self.refuse(StreamRefusal::Full));
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let closer = Arc::new(Closer::default());
        let followed = inner.keys.entry(key.clone()).or_insert_with(|| Followed {
            wake: watch::Sender::new(0),
            streams: VecDeque::new(),
        });
        let mut shed = 0;
        while followed.streams.len() >= self.per_key {
            if let Some((_, oldest)) = followed.streams.pop_front() {
                oldest.close(REPLACED);
                StreamClosed {
                    reason: StreamClose::Replaced,
                }
                .emit(&self.metrics);
                shed += 1;
            }
        }
        followed.streams.push_back((id, closer.clone()));
        let wake = followed.wake.subscribe();
        inner.total = inner.total + 1 - shed;
        StreamsOpen(inner.total).emit(&self.metrics);
        Ok(Lease {
            hub: self.clone(),
            key,
            id,
            wake,
            closer,
        })
    }

    /// A stream ended; `reason` is counted unless it already left (replaced).
    fn leave(&self, key: &str, id: u64, reason: StreamClose) {
        let mut inner = self.lock();
        let Some(followed) = inner.keys.get_mut(key) else {
            return;
        };
        let before = followed.streams.len();
        followed.streams.retain(|(i, _)| *i != id);
        let removed = before - followed.streams.len();
        if followed.streams.is_empty() {
            inner.keys.remove(key);
        }
        inner.total -= removed;
        if removed > 0 {
            StreamClosed { reason }.emit(&self.metrics);
            StreamsOpen(inner.total).emit(&self.metrics);
        }
    }

    /// Wakes the streams of a user and of a conversation (a message for them was recorded).
    pub(crate) fn wake(&self, user: &str, conversation: &str) {
        let inner = self.lock();
        for key in [user_key(user), conversation_key(conversation)] {
            if let Some(f) = inner.keys.get(&key) {
                f.wake.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }

    /// Wakes every stream (notifications may have been missed: each reads the store again).
    pub(crate) fn wake_all(&self) {
        let inner = self.lock();
        for f in inner.keys.values() {
            f.wake.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Ends every stream and refuses new ones, so a graceful shutdown is not held open by
    /// clients that never hang up.
    pub(crate) fn close_all(&self) {
        let mut inner = self.lock();
        inner.shutting_down = true;
        for f in inner.keys.values() {
            for (_, closer) in &f.streams {
                closer.close(SHUTDOWN);
            }
        }
    }

    /// Open streams (tests and metrics).
    pub(crate) fn open_streams(&self) -> usize {
        self.lock().total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(per_user: u32, max: u32) -> Arc<Hub> {
        Arc::new(Hub::new(
            &StreamLimits {
                per_user,
                max: Some(max),
            },
            100,
            &Telemetry::new(),
        ))
    }

    #[tokio::test]
    async fn the_oldest_stream_of_a_user_makes_room_and_the_total_is_capped() {
        let hub = hub(2, 3);
        let first = hub.open(user_key("ada")).unwrap();
        let second = hub.open(user_key("ada")).unwrap();
        let third = hub.open(user_key("ada")).unwrap();
        assert_eq!(first.closer.closed().await, REPLACED);
        assert_eq!(hub.open_streams(), 2);
        drop(first);
        assert_eq!(hub.open_streams(), 2);
        let bob = hub.open(user_key("bob")).unwrap();
        assert_eq!(hub.open(user_key("cy")).unwrap_err(), Refused::Full);
        // A user at its own cap still gets in, by replacing its oldest stream.
        let fourth = hub.open(user_key("ada")).unwrap();
        assert_eq!(second.closer.closed().await, REPLACED);
        drop((second, third, fourth, bob));
        assert_eq!(hub.open_streams(), 0);
    }

    #[tokio::test]
    async fn a_message_wakes_only_its_user_and_conversation() {
        let hub = hub(5, 10);
        let mut ada = hub.open(user_key("ada")).unwrap();
        let mut conv = hub.open(conversation_key("c1")).unwrap();
        let bob = hub.open(user_key("bob")).unwrap();
        hub.wake("ada", "c1");
        assert!(ada.wake.has_changed().unwrap());
        assert!(conv.wake.has_changed().unwrap());
        assert!(!bob.wake.has_changed().unwrap());
        ada.wake.mark_unchanged();
        conv.wake.mark_unchanged();
        hub.wake_all();
        assert!(bob.wake.has_changed().unwrap());
        hub.close_all();
        assert_eq!(ada.closer.closed().await, SHUTDOWN);
        assert_eq!(
            hub.open(user_key("ada")).unwrap_err(),
            Refused::ShuttingDown
        );
    }
}
