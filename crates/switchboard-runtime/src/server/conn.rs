//! The connections of the accept loop. Each one is registered with its state (protocol not
//! yet shown, idle, busy) and closed when it stays silent past the handshake timeout or idle
//! past the idle timeout; at the cap (or when the process runs out of file descriptors) the
//! connection idle longest is closed to make room, so idle sockets can never crowd out
//! clients with requests. With the application's telemetry, each connection's state moves
//! the open gauge and each closing counts its reason (`telemetry::connections`).

pub(crate) use crate::telemetry::connections::{AcceptError, ConnClose};
use crate::telemetry::connections::{
    AcceptFailed, ConnState, ConnectionClosed, ConnectionMetrics, ConnectionMoved,
};
use hyper::body::{Body, Frame, SizeHint};
use hyper_util::server::graceful::GracefulConnection;
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use switchboard_config::model::ConnectionLimits;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// The HTTP/2 connection preface; a connection whose first bytes are a prefix of it has not
/// shown its protocol yet.
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How long a closing idle connection gets to say goodbye (HTTP/2 GOAWAY) before it is cut.
const GRACE: Duration = Duration::from_secs(1);

/// The connection cap when the open-file limit cannot be read.
const FALLBACK_MAX: usize = 1024;

/// The connection limits the accept loop applies.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most.
    pub max_connections: usize,
    /// Time allowed to show the protocol.
    pub handshake_timeout: Duration,
    /// Time allowed with no request in flight.
    pub idle_timeout: Duration,
    /// Time allowed to send an HTTP/1 request's headers.
    pub header_read_timeout: Duration,
}

impl Limits {
    /// The project's limits, the cap derived from the open-file limit when not set.
    pub fn new(settings: &ConnectionLimits, header_read_timeout: Duration) -> Limits {
        Limits {
            max_connections: settings
                .max
                .map_or_else(default_max, |m| usize::try_from(m).unwrap_or(usize::MAX)),
            handshake_timeout: settings.handshake_timeout,
            idle_timeout: settings.idle_timeout,
            header_read_timeout,
        }
    }
}

/// Three quarters of the open-file limit (the rest stays for the store, upstream calls and
/// logs), at most 10000.
pub fn default_max() -> usize {
    #[cfg(unix)]
    {
        use nix::sys::resource::{Resource, getrlimit};
        if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NOFILE) {
            let three_quarters = soft.saturating_mul(3) / 4;
            return usize::try_from(three_quarters.min(10_000))
                .unwrap_or(FALLBACK_MAX)
                .max(16);
        }
    }
    FALLBACK_MAX
}

/// One open connection.
#[derive(Debug)]
pub(crate) struct Conn {
    id: u64,
    accepted: Instant,
    /// Whether its first bytes showed the protocol.
    detected: AtomicBool,
    /// Requests whose response is not fully sent.
    in_flight: AtomicUsize,
    /// When it last became idle, in milliseconds since the registry started.
    idle_since: AtomicU64,
    /// Set once, by whoever decided to close it.
    closing: AtomicBool,
    close: Notify,
    /// Woken when the protocol shows, so the handshake timer gives way to the idle one.
    detected_now: Notify,
    /// The state the open gauge counts it in; `None` once it is gone.
    counted: Mutex<Option<ConnState>>,
    metrics: Option<Arc<ConnectionMetrics>>,
}

/// Every open connection.
#[derive(Debug)]
pub(crate) struct Registry {
    start: Instant,
    inner: Mutex<Inner>,
    open: watch::Sender<usize>,
    /// Set when the server stops accepting.
    shutting_down: AtomicBool,
    metrics: Option<Arc<ConnectionMetrics>>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    conns: HashMap<u64, Arc<Conn>>,
    /// How many of `conns` are closing (they no longer count against the cap).
    closing: usize,
}

impl Registry {
    pub(crate) fn new(metrics: Option<ConnectionMetrics>) -> Arc<Registry> {
        Arc::new(Registry {
            start: Instant::now(),
            inner: Mutex::new(Inner::default()),
            open: watch::Sender::new(0),
            shutting_down: AtomicBool::new(false),
            metrics: metrics.map(Arc::new),
        })
    }

    /// Counts a failed accept.
    pub(crate) fn accept_failed(&self, reason: AcceptError) {
        if let Some(m) = &self.metrics {
            AcceptFailed { reason }.emit(m);
        }
    }

    /// Counts a connection closed at once, before it was registered.
    pub(crate) fn refused(&self) {
        self.count_closed(ConnClose::Refused);
    }

