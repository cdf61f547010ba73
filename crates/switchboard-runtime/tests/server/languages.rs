//! A parcel bot written from scratch in three languages (English, Hinglish, Arabic), against a
//! small API of its own: replies in the language the user writes in, remembered for the
//! conversation; ids in other digits and cases reach the API as it knows them; times as
//! people say them; small talk the project has no intent for; and near misses turned away.

use crate::common;

use axum::extract::{Path, Query};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use switchboard_runtime::engine::{Engine, TurnResponse};

const PARCELS: &str = r#"
bot:
  turn_deadline: 3s
  out_of_scope:
    - "book a flight to paris"
    - "book a hotel room"
    - "book a table for dinner"
    - "order a pizza"
connectors:
  post:
    base_url: BACKEND
    timeout: 2s
    operations:
      parcel:
        path: /parcels/{id}
        inputs: { id: { type: string, pattern: "^TRK[0-9]{4}$" } }
        response: { extract: { city: $.city } }
      rate:
        path: /rates
        inputs: { base: string, target: string }
        query: { base: "{{ inputs.base }}", target: "{{ inputs.target }}" }
        response: { extract: { rate: $.rate } }
      slot:
        path: /slots
        inputs: { time: { type: string, pattern: "^[0-2][0-9]:[0-5][0-9]$" } }
        query: { time: "{{ inputs.time }}" }
        response: { extract: { time: $.time } }
entities:
  currency:
    values:
      USD: [dollar, dollars, bucks, دولار]
      INR: [rupee, rupees, rupaye, روبية]
      AED: [dirham, dirhams, درهم]
  tracking:
    pattern: "(?i)\\b(TRK\\s?\\d{4})\\b"
    case: upper
    strip: " "
intents:
  track:
    examples:
      en: ["where is parcel TRK1234", "track my parcel", "tracking TRK1000 please", "where is my package"]
      hi-Latn: ["mera parcel kahan hai", "TRK1234 track karo", "parcel kab aayega", "package ka status batao"]
      ar: ["وين الشحنة", "تتبع الطرد TRK1234", "متى توصل الشحنة", "حالة الطرد"]
    slots:
      id: { entity: tracking, ask: "Which tracking number?" }
    steps:
      p: { call: post.parcel, with: { id: "{{ slots.id }}" } }
    reply:
      - { language: hi-Latn, text: "Parcel {{ slots.id }} abhi {{ steps.p.city }} mein hai." }
      - { language: ar, text: "الشحنة {{ slots.id }} الآن في {{ steps.p.city }}." }
      - text: "Parcel {{ slots.id }} is in {{ steps.p.city }}."
  rate:
    examples:
      en: ["dollar to rupee rate", "convert 10 dollars to dirhams", "exchange rate USD INR", "how much is a dirham in rupees"]
      hi-Latn: ["dollar ka rate kya hai", "dirham to rupee rate batao"]
      ar: ["سعر الدولار", "كم الدرهم بالروبية"]
    slots:
      base: { entity: currency, default: USD }
      target: { entity: currency, ask: "Which currency?" }
    steps:
      r: { call: post.rate, with: { base: "{{ slots.base }}", target: "{{ slots.target }}" } }
    reply: "1 {{ slots.base }} = {{ steps.r.rate }} {{ slots.target }}."
  pickup:
    examples:
      en: ["book a pickup slot", "book a pickup at 10:00", "schedule a pickup", "reserve a collection time"]
      hi-Latn: ["pickup book karo", "pickup ka slot chahiye"]
      ar: ["احجز موعد استلام", "ابي موعد للاستلام"]
    slots:
      time: { entity: time, ask: "What time?" }
    steps:
      s: { call: post.slot, with: { time: "{{ slots.time }}" } }
    reply: "Pickup booked at {{ steps.s.time }}."
"#;

type Seen = Arc<Mutex<Vec<String>>>;

/// The API: a parcel is wherever its id says; a slot echoes its time. Every path and query
/// is recorded.
async fn api() -> (std::net::SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let (a, b) = (seen.clone(), seen.clone());
    let app = Router::new()
        .route(
            "/api/v2/parcels/{id}",
            get(move |Path(id): Path<String>| {
                a.lock().unwrap().push(format!("parcel {id}"));
                async move { Json(json!({ "city": "Dubai" })) }
            }),
        )
        .route(
            "/api/v2/rates",
            get({
                let c = seen.clone();
                move |Query(q): Query<HashMap<String, String>>| {
                    let (base, target) = (q["base"].clone(), q["target"].clone());
                    c.lock().unwrap().push(format!("rate {base} {target}"));
                    async move { Json(json!({ "rate": 2 })) }
                }
            }),
        )
        .route(
            "/api/v2/slots",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let time = q.get("time").cloned().unwrap_or_default();
                b.lock().unwrap().push(format!("slot {time}"));
                async move { Json(json!({ "time": time })) }
            }),
        );
    let addr = common::listen(app).await;
    (addr, seen)
}

