//! What the dialogue does with what users actually write, on a helpdesk bot written from
//! scratch against a small API of its own (not the demo): a new value beats a carried one,
//! yes and no in the words people use, a free-text slot filled by the message that starts the
//! intent, and bare answers to a slot question.

use crate::common;

use axum::extract::{Path, Query};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use switchboard_runtime::engine::Engine;

const HELPDESK: &str = r#"
bot:
  turn_deadline: 3s
connectors:
  desk:
    base_url: BACKEND
    timeout: 2s
    operations:
      ticket:
        path: /tickets/{id}
        inputs: { id: { type: string, pattern: "^[0-9]{3,6}$" } }
        response: { extract: { status: $.status, id: $.id } }
      open_ticket:
        method: POST
        path: /tickets
        inputs: { description: { type: string, max_length: 500 } }
        body: { description: "{{ inputs.description }}" }
        response: { extract: { id: $.id } }
      weather:
        path: /weather
        inputs: { city: string }
        query: { city: "{{ inputs.city }}" }
        response: { extract: { city: $.city } }
entities:
  ticket_id:
    pattern: "(?i)\\bticket\\s*#?(\\d{3,6})\\b"
  city:
    values:
      London: [london]
      Dubai: [dubai]
      Paris: [paris]
intents:
  ticket_status:
    examples:
      - "status of ticket 9999"
      - "what's happening with ticket 1234"
      - "any news on ticket 4321"
      - "check ticket 5555 for me"
    slots:
      ticket: { entity: ticket_id, ask: "Which ticket?" }
    steps:
      t: { call: desk.ticket, with: { id: "{{ slots.ticket }}" } }
    reply: "Ticket {{ steps.t.id }} is {{ steps.t.status }}."
  open_ticket:
    examples:
      - "open a ticket"
      - "I need to open a support ticket"
      - "create a ticket please"
      - "raise a ticket"
    slots:
      description: { ask: "What's the problem?" }
    confirm: "Open a ticket about \"{{ slots.description }}\"?"
    steps:
      new: { call: desk.open_ticket, with: { description: "{{ slots.description }}" } }
    reply: "Ticket {{ steps.new.id }} is open."
  weather:
    examples:
      - "weather in London"
      - "what's the weather in Paris"
      - "is it raining in Dubai"
      - "forecast for London"
    slots:
      city: { entity: city, ask: "Which city?" }
    steps:
      w: { call: desk.weather, with: { city: "{{ slots.city }}" } }
    reply: "Weather for {{ steps.w.city }}: mild."
  other:
    examples: [tell me a joke, who made you, what is the meaning of life]
    reply: other
"#;

/// The helpdesk API: any ticket exists; opening one counts and echoes the description.
async fn helpdesk() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let opened = Arc::new(AtomicUsize::new(0));
    let count = opened.clone();
    let app = Router::new()
        .route(
            "/api/v2/tickets/{id}",
            get(|Path(id): Path<String>| async move { Json(json!({"id": id, "status": "open"})) }),
        )
        .route(
            "/api/v2/tickets",
            post(move |Json(body): Json<Value>| {
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                async move { Json(json!({"id": format!("T-{n}"), "description": body["description"]})) }
            }),
        )
        .route(
            "/api/v2/weather",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                Json(json!({"city": q.get("city").cloned().unwrap_or_default()}))
            }),
        );
    let addr = common::listen(app).await;
    (addr, opened)
}

