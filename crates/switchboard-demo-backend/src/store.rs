//! The demo's mutable data (bookings, refunds, id counters), kept in memory behind one lock.

use std::collections::{BTreeMap, HashMap, VecDeque};

use axum::http::StatusCode;
use serde_json::Value;

/// How many idempotency keys are remembered; the oldest are forgotten first, so a long
/// benchmark cannot grow the process without bound.
const MAX_IDEMPOTENCY_KEYS: usize = 100_000;

/// A finished answer kept for replay under its idempotency key.
#[derive(Debug, Clone)]
pub(crate) struct StoredAnswer {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    interactions: u64,
    tickets: u64,
    appointments: u64,
    refunds: u64,
    /// `(date, time)` -> appointment id.
    bookings: BTreeMap<(String, String), String>,
    refund_answers: HashMap<String, StoredAnswer>,
    refund_keys: VecDeque<String>,
    /// Payments made through `POST /admin/payments`, oldest first (the last 100).
    new_payments: VecDeque<Value>,
    payments_made: u64,
}

impl Store {
    /// Records a new succeeded payment for `user` and returns it (`PAY-2001`, `PAY-2002`, ...).
    pub(crate) fn add_payment(&mut self, user: &str, amount: u64, currency: &str) -> Value {
        self.payments_made += 1;
        let payment = serde_json::json!({
            "id": format!("PAY-{}", 2000 + self.payments_made),
            "status": "succeeded",
            "amount": amount,
            "currency": currency,
            "metadata": { "user_id": user },
            "created_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        if self.new_payments.len() == 100 {
            self.new_payments.pop_front();
        }
        self.new_payments.push_back(payment.clone());
        payment
    }

    /// The payments made so far, oldest first.
    pub(crate) fn new_payments(&self) -> Vec<Value> {
        self.new_payments.iter().cloned().collect()
    }

    pub(crate) fn next_interaction_id(&mut self) -> String {
        self.interactions += 1;
        format!("INT-{}", self.interactions)
    }

    pub(crate) fn next_ticket_id(&mut self) -> String {
        self.tickets += 1;
        format!("TCK-{}", self.tickets)
    }

    pub(crate) fn is_booked(&self, date: &str, time: &str) -> bool {
        self.bookings
            .contains_key(&(date.to_owned(), time.to_owned()))
    }

    /// Books a free slot and returns the appointment id; the caller checks availability
    /// under the same lock.
    pub(crate) fn book(&mut self, date: &str, time: &str) -> String {
        self.appointments += 1;
        let id = format!("APT-{}", self.appointments);
        self.bookings
            .insert((date.to_owned(), time.to_owned()), id.clone());
        id
    }

    pub(crate) fn next_refund_id(&mut self) -> String {
        self.refunds += 1;
        format!("RF-{}", self.refunds)
    }

    pub(crate) fn refund_answer(&self, key: &str) -> Option<StoredAnswer> {
        self.refund_answers.get(key).cloned()
    }

    pub(crate) fn remember_refund_answer(&mut self, key: &str, answer: StoredAnswer) {
        if self.refund_keys.len() >= MAX_IDEMPOTENCY_KEYS
            && let Some(oldest) = self.refund_keys.pop_front()
        {
            self.refund_answers.remove(&oldest);
        }
        self.refund_keys.push_back(key.to_owned());
        self.refund_answers.insert(key.to_owned(), answer);
    }
}
