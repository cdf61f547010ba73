//! Who reaches which conversation, on a real server with inbound JWT auth and API keys, on
//! SQLite and on PostgreSQL: a user reaches only their own conversations and event stream
//! (others' are 404, exactly like ids that do not exist); nobody can create a conversation
//! under an id of their choosing (so nobody can take another user's); proactive messages land
//! only in their owner's conversation; conversation ids are random; a trusted backend key acts
//! for any user, a key that is not trusted only in the conversations started for it.

use crate::common::{self, Bot};

use futures::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_config::model::{InboundKey, InboundSettings, JwksSource, JwtVerification, Scope};
use switchboard_runtime::conversation::Conversation;
use switchboard_runtime::verify::stripe_sign;

/// The `${file:secrets/key}` the project signs webhooks with.
const WEBHOOK_SECRET: &str = "demo-key";
const BACKEND_KEY: &str = "backend-key-6d0f1e2a9c4b";
const WIDGET_KEY: &str = "widget-key-3a8e5c7b1d90";

const PROJECT: &str = r#"
intents:
  greet:
    examples: [hi, hello, good morning]
    reply: "Hello!"
webhooks:
  payments:
    verify: { type: stripe, secrets: ["${file:secrets/key}"] }
    user_hourly_limit: 100000
    routes:
      payment_intent.succeeded:
        user: $.data.object.metadata.user_id
        message: "Payment {{ event.id }} received."
"#;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwt"))
}

fn key(name: &str, secret: &str, trusted_backend: bool) -> InboundKey {
    InboundKey {
        name: name.into(),
        sha256: Sha256::digest(secret.as_bytes()).into(),
        scopes: vec![Scope::Chat],
        trusted_backend,
    }
}

fn inbound() -> InboundSettings {
    InboundSettings {
        api_keys: vec![
            key("backend", BACKEND_KEY, true),
            key("widget", WIDGET_KEY, false),
        ],
        jwt: Some(JwtVerification {
            jwks: JwksSource::Inline(
                std::fs::read_to_string(fixtures().join("jwks.json")).unwrap(),
            ),
            issuer: "https://login.example.com/".into(),
            audience: "switchboard".into(),
            scope_claim: "scope".into(),
            default_scopes: vec![Scope::Chat],
            leeway: Duration::from_secs(5),
            allow_private_network: false,
        }),
        limits: Default::default(),
        ..InboundSettings::default()
    }
}

