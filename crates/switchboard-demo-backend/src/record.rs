//! Call counters and the request log: the evidence tests read to prove what a client sent.

use std::collections::{BTreeMap, VecDeque};

use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::route::Route;

/// How many requests the log keeps; older ones are dropped first.
pub const MAX_RECORDED_REQUESTS: usize = 1000;

/// Calls received under `/api/v2` since start or the last reset (`GET /admin/stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Calls per route, every route listed (zero when never called). Faulted and
    /// unauthorised calls count too: they reached the server.
    pub routes: BTreeMap<Route, u64>,
    /// All calls under `/api/v2`, including those that matched no route.
    pub total: u64,
    /// Calls under `/api/v2` that matched no route (answered 404).
    pub unmatched: u64,
    /// Calls answered by an injected fault.
    pub faulted: u64,
}

impl Stats {
    /// Calls received on one route.
    pub fn calls(&self, route: Route) -> u64 {
        self.routes.get(&route).copied().unwrap_or(0)
    }
}

/// One request as it reached the server (`GET /admin/requests`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Sequence number since start, increasing; survives resets so entries stay distinct.
    pub seq: u64,
    /// When it arrived (RFC 3339, UTC).
    pub received_at: String,
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path and query exactly as they arrived on the wire: not decoded, not normalised, so
    /// `/api/v2/orders/..%2Fadmin` stays `..%2Fadmin`.
    pub path: String,
    /// Headers by lower-case name; repeated headers are joined with `, `, and bytes that are
    /// not UTF-8 are replaced.
    pub headers: BTreeMap<String, String>,
    /// Body as text (bytes that are not UTF-8 are replaced); empty when there was none.
    pub body: String,
    /// The route the request matched, or `None` when it matched no route.
    pub route: Option<Route>,
}

impl RecordedRequest {
    /// A header's value, looked up case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// Counters plus the bounded log, kept together under one lock so they never disagree.
#[derive(Debug)]
pub(crate) struct Recorder {
    routes: BTreeMap<Route, u64>,
    total: u64,
    unmatched: u64,
    faulted: u64,
    next_seq: u64,
    log: VecDeque<RecordedRequest>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            routes: BTreeMap::new(),
            total: 0,
            unmatched: 0,
            faulted: 0,
            next_seq: 1,
            log: VecDeque::with_capacity(64),
        }
    }
}

impl Recorder {
    /// Counts a call and appends it to the log. `path` is the raw path and query.
    pub(crate) fn record(&mut self, route: Option<Route>, parts: &Parts, path: &str, body: &[u8]) {
        self.total += 1;
        match route {
            Some(route) => *self.routes.entry(route).or_insert(0) += 1,
            None => self.unmatched += 1,
        }
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &parts.headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|existing| {
                    existing.push_str(", ");
                    existing.push_str(&value);
                })
                .or_insert(value);
        }
        let entry = RecordedRequest {
            seq: self.next_seq,
            received_at: chrono::Utc::now().to_rfc3339(),
            method: parts.method.as_str().to_owned(),
            path: path.to_owned(),
            headers,
            body: String::from_utf8_lossy(body).into_owned(),
            route,
        };
        self.next_seq += 1;
        if self.log.len() >= MAX_RECORDED_REQUESTS {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    pub(crate) fn count_fault(&mut self) {
        self.faulted += 1;
    }

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            routes: Route::ALL
                .into_iter()
                .map(|route| (route, self.routes.get(&route).copied().unwrap_or(0)))
                .collect(),
            total: self.total,
            unmatched: self.unmatched,
            faulted: self.faulted,
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.log.iter().cloned().collect()
    }

    /// Zeroes the counters and empties the log; sequence numbers keep increasing.
    pub(crate) fn reset(&mut self) {
        let next_seq = self.next_seq;
        *self = Recorder {
            next_seq,
            ..Recorder::default()
        };
    }
}
