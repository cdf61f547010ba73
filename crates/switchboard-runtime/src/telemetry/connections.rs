//! Connections of the HTTP server and event streams: how many are open, in which state, and
//! why they end. Every series is registered when the server (or the webhook machinery) starts,
//! so each reason exists at 0 and a rate can be taken from the first scrape; labels are fixed
//! words only.

use super::metrics::names;
use super::{Telemetry, label};
use ::metrics::{Counter, Gauge};

/// What an open connection is doing, for `switchboard_http_connections_open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// Accepted; its first bytes have not shown the protocol yet.
    Handshake,
    /// Between requests.
    Idle,
    /// A request in flight (its response body included: an event stream is busy).
    Busy,
}

impl ConnState {
    /// Every state, in label order.
    pub const ALL: [ConnState; 3] = [ConnState::Handshake, ConnState::Idle, ConnState::Busy];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Handshake => "handshake",
            ConnState::Idle => "idle",
            ConnState::Busy => "busy",
        }
    }
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnClose {
    /// The client closed it (or asked for it to close after a response).
    Client,
    /// An I/O or protocol error ended it (a header read timeout included).
    Error,
    /// It never showed its protocol within the handshake timeout.
    HandshakeTimeout,
    /// It stayed idle past the idle timeout.
    IdleTimeout,
    /// It was the one idle longest when room was needed (at the cap, or out of descriptors).
    Shed,
    /// Accepted and closed at once: at the cap with every connection busy.
    Refused,
    /// The server shut down.
    Shutdown,
}

impl ConnClose {
    /// Every reason, in label order.
    pub const ALL: [ConnClose; 7] = [
        ConnClose::Client,
        ConnClose::Error,
        ConnClose::HandshakeTimeout,
        ConnClose::IdleTimeout,
        ConnClose::Shed,
        ConnClose::Refused,
        ConnClose::Shutdown,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnClose::Client => "client",
            ConnClose::Error => "error",
            ConnClose::HandshakeTimeout => "handshake_timeout",
            ConnClose::IdleTimeout => "idle_timeout",
            ConnClose::Shed => "shed",
            ConnClose::Refused => "refused",
            ConnClose::Shutdown => "shutdown",
        }
    }
}

/// Why an accept failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptError {
    /// The process or the system ran out of file descriptors (EMFILE, ENFILE).
    Descriptors,
    /// Anything else.
    Other,
}

impl AcceptError {
    /// Every reason, in label order.
    pub const ALL: [AcceptError; 2] = [AcceptError::Descriptors, AcceptError::Other];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptError::Descriptors => "descriptors",
            AcceptError::Other => "other",
        }
    }
}

/// The accept loop's metric handles, registered once per server.
#[derive(Debug, Clone)]
pub struct ConnectionMetrics {
    open: [Gauge; 3],
    closed: [Counter; 7],
    accept_errors: [Counter; 2],
}

impl ConnectionMetrics {
    /// Registers every series (at 0).
    pub fn new(t: &Telemetry) -> ConnectionMetrics {
        ConnectionMetrics {
            open: ConnState::ALL.map(|s| {
                t.gauge(
                    names::HTTP_CONNECTIONS_OPEN,
                    vec![label("state", s.as_str())],
                )
            }),
            closed: ConnClose::ALL.map(|r| {
                t.counter(
                    names::HTTP_CONNECTIONS_CLOSED,
                    vec![label("reason", r.as_str())],
                )
            }),
            accept_errors: AcceptError::ALL
                .map(|r| t.counter(names::HTTP_ACCEPT_ERRORS, vec![label("reason", r.as_str())])),
        }
    }
}

/// A connection changed state: opened (`from: None`), moved, or ended (`to: None`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionMoved {
    /// Its state before, if it was open.
    pub from: Option<ConnState>,
    /// Its state now, if it is still open.
    pub to: Option<ConnState>,
}

impl ConnectionMoved {
    /// Moves the connection between the open gauge's states.
    pub fn emit(&self, m: &ConnectionMetrics) {
        let index = |s: ConnState| ConnState::ALL.iter().position(|x| *x == s).unwrap_or(0);
        if let Some(from) = self.from {
            m.open[index(from)].decrement(1.0);
        }
        if let Some(to) = self.to {
            m.open[index(to)].increment(1.0);
        }
    }
}

/// The server decided to close a connection (or saw it end).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionClosed {
    /// Why.
    pub reason: ConnClose,
}

impl ConnectionClosed {
    /// Counts the closing and logs it.
    pub fn emit(&self, m: &ConnectionMetrics) {
        let i = ConnClose::ALL
            .iter()
            .position(|r| *r == self.reason)
            .unwrap_or(0);
        m.closed[i].increment(1);
        tracing::debug!(target: "switchboard::http", reason = self.reason.as_str(), "connection closed");
    }
}

/// An accept failed (the loop backs off).
#[derive(Debug, Clone, Copy)]
pub struct AcceptFailed {
    /// Why.
    pub reason: AcceptError,
}

impl AcceptFailed {
    /// Counts the failure.
    pub fn emit(&self, m: &ConnectionMetrics) {
        let i = AcceptError::ALL
            .iter()
            .position(|r| *r == self.reason)
            .unwrap_or(0);
        m.accept_errors[i].increment(1);
    }
}

