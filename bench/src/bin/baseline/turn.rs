//! The hand-written turn: parse the order number, make the four calls, word the reply.

use axum::Json;
use axum::extract::State;
use reqwest::header::{ACCEPT, HeaderValue};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;

/// The upstream store API.
pub struct Store {
    client: reqwest::Client,
    base: String,
    key: HeaderValue,
}

#[derive(Deserialize)]
pub struct ChatRequest {
    user_id: String,
    text: String,
}

#[derive(Serialize)]
pub struct ChatResponse {
    conversation_id: String,
    replies: Vec<Reply>,
    intent: Intent,
    slots: Slots,
    calls: Vec<Call>,
}

#[derive(Serialize)]
struct Reply {
    text: String,
}

#[derive(Serialize)]
struct Intent {
    name: &'static str,
    confidence: f32,
}

#[derive(Serialize)]
struct Slots {
    order_id: Option<String>,
}

#[derive(Serialize)]
struct Call {
    operation: &'static str,
    status: Option<u16>,
    outcome: &'static str,
    latency_ms: f64,
    cached: bool,
    attempts: u32,
}

#[derive(Deserialize)]
struct Order {
    status: String,
    customer_id: String,
    shipment: Option<ShipmentRef>,
}

#[derive(Deserialize)]
struct ShipmentRef {
    tracking_number: Option<String>,
}

#[derive(Deserialize)]
struct Shipment {
    location: Location,
    estimated_delivery: String,
}

#[derive(Deserialize)]
struct Location {
    city: String,
}

#[derive(Deserialize)]
struct Customer {
    first_name: String,
}

#[derive(Serialize)]
struct Note<'a> {
    customer_id: &'a str,
    channel: &'static str,
    summary: String,
}

#[derive(Deserialize)]
struct Created {
    #[allow(dead_code)]
    id: String,
}

type Fetched<T> = (Call, Option<T>);

impl Store {
    /// A store client on `base` (`http://127.0.0.1:8081/api/v2`).
    pub fn new(client: reqwest::Client, base: &str, key: &str) -> anyhow::Result<Store> {
        Ok(Store {
            client,
            base: base.trim_end_matches('/').to_string(),
            key: HeaderValue::from_str(key)?,
        })
    }

    async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        operation: &'static str,
        path: String,
    ) -> Fetched<T> {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(operation, req, 200).await
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        operation: &'static str,
        req: reqwest::RequestBuilder,
        want: u16,
    ) -> Fetched<T> {
        let started = Instant::now();
        let resp = req
            .header("x-api-key", self.key.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await;
        let (status, value) = match resp {
            Ok(r) => {
                let status = r.status().as_u16();
                let value = if status == want {
                    r.json::<T>().await.ok()
                } else {
                    None
                };
                (Some(status), value)
            }
            Err(_) => (None, None),
        };
        let outcome = if value.is_some() { "ok" } else { "unavailable" };
        let call = Call {
            operation,
            status,
            outcome,
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            cached: false,
            attempts: 1,
        };
        (call, value)
    }
}

/// The first run of three or more digits: the order number.
fn order_id(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|s| s.len() >= 3 && s.len() <= 10)
}

/// `POST /v1/chat`.
pub async fn chat(
    State(store): State<Arc<Store>>,
    Json(req): Json<ChatRequest>,
) -> Json<ChatResponse> {
    let mut calls = Vec::with_capacity(4);
    let order_id = order_id(&req.text).map(str::to_string);
    let text = match &order_id {
        None => "What's your order number?".to_string(),
        Some(id) => turn(&store, id, &mut calls).await.unwrap_or_else(|| {
            "Our order system isn't answering right now. Shall I connect you to an agent?"
                .to_string()
        }),
    };
    Json(ChatResponse {
        conversation_id: format!("user-{}", req.user_id),
        replies: vec![Reply { text }],
        intent: Intent {
            name: "order_status",
            confidence: 1.0,
        },
        slots: Slots { order_id },
        calls,
    })
}

/// A Rasa action call: only what `action_order_status` reads.
#[derive(Deserialize)]
pub struct ActionCall {
    next_action: String,
    tracker: Tracker,
}

#[derive(Deserialize)]
struct Tracker {
    #[serde(default)]
    slots: std::collections::HashMap<String, serde_json::Value>,
}

/// `POST /webhook`: `action_order_status` written by hand, answering Rasa events and responses.
pub async fn rasa(
    State(store): State<Arc<Store>>,
    Json(call): Json<ActionCall>,
) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    use serde_json::json;
    if call.next_action != "action_order_status" {
        let error = format!(
            "No registered action found for name '{}'.",
            call.next_action
        );
        return (
            axum::http::StatusCode::NOT_FOUND,
            Json(json!({ "error": error, "action_name": call.next_action })),
        );
    }
    let order_id = call
        .tracker
        .slots
        .get("order_id")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let mut calls = Vec::with_capacity(4);
    let (text, events) = match &order_id {
        None => ("What's your order number?".to_string(), json!([])),
        Some(id) => (
            turn(&store, id, &mut calls).await.unwrap_or_else(|| {
                "Our order system isn't answering right now. Shall I connect you to an agent?"
                    .to_string()
            }),
            json!([{ "event": "slot", "timestamp": null, "name": "order_id", "value": id }]),
        ),
    };
    (
        axum::http::StatusCode::OK,
        Json(json!({ "events": events, "responses": [{ "text": text }] })),
    )
}

async fn turn(store: &Store, id: &str, calls: &mut Vec<Call>) -> Option<String> {
    let (call, order) = store
        .get::<Order>("store.get_order", format!("/orders/{id}"))
        .await;
    calls.push(call);
    let order = order?;
    let tracking = order.shipment.and_then(|s| s.tracking_number);
    let shipment = async {
        match &tracking {
            Some(t) => Some(
                store
                    .get::<Shipment>("store.get_shipment", format!("/shipments/{t}"))
                    .await,
            ),
            None => None,
        }
    };
    let customer = store.get::<Customer>(
        "store.get_customer",
        format!("/customers/{}", order.customer_id),
    );
    let (shipment, (customer_call, customer)) = tokio::join!(shipment, customer);
    let shipment = shipment.and_then(|(call, s)| {
        calls.push(call);
        s
    });
    calls.push(customer_call);
    let Some(customer) = customer else {
        return Some(format!("Your order {id} is {}.", order.status));
    };
    let note = Note {
        customer_id: &order.customer_id,
        channel: "chat",
        summary: format!("order status {id}: {}", order.status),
    };
    let req = store
        .client
        .post(format!("{}/interactions", store.base))
        .json(&note);
    let (call, _created) = store
        .send::<Created>("store.log_interaction", req, 201)
        .await;
    calls.push(call);
    Some(match shipment {
        Some(s) => format!(
            "Hi {}, your order {id} is {}; it is in {}, arriving {}.",
            customer.first_name, order.status, s.location.city, s.estimated_delivery
        ),
        None => format!(
            "Hi {}, your order {id} is {}.",
            customer.first_name, order.status
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_order_number() {
        assert_eq!(order_id("where is my order 1001?"), Some("1001"));
        assert_eq!(order_id("order #A-2231 please"), Some("2231"));
        assert_eq!(order_id("where is my order?"), None);
    }
}