struct Bot {
    engine: Arc<Engine>,
    seen: Seen,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn bot(yaml: &str) -> Bot {
    let (addr, seen) = api().await;
    let (project, dir) = common::inline_project(yaml, addr);
    let (engine, data) = common::engine(project).await;
    Bot {
        engine,
        seen,
        _dirs: (dir, data),
    }
}

impl Bot {
    async fn turn(&self, user: &str, text: &str) -> TurnResponse {
        common::turn(&self.engine, user, text).await
    }

    async fn say(&self, user: &str, text: &str) -> String {
        common::replies(&self.turn(user, text).await)
    }

    fn last_call(&self) -> String {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn replies_come_in_the_language_the_user_writes_and_stay_in_it() {
    let b = bot(PARCELS).await;
    assert_eq!(
        b.say("en", "where is my parcel TRK1001?").await,
        "Parcel TRK1001 is in Dubai."
    );
    // Hinglish, an id typed in lower case with a space: the API gets it as it knows it.
    assert_eq!(
        b.say("hi", "mera parcel trk 1002 kahan hai").await,
        "Parcel TRK1002 abhi Dubai mein hai."
    );
    assert_eq!(b.last_call(), "parcel TRK1002");
    // Arabic, with Arabic-Indic digits.
    assert_eq!(
        b.say("ar", "وين الشحنة TRK١٠٠٣").await,
        "الشحنة TRK1003 الآن في Dubai."
    );
    assert_eq!(b.last_call(), "parcel TRK1003");
    // A message that says nothing of its language keeps the conversation's.
    assert_eq!(b.say("ar", "TRK1004").await, "الشحنة TRK1004 الآن في Dubai.");
    assert_eq!(
        b.say("hi", "TRK1005").await,
        "Parcel TRK1005 abhi Dubai mein hai."
    );
}

#[tokio::test]
async fn times_as_people_say_them_reach_the_api_as_hh_mm() {
    let b = bot(PARCELS).await;
    for (user, said, time) in [
        ("t1", "book a pickup at 4pm", "16:00"),
        ("t2", "pickup book karo shaam 5 baje", "17:00"),
        ("t3", "احجز موعد استلام الساعة ١٠ صباحا", "10:00"),
        ("t4", "schedule a pickup at 10:30 am", "10:30"),
    ] {
        let reply = b.say(user, said).await;
        assert_eq!(reply, format!("Pickup booked at {time}."), "{said}");
        assert_eq!(b.last_call(), format!("slot {time}"), "{said}");
    }
}

#[tokio::test]
async fn small_talk_the_project_lacks_is_answered_in_the_users_language() {
    let b = bot(PARCELS).await;
    let res = b.turn("en", "thanks!").await;
    assert_eq!(res.intent.as_ref().map(|i| i.name.as_str()), Some("thanks"));
    assert_eq!(res.replies[0].text, "You're welcome!");
    b.say("hi", "mera parcel TRK1001 kahan hai").await;
    assert_eq!(b.say("hi", "shukriya").await, "Koi baat nahi!");
    b.say("ar", "وين الشحنة TRK1001").await;
    assert_eq!(b.say("ar", "شكرا").await, "العفو!");
    // Greetings without a `greet` intent, in the language of the greeting.
    assert_eq!(
        b.say("new", "namaste").await,
        "Namaste! Main aapki kya madad kar sakta hoon?"
    );
    assert_eq!(b.say("new2", "hello").await, "Hello! How can I help?");
    // Turned off, small talk is not understood: the fallback answers.
    let off = bot(&PARCELS.replace(
        "  turn_deadline: 3s\n",
        "  turn_deadline: 3s\n  small_talk: false\n",
    ))
    .await;
    let res = off.turn("en", "thanks!").await;
    assert!(res.intent.is_none(), "{:?}", res.intent);
}

#[tokio::test]
async fn near_misses_listed_as_out_of_scope_are_turned_away() {
    let with = bot(PARCELS).await;
    let without = bot(&PARCELS.replace(
        "  out_of_scope:\n    - \"book a flight to paris\"\n    - \"book a hotel room\"\n    - \"book a table for dinner\"\n    - \"order a pizza\"\n",
        "",
    ))
    .await;
    let said = "book me a pizza";
    let taken = without.turn("u", said).await;
    assert_eq!(
        taken.intent.as_ref().map(|i| i.name.as_str()),
        Some("pickup"),
        "without out_of_scope examples the near miss passes as a pickup"
    );
    let turned = with.turn("u", said).await;
    assert!(turned.intent.is_none(), "{:?}", turned.intent);
    // The bot's own requests still pass.
    let kept = with.turn("v", "book a pickup slot at 9am").await;
    assert_eq!(
        kept.intent.as_ref().map(|i| i.name.as_str()),
        Some("pickup")
    );
}

#[tokio::test]
async fn a_conversion_goes_from_the_currency_of_the_amount() {
    let b = bot(PARCELS).await;
    for (user, said, call) in [
        ("c1", "how many rupees is 100 dirhams", "rate AED INR"),
        ("c2", "100 dirham kitne rupaye", "rate AED INR"),
        ("c3", "convert 10 dollars to dirhams", "rate USD AED"),
        ("c4", "dollar to rupee rate", "rate USD INR"),
        ("c5", "كم ٥٠ درهم بالروبية", "rate AED INR"),
    ] {
        b.say(user, said).await;
        assert_eq!(b.last_call(), call, "{said}");
    }
}