/// Why an event stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamClose {
    /// A newer stream of the same user or conversation took its place (the per-user cap).
    Replaced,
    /// The server shut down.
    Shutdown,
    /// The client went away.
    Client,
    /// The stream could not start (the store could not be read).
    Error,
}

impl StreamClose {
    /// Every reason, in label order.
    pub const ALL: [StreamClose; 4] = [
        StreamClose::Replaced,
        StreamClose::Shutdown,
        StreamClose::Client,
        StreamClose::Error,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamClose::Replaced => "replaced",
            StreamClose::Shutdown => "shutdown",
            StreamClose::Client => "client",
            StreamClose::Error => "error",
        }
    }
}

/// Why an event stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRefusal {
    /// The instance's cap on open streams was reached (`503 too_many_streams`).
    Full,
    /// The server was shutting down.
    ShuttingDown,
}

impl StreamRefusal {
    /// Every reason, in label order.
    pub const ALL: [StreamRefusal; 2] = [StreamRefusal::Full, StreamRefusal::ShuttingDown];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamRefusal::Full => "full",
            StreamRefusal::ShuttingDown => "shutting_down",
        }
    }
}

/// The event streams' metric handles, registered once per instance.
#[derive(Debug, Clone)]
pub struct StreamMetrics {
    open: Gauge,
    closed: [Counter; 4],
    refused: [Counter; 2],
}

impl StreamMetrics {
    /// Registers every series (at 0).
    pub fn new(t: &Telemetry) -> StreamMetrics {
        StreamMetrics {
            open: t.gauge(names::EVENT_STREAMS_OPEN, Vec::new()),
            closed: StreamClose::ALL.map(|r| {
                t.counter(
                    names::EVENT_STREAMS_CLOSED,
                    vec![label("reason", r.as_str())],
                )
            }),
            refused: StreamRefusal::ALL.map(|r| {
                t.counter(
                    names::EVENT_STREAMS_REFUSED,
                    vec![label("reason", r.as_str())],
                )
            }),
        }
    }
}

/// How many event streams hold a place now.
#[derive(Debug, Clone, Copy)]
pub struct StreamsOpen(pub usize);

impl StreamsOpen {
    /// Sets the gauge.
    pub fn emit(&self, m: &StreamMetrics) {
        #[allow(clippy::cast_precision_loss)]
        m.open.set(self.0 as f64);
    }
}

/// An event stream ended.
#[derive(Debug, Clone, Copy)]
pub struct StreamClosed {
    /// Why.
    pub reason: StreamClose,
}

impl StreamClosed {
    /// Counts the ending.
    pub fn emit(&self, m: &StreamMetrics) {
        let i = StreamClose::ALL
            .iter()
            .position(|r| *r == self.reason)
            .unwrap_or(0);
        m.closed[i].increment(1);
        tracing::debug!(target: "switchboard::webhooks", reason = self.reason.as_str(), "event stream closed");
    }
}

/// An event stream was refused.
#[derive(Debug, Clone, Copy)]
pub struct StreamRefused {
    /// Why.
    pub reason: StreamRefusal,
}

impl StreamRefused {
    /// Counts the refusal.
    pub fn emit(&self, m: &StreamMetrics) {
        let i = StreamRefusal::ALL
            .iter()
            .position(|r| *r == self.reason)
            .unwrap_or(0);
        m.refused[i].increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_exists_from_start_and_moves_with_its_events() {
        let t = Telemetry::new();
        let c = ConnectionMetrics::new(&t);
        let s = StreamMetrics::new(&t);
        let text = t.render();
        for line in [
            "switchboard_http_connections_open{state=\"handshake\"} 0",
            "switchboard_http_connections_closed_total{reason=\"shutdown\"} 0",
            "switchboard_http_accept_errors_total{reason=\"descriptors\"} 0",
            "switchboard_event_streams_open 0",
            "switchboard_event_streams_closed_total{reason=\"replaced\"} 0",
            "switchboard_event_streams_refused_total{reason=\"full\"} 0",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        ConnectionMoved {
            from: None,
            to: Some(ConnState::Handshake),
        }
        .emit(&c);
        ConnectionMoved {
            from: Some(ConnState::Handshake),
            to: Some(ConnState::Busy),
        }
        .emit(&c);
        ConnectionClosed {
            reason: ConnClose::IdleTimeout,
        }
        .emit(&c);
        AcceptFailed {
            reason: AcceptError::Descriptors,
        }
        .emit(&c);
        StreamsOpen(2).emit(&s);
        StreamClosed {
            reason: StreamClose::Client,
        }
        .emit(&s);
        StreamRefused {
            reason: StreamRefusal::ShuttingDown,
        }
        .emit(&s);
        let text = t.render();
        for line in [
            "switchboard_http_connections_open{state=\"handshake\"} 0",
            "switchboard_http_connections_open{state=\"busy\"} 1",
            "switchboard_http_connections_closed_total{reason=\"idle_timeout\"} 1",
            "switchboard_http_accept_errors_total{reason=\"descriptors\"} 1",
            "switchboard_event_streams_open 2",
            "switchboard_event_streams_closed_total{reason=\"client\"} 1",
            "switchboard_event_streams_refused_total{reason=\"shutting_down\"} 1",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