struct Desk {
    engine: Arc<Engine>,
    opened: Arc<AtomicUsize>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn desk() -> Desk {
    let (addr, opened) = helpdesk().await;
    let (project, dir) = common::inline_project(HELPDESK, addr);
    let (engine, data) = common::engine(project).await;
    Desk {
        engine,
        opened,
        _dirs: (dir, data),
    }
}

impl Desk {
    /// One turn of `user` in their default conversation: the replies joined.
    async fn say(&self, user: &str, text: &str) -> String {
        common::replies(&common::turn(&self.engine, user, text).await)
    }
}

#[tokio::test]
async fn a_new_value_beats_the_carried_one_or_is_asked_about() {
    let d = desk().await;
    assert_eq!(
        d.say("u1", "weather in London").await,
        "Weather for London: mild."
    );
    // A city the entity does not know: asked about with the reason, never London again.
    let tokyo = d.say("u1", "weather in Tokyo").await;
    assert!(!tokyo.contains("London"), "{tokyo}");
    assert!(
        tokyo.contains("\"Tokyo\"") && tokyo.ends_with("Which city?"),
        "{tokyo}"
    );
    assert_eq!(d.say("u1", "Paris").await, "Weather for Paris: mild.");

    assert_eq!(
        d.say("u2", "status of ticket 9999").await,
        "Ticket 9999 is open."
    );
    // "12" is too short for a ticket: asked about, not answered about 9999.
    let short = d.say("u2", "status of ticket 12").await;
    assert!(!short.contains("9999"), "{short}");
    assert!(
        short.contains("\"12\"") && short.ends_with("Which ticket?"),
        "{short}"
    );
    assert_eq!(d.say("u2", "ticket 4242").await, "Ticket 4242 is open.");
    // A value the entity takes but the operation's input refuses is asked about too.
    assert_eq!(
        d.say("u3", "status of ticket 1111").await,
        "Ticket 1111 is open."
    );
    let long = d.say("u3", "status of ticket 1234567").await;
    assert!(!long.contains("1111"), "{long}");
}

#[tokio::test]
async fn a_bare_answer_is_read_in_the_context_the_examples_give() {
    let d = desk().await;
    assert_eq!(
        d.say("u1", "what's happening with my ticket?").await,
        "Which ticket?"
    );
    // The pattern needs "ticket" before the number; the question gave that context.
    assert_eq!(d.say("u1", "4321").await, "Ticket 4321 is open.");
    assert_eq!(d.say("u2", "what's the weather").await, "Which city?");
    assert_eq!(d.say("u2", "Dubai").await, "Weather for Dubai: mild.");
}

#[tokio::test]
async fn people_say_yes_and_no_in_their_own_words() {
    let d = desk().await;
    for (n, yes) in ["sure, go ahead", "yes please", "ok do it", "haan", "تمام"]
        .into_iter()
        .enumerate()
    {
        let user = format!("yes-{n}");
        assert_eq!(d.say(&user, "open a ticket").await, "What's the problem?");
        let asked = d.say(&user, "the printer on floor 3 is jammed").await;
        assert!(asked.starts_with("Open a ticket about"), "{asked}");
        let done = d.say(&user, yes).await;
        assert!(done.ends_with("is open."), "{yes}: {done}");
    }
    assert_eq!(d.opened.load(Ordering::SeqCst), 5);
    for (n, no) in ["no wait", "not now", "nahi"].into_iter().enumerate() {
        let user = format!("no-{n}");
        assert_eq!(d.say(&user, "open a ticket").await, "What's the problem?");
        let asked = d.say(&user, "the printer on floor 3 is jammed").await;
        assert!(asked.starts_with("Open a ticket about"), "{asked}");
        assert_eq!(
            d.say(&user, no).await,
            "OK, I won't go ahead. Anything else I can do?"
        );
    }
    assert_eq!(
        d.opened.load(Ordering::SeqCst),
        5,
        "no ticket opened on a no"
    );
    // "no wait" to the slot question is not the problem's description.
    assert_eq!(d.say("w", "open a ticket").await, "What's the problem?");
    let stopped = d.say("w", "no wait").await;
    assert!(stopped.starts_with("OK"), "{stopped}");
    assert!(!stopped.contains("no wait"), "{stopped}");
    assert_eq!(d.opened.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn the_message_that_starts_an_intent_fills_its_free_text_slot() {
    let d = desk().await;
    let asked = d.say("u1", "my laptop is broken, open a ticket").await;
    assert_eq!(
        asked,
        "Open a ticket about \"my laptop is broken, open a ticket\"?"
    );
    assert_eq!(d.say("u1", "yes").await, "Ticket T-1 is open.");
    // A bare request still asks.
    assert_eq!(
        d.say("u2", "open a ticket please").await,
        "What's the problem?"
    );
}