    fn count_closed(&self, reason: ConnClose) {
        if let Some(m) = &self.metrics {
            ConnectionClosed { reason }.emit(m);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Open connections that are not already closing.
    pub(crate) fn active(&self) -> usize {
        let inner = self.lock();
        inner.conns.len() - inner.closing
    }

    /// Registers a new connection.
    pub(crate) fn add(&self) -> Arc<Conn> {
        let now = self.now_ms();
        let mut inner = self.lock();
        inner.next_id += 1;
        let conn = Arc::new(Conn {
            id: inner.next_id,
            accepted: Instant::now(),
            detected: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(now),
            closing: AtomicBool::new(false),
            close: Notify::new(),
            detected_now: Notify::new(),
            counted: Mutex::new(Some(ConnState::Handshake)),
            metrics: self.metrics.clone(),
        });
        if let Some(m) = &self.metrics {
            ConnectionMoved {
                from: None,
                to: Some(ConnState::Handshake),
            }
            .emit(m);
        }
        inner.conns.insert(conn.id, conn.clone());
        self.open.send_replace(inner.conns.len());
        conn
    }

    fn remove(&self, conn: &Conn) {
        conn.uncount();
        let mut inner = self.lock();
        if inner.conns.remove(&conn.id).is_some() && conn.closing.load(Ordering::Acquire) {
            inner.closing -= 1;
        }
        self.open.send_replace(inner.conns.len());
    }

    /// Marks a connection closing and counts why; false when it already was.
    fn mark_closing(&self, inner: &mut Inner, conn: &Conn, reason: ConnClose) -> bool {
        if conn.closing.swap(true, Ordering::AcqRel) {
            return false;
        }
        if inner.conns.contains_key(&conn.id) {
            inner.closing += 1;
        }
        self.count_closed(reason);
        true
    }

    /// Closes the connection idle longest; false when every connection is busy.
    pub(crate) fn shed_oldest_idle(&self) -> bool {
        let mut inner = self.lock();
        let oldest = inner
            .conns
            .values()
            .filter(|c| {
                !c.closing.load(Ordering::Acquire) && c.in_flight.load(Ordering::Acquire) == 0
            })
            .min_by_key(|c| (c.idle_since.load(Ordering::Acquire), c.id))
            .cloned();
        let Some(conn) = oldest else {
            return false;
        };
        if self.mark_closing(&mut inner, &conn, ConnClose::Shed) {
            conn.close.notify_one();
        }
        true
    }

    /// Asks every connection to finish its requests and close.
    pub(crate) fn close_all(&self) {
        self.shutting_down.store(true, Ordering::Release);
        let mut inner = self.lock();
        let all: Vec<Arc<Conn>> = inner.conns.values().cloned().collect();
        for conn in all {
            if self.mark_closing(&mut inner, &conn, ConnClose::Shutdown) {
                conn.close.notify_one();
            }
        }
    }

    /// Waits until no connection is open.
    pub(crate) async fn drained(&self) {
        let mut rx = self.open.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// The next moment the connection's timers should be checked.
    fn deadline(&self, conn: &Conn, limits: &Limits) -> Instant {
        if !conn.detected.load(Ordering::Acquire) {
            return conn.accepted + limits.handshake_timeout;
        }
        if conn.in_flight.load(Ordering::Acquire) > 0 {
            return Instant::now() + limits.idle_timeout;
        }
        self.start
            + Duration::from_millis(conn.idle_since.load(Ordering::Acquire))
            + limits.idle_timeout
    }

    /// Why the connection must close now, if it must.
    fn expired(&self, conn: &Conn, limits: &Limits) -> Option<ConnClose> {
        let now = Instant::now();
        if !conn.detected.load(Ordering::Acquire) {
            return (now >= conn.accepted + limits.handshake_timeout)
                .then_some(ConnClose::HandshakeTimeout);
        }
        if conn.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        (now >= self.deadline(conn, limits)).then_some(ConnClose::IdleTimeout)
    }

    /// Drives one connection to its end: closed by the client, by a timer, when shed, or at
    /// shutdown (requests in flight finish first).
    pub(crate) async fn drive<C>(self: Arc<Self>, conn: Arc<Conn>, limits: Limits, connection: C)
    where
        C: GracefulConnection,
        C::Error: std::fmt::Display,
    {
        // Boxed so it can be dropped (the socket closed) before the connection is removed:
        // once no connection is registered, every socket is closed.
        let mut connection = Box::pin(connection);
        loop {
            let deadline = self.deadline(&conn, &limits);
            tokio::select! {
                result = connection.as_mut() => {
                    let reason = match result {
                        Ok(()) => ConnClose::Client,
                        Err(e) => {
                            tracing::debug!(target: "switchboard::http", error = %e, "connection ended with an error");
                            ConnClose::Error
                        }
                    };
                    // Unless the server had already decided to close it (and counted why).
                    self.mark_closing(&mut self.lock(), &conn, reason);
                    drop(connection);
                    self.remove(&conn);
                    return;
                }
                // Shed or shutdown: counted by whoever decided.
                () = conn.close.notified() => break,
                () = conn.detected_now.notified() => {}
                () = tokio::time::sleep_until(deadline) => {
                    if let Some(reason) = self.expired(&conn, &limits) {
                        self.mark_closing(&mut self.lock(), &conn, reason);
                        break;
                    }
                }
            }
        }
        // A socket that never showed its protocol has nothing to finish.
        if conn.detected.load(Ordering::Acquire) {
            connection.as_mut().graceful_shutdown();
            loop {
                tokio::select! {
                    _ = connection.as_mut() => break,
                    () = tokio::time::sleep(GRACE) => {
                        if conn.in_flight.load(Ordering::Acquire) == 0 {
                            break;
                        }
                    }
                }
            }
        }
        drop(connection);
        self.remove(&conn);
    }
}

impl Conn {
    /// Its state now, from its flags.
    fn state(&self) -> ConnState {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            ConnState::Busy
        } else if self.detected.load(Ordering::Acquire) {
            ConnState::Idle
        } else {
            ConnState::Handshake
        }
    }

    /// Moves it in the open gauge to the state its flags say now. Under its own lock, reading
    /// the flags there, so concurrent changes settle on the last one.
    fn recount(&self) {
        let Some(m) = &self.metrics else { return };
        let mut counted = self
            .counted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(from) = *counted else { return };
        let to = self.state();
        if from != to {
            ConnectionMoved {
                from: Some(from),
                to: Some(to),
            }
            .emit(m);
            *counted = Some(to);
        }
    }

    /// Takes it out of the open gauge (once).
    fn uncount(&self) {
        let Some(m) = &self.metrics else { return };
        let from = self
            .counted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if from.is_some() {
            ConnectionMoved { from, to: None }.emit(m);
        }
    }

    /// Marks a request begun; the guard marks it done when dropped.
    pub(crate) fn begin(self: &Arc<Self>, registry: &Arc<Registry>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.recount();
        Busy {
            conn: self.clone(),
            registry: registry.clone(),
        }
    }
}

/// A request in flight on a connection (its response body included).
#[derive(Debug)]
pub(crate) struct Busy {
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.conn
            .idle_since
            .store(self.registry.now_ms(), Ordering::Release);
        self.conn.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.conn.recount();
    }
}

/// A response body that keeps its connection busy until it is sent (or dropped), so a long
/// event stream is never taken for an idle connection.
pub(crate) struct Tracked<B> {
    pub(crate) inner: B,
    pub(crate) _busy: Busy,
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A socket that notes when its first bytes show the protocol: a byte off the HTTP/2
/// preface (HTTP/1), or the whole preface.
pub(crate) struct Watched<S> {
    io: S,
    conn: Arc<Conn>,
    /// Preface bytes matched so far; `None` once the protocol is known.
    matched: Option<usize>,
}

impl<S> Watched<S> {
    pub(crate) fn new(io: S, conn: Arc<Conn>) -> Watched<S> {
        Watched {
            io,
            conn,
            matched: Some(0),
        }
    }

    fn inspect(&mut self, bytes: &[u8]) {
        let Some(mut matched) = self.matched else {
            return;
        };
        for &b in bytes {
            if b != PREFACE[matched] {
                matched = PREFACE.len();
                break;
            }
            matched += 1;
            if matched == PREFACE.len() {
                break;
            }
        }
        if matched == PREFACE.len() {
            self.matched = None;
            self.conn.detected.store(true, Ordering::Release);
            self.conn.recount();
            self.conn.detected_now.notify_one();
        } else {
            self.matched = Some(matched);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.io).poll_read(cx, buf);
        if self.matched.is_some() && matches!(result, Poll::Ready(Ok(()))) {
            let this = &mut *self;
            this.inspect(&buf.filled()[before..]);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Whether an accept error means the process (or the system) is out of file descriptors.
pub(crate) fn out_of_descriptors(e: &io::Error) -> bool {
    // EMFILE and ENFILE on every Unix this runs on.
    matches!(e.raw_os_error(), Some(23 | 24))
}