/// A JWT for `sub`, signed with the key the JWKS fixture publishes.
fn token(sub: &str) -> String {
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 300;
    let claims = json!({
        "iss": "https://login.example.com/",
        "aud": "switchboard",
        "sub": sub,
        "exp": exp,
        "scope": "chat",
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-rs".into());
    let key =
        EncodingKey::from_rsa_pem(&std::fs::read(fixtures().join("rs256.pem")).unwrap()).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

/// Who makes a request.
#[derive(Clone, Copy)]
enum As<'a> {
    User(&'a str),
    Key(&'a str),
    Nobody,
}

async fn bot(database_url: Option<&str>, inbound: InboundSettings) -> Bot {
    let addr = "127.0.0.1:9".parse().unwrap();
    let (mut project, dir) = common::inline_project(PROJECT, addr);
    project.inbound = inbound;
    common::serve(project, dir, database_url).await
}

/// What the ownership tests do with a served bot.
trait OwnershipBot {
    fn authed(&self, req: reqwest::RequestBuilder, who: As<'_>) -> reqwest::RequestBuilder;
    async fn chat(&self, who: As<'_>, user: &str, conversation: Option<&str>) -> (u16, Value);
    async fn turn(&self, who: As<'_>, user: &str, conversation: Option<&str>) -> String;
    async fn get(&self, who: As<'_>, path: &str) -> reqwest::Response;
    async fn status(&self, who: As<'_>, path: &str) -> u16;
    async fn conversation(&self, who: As<'_>, id: &str) -> Value;
    async fn pay(&self, event_id: &str, user: &str);
}

impl OwnershipBot for Bot {
    fn authed(&self, req: reqwest::RequestBuilder, who: As<'_>) -> reqwest::RequestBuilder {
        match who {
            As::User(sub) => req.bearer_auth(token(sub)),
            As::Key(k) => req.header("x-api-key", k),
            As::Nobody => req,
        }
    }

    /// A turn: (status, body).
    async fn chat(&self, who: As<'_>, user: &str, conversation: Option<&str>) -> (u16, Value) {
        let mut body = json!({"user_id": user, "text": "hello"});
        if let Some(c) = conversation {
            body["conversation_id"] = json!(c);
        }
        let req = self.http.post(format!("{}/v1/chat", self.url)).json(&body);
        let r = self.authed(req, who).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A turn that must succeed; the conversation id it answers with.
    async fn turn(&self, who: As<'_>, user: &str, conversation: Option<&str>) -> String {
        let (status, body) = self.chat(who, user, conversation).await;
        assert_eq!(status, 200, "{body}");
        body["conversation_id"].as_str().unwrap().to_string()
    }

    /// A GET: the response (event streams are left open until it is dropped).
    async fn get(&self, who: As<'_>, path: &str) -> reqwest::Response {
        let req = self.http.get(format!("{}{path}", self.url));
        self.authed(req, who).send().await.unwrap()
    }

    async fn status(&self, who: As<'_>, path: &str) -> u16 {
        self.get(who, path).await.status().as_u16()
    }

    async fn conversation(&self, who: As<'_>, id: &str) -> Value {
        let r = self.get(who, &format!("/v1/conversations/{id}")).await;
        assert_eq!(r.status(), 200, "conversation {id}");
        r.json().await.unwrap()
    }

    /// Delivers a signed payment event for `user`, as the provider would.
    async fn pay(&self, event_id: &str, user: &str) {
        let body = json!({
            "id": event_id,
            "type": "payment_intent.succeeded",
            "created": chrono::Utc::now().timestamp(),
            "data": { "object": { "amount": 4200, "currency": "aed", "metadata": { "user_id": user } } }
        })
        .to_string();
        let sig = stripe_sign(
            WEBHOOK_SECRET,
            chrono::Utc::now().timestamp(),
            body.as_bytes(),
        );
        let r = self
            .http
            .post(format!("{}/v1/webhooks/payments", self.url))
            .header("content-type", "application/json")
            .header("Stripe-Signature", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

/// The id earlier versions computed for a user's default conversation (anyone could).
fn predictable_id(user: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("switchboard:user:{user}").as_bytes(),
    )
    .to_string()
}

fn assert_random(id: &str) {
    let parsed = uuid::Uuid::parse_str(id).unwrap_or_else(|_| panic!("{id} is not a UUID"));
    assert_eq!(parsed.get_version_num(), 4, "{id} is not a random UUID");
}

/// Asserts a 404 `not_found` whose message says only that `id` was not found, so a
/// conversation out of reach looks exactly like one that does not exist.
async fn assert_not_found(r: reqwest::Response, id: &str) {
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found", "{body}");
    assert_eq!(
        body["error"]["message"],
        format!("conversation {id} not found"),
        "{body}"
    );
}

/// Reads server-sent events until `n` have arrived.
async fn read_events(res: reqwest::Response, n: usize) -> Vec<Value> {
    assert_eq!(res.status(), 200);
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    let mut out = Vec::new();
    let read = async {
        while out.len() < n {
            let chunk = stream.next().await.expect("stream open").unwrap();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("data:") {
                        out.push(serde_json::from_str(v.trim()).unwrap());
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("events arrive in time");
    out
}

/// Runs each case on SQLite and on PostgreSQL (a schema of its own).
macro_rules! on_both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(None).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let schema = crate::common::PgSchema::create("ownership").await;
                    super::$case(Some(&schema.url())).await;
                    schema.drop().await;
                }
            )*
        }
    };
}

on_both_stores!(
    a_user_reaches_only_their_own_conversations_and_stream,
    nobody_can_create_a_conversation_under_an_id_of_their_choosing,
    proactive_messages_land_only_in_the_owners_conversation,
    a_trusted_backend_acts_for_anyone_and_a_widget_key_only_where_it_started,
    an_upgrade_keeps_the_owners_conversation_and_never_a_squatters,
);

async fn a_user_reaches_only_their_own_conversations_and_stream(db: Option<&str>) {
    let b = bot(db, inbound()).await;
    let (alice, bob) = (As::User("alice"), As::User("bob"));

    // Random ids, stable per user, not derivable from the user id.
    let a = b.turn(alice, "alice", None).await;
    assert_eq!(
        b.turn(alice, "alice", None).await,
        a,
        "the default is stable"
    );
    let bobs = b.turn(bob, "bob", None).await;
    assert_random(&a);
    assert_random(&bobs);
    assert_ne!(a, bobs);
    assert_ne!(a, predictable_id("alice"));
    assert_eq!(b.conversation(alice, &a).await["user_id"], "alice");

    // Every route taking a conversation id: bob gets exactly what an unknown id gets.
    let unknown = uuid::Uuid::new_v4().to_string();
    for id in [&a, &unknown] {
        assert_not_found(b.get(bob, &format!("/v1/conversations/{id}")).await, id).await;
        assert_not_found(
            b.get(bob, &format!("/v1/conversations/{id}/events")).await,
            id,
        )
        .await;
        let (status, body) = b.chat(bob, "bob", Some(id)).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(
            body["error"]["message"],
            format!("conversation {id} not found")
        );
    }
    // A token speaks only for its subject, whatever the body says.
    assert_eq!(b.chat(bob, "alice", Some(&a)).await.0, 403);
    assert_eq!(b.chat(bob, "alice", None).await.0, 403);

    // Routes taking a user id: only the user's own stream.
    let r = b.get(bob, "/v1/users/alice/events").await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    assert_eq!(b.status(alice, "/v1/users/alice/events").await, 200);
    assert_eq!(
        b.status(alice, &format!("/v1/conversations/{a}/events"))
            .await,
        200
    );
    assert_eq!(
        b.status(bob, &format!("/v1/conversations/{bobs}/events"))
            .await,
        200
    );

    // And alice's conversation is untouched by bob's attempts.
    let conv = b.conversation(alice, &a).await;
    assert_eq!(conv["history"].as_array().unwrap().len(), 4);
    assert_eq!(b.turn(alice, "alice", Some(&a)).await, a);
}

async fn nobody_can_create_a_conversation_under_an_id_of_their_choosing(db: Option<&str>) {
    let b = bot(db, inbound()).await;
    let (alice, bob) = (As::User("alice"), As::User("bob"));
    let backend = As::Key(BACKEND_KEY);
    // Bob tries to take alice's conversation before she has one: by the id earlier versions
    // gave it, and by ids he made up; with his token and with a trusted backend's key.
    let guessed = uuid::Uuid::new_v4().to_string();
    for id in [predictable_id("alice"), guessed, "my-own-id".to_string()] {
        for who in [bob, backend] {
            let (status, body) = b.chat(who, "bob", Some(&id)).await;
            assert_eq!(status, 404, "{body}");
        }
        let (status, _) = b.chat(backend, "alice", Some(&id)).await;
        assert_eq!(status, 404, "not even for alice herself");
        assert_eq!(
            b.status(backend, &format!("/v1/conversations/{id}")).await,
            404
        );
    }
    // Alice's first turn is not refused, and her conversation is hers alone.
    let a = b.turn(alice, "alice", None).await;
    assert_ne!(a, predictable_id("alice"));
    let conv = b.conversation(alice, &a).await;
    assert_eq!(conv["user_id"], "alice");
    assert_eq!(conv["history"].as_array().unwrap().len(), 2);
    // Bob's own default conversation is a different one.
    assert_ne!(b.turn(bob, "bob", None).await, a);
}

async fn proactive_messages_land_only_in_the_owners_conversation(db: Option<&str>) {
    let b = bot(db, inbound()).await;
    let (alice, bob) = (As::User("alice"), As::User("bob"));
    // Bob has a conversation and tries to squat alice's predictable one.
    let bobs = b.turn(bob, "bob", None).await;
    assert_eq!(
        b.chat(bob, "bob", Some(&predictable_id("alice"))).await.0,
        404
    );

    // Alice has never chatted; her payment notice arrives.
    let stream = b.get(alice, "/v1/users/alice/events").await;
    let event = format!("evt_{}", uuid::Uuid::new_v4().simple());
    b.pay(&event, "alice").await;
    let got = read_events(stream, 1).await;
    assert_eq!(got[0]["user_id"], "alice");
    assert_eq!(got[0]["message_id"], format!("payments:{event}"));
    let a = got[0]["conversation_id"].as_str().unwrap().to_string();
    assert_random(&a);
    assert_ne!(a, bobs);

    // It is in alice's conversation, which her next turn continues, and nowhere else.
    let conv = b.conversation(alice, &a).await;
    assert_eq!(conv["user_id"], "alice");
    assert!(conv.to_string().contains(&event), "{conv}");
    assert_eq!(b.turn(alice, "alice", None).await, a);
    let bob_conv = b.conversation(bob, &bobs).await;
    assert!(!bob_conv.to_string().contains(&event), "{bob_conv}");
    assert_eq!(b.status(bob, &format!("/v1/conversations/{a}")).await, 404);
    let squat = b
        .engine
        .store()
        .load(&predictable_id("alice"))
        .await
        .unwrap();
    assert!(
        squat.is_none(),
        "nothing was created under the predictable id"
    );

    // The engine's own entry point goes to the owner's conversation too.
    let marker = format!("note-{}", uuid::Uuid::new_v4().simple());
    let id = b
        .engine
        .add_proactive("alice", &marker, "A note for alice.")
        .await
        .unwrap();
    assert_eq!(id, a);
    let bob_conv = b.conversation(bob, &bobs).await;
    assert!(!bob_conv.to_string().contains(&marker), "{bob_conv}");
    assert!(
        b.conversation(alice, &a)
            .await
            .to_string()
            .contains(&marker)
    );
}

async fn a_trusted_backend_acts_for_anyone_and_a_widget_key_only_where_it_started(
    db: Option<&str>,
) {
    let b = bot(db, inbound()).await;
    let (alice, bob) = (As::User("alice"), As::User("bob"));
    let (backend, widget) = (As::Key(BACKEND_KEY), As::Key(WIDGET_KEY));
    let a = b.turn(alice, "alice", None).await;

    // The trusted backend continues alice's default conversation and follows her stream.
    assert_eq!(b.turn(backend, "alice", None).await, a);
    assert_eq!(b.turn(backend, "alice", Some(&a)).await, a);
    assert_eq!(b.conversation(backend, &a).await["user_id"], "alice");
    assert_eq!(b.status(backend, "/v1/users/alice/events").await, 200);
    assert_eq!(
        b.status(backend, &format!("/v1/conversations/{a}/events"))
            .await,
        200
    );
    // But even it cannot put alice's conversation under bob.
    assert_eq!(b.chat(backend, "bob", Some(&a)).await.0, 404);

    // The widget key starts a conversation of its own for each turn naming none...
    let w = b.turn(widget, "alice", None).await;
    assert_random(&w);
    assert_ne!(w, a);
    let w2 = b.turn(widget, "alice", None).await;
    assert_ne!(w2, w);
    // ...continues one by the id it was given, and reads it...
    assert_eq!(b.turn(widget, "alice", Some(&w)).await, w);
    let conv = b.conversation(widget, &w).await;
    assert_eq!(conv["history"].as_array().unwrap().len(), 4);
    assert_eq!(
        b.status(widget, &format!("/v1/conversations/{w}/events"))
            .await,
        200
    );
    // ...but never reaches alice's default conversation or follows any user's stream.
    assert_not_found(b.get(widget, &format!("/v1/conversations/{a}")).await, &a).await;
    assert_not_found(
        b.get(widget, &format!("/v1/conversations/{a}/events"))
            .await,
        &a,
    )
    .await;
    assert_eq!(b.chat(widget, "alice", Some(&a)).await.0, 404);
    for user in ["alice", "bob"] {
        let r = b.get(widget, &format!("/v1/users/{user}/events")).await;
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "forbidden"
        );
    }
    // The conversation it started belongs to alice: she reaches it, bob does not.
    assert_eq!(b.conversation(alice, &w).await["user_id"], "alice");
    assert_eq!(b.status(bob, &format!("/v1/conversations/{w}")).await, 404);
    assert_eq!(b.chat(widget, "bob", Some(&w)).await.0, 404);

    // Without `inbound:` (loopback only) everything stays open, as before.
    let open = bot(db, InboundSettings::default()).await;
    let o = open.turn(As::Nobody, "alice", None).await;
    assert_eq!(open.conversation(As::Nobody, &o).await["user_id"], "alice");
    assert_eq!(open.status(As::Nobody, "/v1/users/alice/events").await, 200);
    assert_eq!(
        open.status(As::Nobody, &format!("/v1/conversations/{o}/events"))
            .await,
        200
    );
}

async fn an_upgrade_keeps_the_owners_conversation_and_never_a_squatters(db: Option<&str>) {
    let b = bot(db, inbound()).await;
    let store = b.engine.store();
    // Saved by an earlier version: alice's own default under the predictable id, and one
    // that mallory created under bob's predictable id.
    let mut old = Conversation::new(predictable_id("alice"), "alice".into());
    old.last_intent = Some("greet".into());
    store.save(&mut old).await.unwrap();
    let mut squatted = Conversation::new(predictable_id("bob"), "mallory".into());
    store.save(&mut squatted).await.unwrap();

    assert_eq!(b.turn(As::User("alice"), "alice", None).await, old.id);
    let bobs = b.turn(As::User("bob"), "bob", None).await;
    assert_ne!(bobs, squatted.id);
    assert_random(&bobs);
    assert_eq!(b.engine.default_conversation("bob").await.unwrap(), bobs);
    // Bob's payment goes to his new conversation, not to mallory's.
    let event = format!("evt_{}", uuid::Uuid::new_v4().simple());
    let id = b
        .engine
        .add_proactive("bob", &event, "Paid.")
        .await
        .unwrap();
    assert_eq!(id, bobs);
    let mallory = store.load(&squatted.id).await.unwrap().unwrap();
    assert!(mallory.history.is_empty());
    assert_eq!(
        b.status(As::User("mallory"), &format!("/v1/conversations/{bobs}"))
            .await,
        404
    );
}
