//! Per-user connected accounts end to end, against a local OAuth provider whose token
//! endpoint rotates refresh tokens and revokes the whole family when a spent one comes back
//! (as providers that detect refresh token theft do):
//!
//! - an unconnected user gets a connect link, and nothing reaches the API;
//! - `start` redirects with PKCE S256 and a sealed state and sets a browser cookie; `callback`
//!   refuses a bad state, a browser without that cookie and a replayed state, and exchanges
//!   the code with the verifier the provider checks;
//! - a Rasa call for a user id uses that user's account, or hands out a link to connect one,
//!   only when the platform is authenticated and trusted for user ids;
//! - 50 concurrent calls with an expired token make exactly 1 refresh, and normal operation
//!   sees zero `invalid_grant`;
//! - a `401` refreshes once and repeats once;
//! - a crash between the token response and saving it (the refresh is cut off after the
//!   provider rotated) ends in re-consent and a reconnect link, not a refresh loop;
//! - two instances on one PostgreSQL database refresh an account once between them;
//! - answers cached for a user are not served once the user connects another account.

use crate::common;

use axum::Router;
use axum::body::Body;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use switchboard_config::model::OperationRef;
use switchboard_runtime::engine::Engine;
use switchboard_runtime::pipeline::CallContext;
use switchboard_runtime::server::{AppState, router};
use tower::ServiceExt;

const CLIENT_SECRET: &str = "client-secret-do-not-echo";
const RASA_TOKEN: &str = "rasa-token-5f0c1e9a7d";

/// One refresh token family: every refresh token and access token issued from one consent.
#[derive(Default)]
struct Family {
    live_refresh: String,
    spent_refresh: Vec<String>,
    access: Vec<String>,
    revoked: bool,
    name: String,
}

#[derive(Default)]
struct Provider {
    /// code -> (code_challenge, user name)
    codes: Mutex<HashMap<String, (String, String)>>,
    families: Mutex<Vec<Family>>,
    /// Access tokens the API refuses (as if revoked early).
    refused_access: Mutex<Vec<String>>,
    next: AtomicU64,
    expires_in: AtomicU64,
    refreshes: AtomicU64,
    invalid_grants: AtomicU64,
    token_requests: AtomicU64,
    api_requests: AtomicU64,
    /// When set, a refresh rotates and then never answers (the caller is cut off).
    hang_refresh: AtomicBool,
    rotated: tokio::sync::Notify,
}

impl Provider {
    fn issue(&self, family: &mut Family) -> Value {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let access = format!("at-{n}");
        let refresh = format!("rt-{n}");
        if !family.live_refresh.is_empty() {
            let old = std::mem::take(&mut family.live_refresh);
            family.spent_refresh.push(old);
        }
        family.live_refresh = refresh.clone();
        family.access.push(access.clone());
        json!({
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "expires_in": self.expires_in.load(Ordering::SeqCst),
        })
    }
}

fn invalid_grant(p: &Provider) -> Response {
    p.invalid_grants.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": "invalid_grant"})),
    )
        .into_response()
}

async fn token(
    State(p): State<Arc<Provider>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    p.token_requests.fetch_add(1, Ordering::SeqCst);
    // RFC 6749 §2.3.1: base64 of the form-encoded id and secret.
    let client = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let dec = |x: &str| {
                percent_encoding::percent_decode_str(x)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            Some((dec(id), dec(secret)))
        });
    if client != Some(("sb".to_string(), CLIENT_SECRET.to_string())) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = form.get("code").cloned().unwrap_or_default();
            let Some((challenge, name)) = p.codes.lock().unwrap().remove(&code) else {
                return invalid_grant(&p);
            };
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes()));
            if computed != challenge {
                return invalid_grant(&p);
            }
            let mut family = Family {
                name,
                ..Family::default()
            };
            let body = p.issue(&mut family);
            p.families.lock().unwrap().push(family);
            axum::Json(body).into_response()
        }
        Some("refresh_token") => {
            let rt = form.get("refresh_token").cloned().unwrap_or_default();
            let body = {
                let mut families = p.families.lock().unwrap();
                let Some(f) = families
                    .iter_mut()
                    .find(|f| f.live_refresh == rt || f.spent_refresh.contains(&rt))
                else {
                    return invalid_grant(&p);
                };
                if f.revoked {
                    return invalid_grant(&p);
                }
                if f.live_refresh != rt {
                    // Reuse of a spent refresh token: revoke the whole family.
                    f.revoked = true;
                    drop(families);
                    return invalid_grant(&p);
                }
                p.refreshes.fetch_add(1, Ordering::SeqCst);
                p.issue(f)
            };
            if p.hang_refresh.load(Ordering::SeqCst) {
                p.rotated.notify_one();
                std::future::pending::<()>().await;
            }
            axum::Json(body).into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response(),
    }
}

async fn me(State(p): State<Arc<Provider>>, headers: HeaderMap) -> Response {
    p.api_requests.fetch_add(1, Ordering::SeqCst);
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    if p.refused_access.lock().unwrap().contains(&token) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let families = p.families.lock().unwrap();
    match families
        .iter()
        .find(|f| !f.revoked && f.access.contains(&token))
    {
        Some(f) => axum::Json(json!({"name": f.name})).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn provider() -> (SocketAddr, Arc<Provider>) {
    let p = Arc::new(Provider::default());
    let app = Router::new()
        .route("/token", axum::routing::post(token))
        .route("/api/me", axum::routing::get(me))
        .with_state(p.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, p)
}

fn project(addr: SocketAddr) -> (switchboard_config::Project, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/client"), CLIENT_SECRET).unwrap();
    std::fs::write(dir.path().join("secrets/rasa"), RASA_TOKEN).unwrap();
    std::fs::write(
        dir.path().join("secrets/accounts"),
        base64::engine::general_purpose::STANDARD.encode([42u8; 32]),
    )
    .unwrap();
    let yaml = format!(
        r#"bot:
  accounts_key: "${{file:secrets/accounts}}"
telemetry:
  audit: {{ enabled: false }}
connectors:
  crm:
    base_url: http://{addr}/api
    auth:
      type: oauth2_authorization_code
      authorize_url: http://{addr}/authorize
      token_url: http://{addr}/token
      client_id: sb
      client_secret: "${{file:secrets/client}}"
      scopes: [profile, offline_access]
    operations:
      me:
        path: /me
        response:
          extract: {{ name: $.name }}
      profile:
        path: /me
        cache: {{ ttl: 1h }}
        response:
          extract: {{ name: $.name }}
intents:
  whoami:
    examples: [who am i, show my crm profile, what is my name in the crm, my profile]
    steps:
      me: {{ call: crm.me }}
    reply: "You are {{{{ steps.me.name }}}}."
  deals:
    examples: [list my deals, show my deals, my open deals, deals please]
    steps:
      me: {{ call: crm.me }}
    reply: "Deals of {{{{ steps.me.name }}}}."
    on_error:
      unauthorized: "Please link your CRM first: {{{{ error.connect_url }}}}"
  greet:
    examples: [hello, hi there, good morning, hey]
    reply: "Hello!"
rasa:
  auth: {{ type: header, name: X-Rasa-Token, value: "${{file:secrets/rasa}}" }}
  actions:
    action_whoami: {{ intent: whoami }}
    action_deals: {{ intent: deals }}
"#
    );
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(&path, yaml).unwrap();
    (common::load(&path), dir)
}

async fn say(engine: &Engine, user: &str, text: &str) -> String {
    let r = common::turn(engine, user, text).await;
    r.replies
        .iter()
        .map(|t| t.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn get(app: &Router, uri: &str) -> (StatusCode, HeaderMap, String) {
    get_with_cookie(app, uri, None).await
}

/// A GET as a browser holding `cookie` (`name=value`) sends it.
async fn get_with_cookie(
    app: &Router,
    uri: &str,
    cookie: Option<&str>,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::get(uri);
    if let Some(c) = cookie {
        req = req.header("cookie", format!("theme=dark; {c}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// Follows `start` for `user`, lets the provider accept a code for `name`, and calls back
/// from the same browser. Returns the state and the browser cookie (`name=value`).
async fn connect(
    app: &Router,
    engine: &Engine,
    p: &Provider,
    user: &str,
    name: &str,
    code: &str,
) -> (String, String) {
    // The link the bot would give this user (it carries the bot's seal).
    let link = switchboard_runtime::engine::connect::link(engine.pipeline(), "crm", user);
    let path = link.strip_prefix("http://127.0.0.1:8080").unwrap();
    let (status, headers, _) = get(app, path).await;
    assert_eq!(status, StatusCode::FOUND);
    let set_cookie = headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.starts_with("switchboard_oauth=")
            && set_cookie.contains("; Path=/v1/oauth/crm/callback;")
            && set_cookie.contains("; HttpOnly")
            && set_cookie.contains("; SameSite=Lax")
            && !set_cookie.contains("Secure"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let location = reqwest::Url::parse(headers["location"].to_str().unwrap()).unwrap();
    let q: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(location.path(), "/authorize");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "sb");
    assert_eq!(q["scope"], "profile offline_access");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(
        q["redirect_uri"],
        "http://127.0.0.1:8080/v1/oauth/crm/callback"
    );
    p.codes
        .lock()
        .unwrap()
        .insert(code.into(), (q["code_challenge"].clone(), name.into()));
    let callback = format!("/v1/oauth/crm/callback?code={code}&state={}", q["state"]);
    // Another browser (no cookie, or its own) cannot finish this login, and trying does not
    // use the state up.
    for other in [None, Some("switchboard_oauth=another-browsers-cookie")] {
        let (status, _, body) = get_with_cookie(app, &callback, other).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("\"other_browser\""), "{body}");
    }
    let (status, headers, body) = get_with_cookie(app, &callback, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("connected"), "{body}");
    assert!(
        headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "the cookie is cleared"
    );
    (q["state"].clone(), cookie)
}

#[tokio::test]
async fn connected_accounts_end_to_end() {
    let (addr, p) = provider().await;
    let (project, _dir) = project(addr);
    let (engine, _data) = common::engine(project).await;
    let app = router(AppState::with_engine(engine.clone()));

    // Not connected: a connect link, nothing sent.
    let reply = say(&engine, "alice", "who am i").await;
    assert!(
        reply.contains("http://127.0.0.1:8080/v1/oauth/crm/start?user_id=alice"),
        "{reply}"
    );
    // An intent that words `unauthorized` itself gets the link as `error.connect_url`.
    let carol = say(&engine, "carol", "list my deals").await;
    assert!(
        carol.starts_with(
            "Please link your CRM first: http://127.0.0.1:8080/v1/oauth/crm/start?user_id=carol&link="
        ),
        "{carol}"
    );
    // A link the bot did not make, or made for someone else, starts nothing.
    let alice_link = switchboard_runtime::engine::connect::link(engine.pipeline(), "crm", "alice");
    let token = alice_link.split("&link=").nth(1).unwrap();
    for uri in [
        "/v1/oauth/crm/start?user_id=alice".to_string(),
        "/v1/oauth/crm/start?user_id=alice&link=forged".to_string(),
        format!("/v1/oauth/crm/start?user_id=mallory&link={token}"),
    ] {
        let (status, _, body) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
        assert!(body.contains("\"forbidden\""), "{body}");
    }
    assert_eq!(p.api_requests.load(Ordering::SeqCst), 0);
    assert_eq!(p.token_requests.load(Ordering::SeqCst), 0);

    // Bad requests to the routes.
    let (status, _, body) = get(&app, "/v1/oauth/crm/start").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A query the route cannot read is a JSON error too, not the framework's plain text.
    let (status, _, body) = get(&app, "/v1/oauth/crm/start?user_id=a&user_id=b").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("\"bad_request\""), "{body}");
    let (status, _, body) = get(&app, "/v1/oauth/nope/start?user_id=a").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _, body) = get(&app, "/v1/oauth/crm/callback?code=x&state=forged").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"bad_state\""), "{body}");

    // Connect alice with a token that is already inside the expiry skew.
    p.expires_in.store(1, Ordering::SeqCst);
    let (state, cookie) = connect(&app, &engine, &p, "alice", "Alice", "code-a").await;
    // The state is single-use: the same callback again, from the same browser and with a
    // fresh code, is refused before the provider is asked.
    let token_requests = p.token_requests.load(Ordering::SeqCst);
    p.codes.lock().unwrap().insert(
        "code-replayed".into(),
        ("any-challenge".into(), "Mallory".into()),
    );
    for code in ["code-a", "code-replayed"] {
        let (status, _, body) = get_with_cookie(
            &app,
            &format!("/v1/oauth/crm/callback?code={code}&state={state}"),
            Some(&cookie),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("\"state_used\""), "{body}");
        assert!(!body.contains(CLIENT_SECRET));
    }
    assert_eq!(p.token_requests.load(Ordering::SeqCst), token_requests);
    assert_eq!(p.invalid_grants.load(Ordering::SeqCst), 0);

    // 50 concurrent calls with the expired token: exactly one refresh.
    p.expires_in.store(3600, Ordering::SeqCst);
    let pipeline = engine.pipeline().clone();
    let op = OperationRef::parse("crm.me").unwrap();
    let calls = (0..50).map(|_| {
        let (pipeline, op) = (pipeline.clone(), op.clone());
        tokio::spawn(async move {
            let mut ctx = CallContext::with_budget(std::time::Duration::from_secs(10));
            ctx.user_id = Some("alice".into());
            pipeline.call(&op, &Map::new(), &ctx).await.unwrap()
        })
    });
    for r in futures::future::join_all(calls).await {
        let r = r.unwrap();
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(r.data["name"], "Alice");
    }
    assert_eq!(p.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(p.invalid_grants.load(Ordering::SeqCst), 0);
    assert_eq!(say(&engine, "alice", "who am i").await, "You are Alice.");

    // A 401: one refresh, one repeat.
    let current = p.families.lock().unwrap()[0]
        .access
        .last()
        .cloned()
        .unwrap();
    p.refused_access.lock().unwrap().push(current);
    assert_eq!(say(&engine, "alice", "who am i").await, "You are Alice.");
    assert_eq!(p.refreshes.load(Ordering::SeqCst), 2);
    assert_eq!(
        p.invalid_grants.load(Ordering::SeqCst),
        0,
        "zero invalid_grant in normal operation"
    );

    // A crash between the token response and saving it: bob's refresh is cut off after the
    // provider rotated his refresh token.
    p.expires_in.store(1, Ordering::SeqCst);
    connect(&app, &engine, &p, "bob", "Bob", "code-b").await;
    p.expires_in.store(3600, Ordering::SeqCst);
    p.hang_refresh.store(true, Ordering::SeqCst);
    let turn = {
        let engine = engine.clone();
        tokio::spawn(async move { say(&engine, "bob", "who am i").await })
    };
    p.rotated.notified().await;
    turn.abort();
    let _ = turn.await;
    p.hang_refresh.store(false, Ordering::SeqCst);
    // The next call presents the saved (spent) refresh token: the provider revokes the
    // family, and the account needs re-consent.
    let reply = say(&engine, "bob", "who am i").await;
    assert!(reply.contains("connected again"), "{reply}");
    assert!(
        reply.contains("http://127.0.0.1:8080/v1/oauth/crm/start?user_id=bob"),
        "{reply}"
    );
    assert_eq!(p.invalid_grants.load(Ordering::SeqCst), 1);
    // No loop: asking again sends nothing to the token endpoint.
    let token_requests = p.token_requests.load(Ordering::SeqCst);
    let reply = say(&engine, "bob", "who am i").await;
    assert!(reply.contains("user_id=bob"), "{reply}");
    assert_eq!(p.token_requests.load(Ordering::SeqCst), token_requests);
    assert_eq!(p.invalid_grants.load(Ordering::SeqCst), 1);

    // Connecting again restores service; alice was never affected.
    connect(&app, &engine, &p, "bob", "Bob", "code-b2").await;
    assert_eq!(say(&engine, "bob", "who am i").await, "You are Bob.");
    assert_eq!(say(&engine, "alice", "who am i").await, "You are Alice.");
}

/// A per-user cached answer belongs to the account it came from: once the user connects
/// again (another provider account), the next call reaches the upstream with the new account
/// instead of serving the old account's answer for the rest of the cache's ttl.
#[tokio::test]
async fn a_relinked_account_never_gets_the_old_accounts_cached_answers() {
    let (addr, p) = provider().await;
    let (project, _dir) = project(addr);
    let (engine, _data) = common::engine(project).await;
    let app = router(AppState::with_engine(engine.clone()));
    p.expires_in.store(3600, Ordering::SeqCst);
    let profile = OperationRef::parse("crm.profile").unwrap();
    let call = |user: &'static str| {
        let (pipeline, op) = (engine.pipeline().clone(), profile.clone());
        async move {
            let mut ctx = CallContext::with_budget(std::time::Duration::from_secs(5));
            ctx.user_id = Some(user.into());
            pipeline.call(&op, &Map::new(), &ctx).await.unwrap()
        }
    };

    connect(
        &app,
        &engine,
        &p,
        "alice",
        "Alice Personal",
        "code-personal",
    )
    .await;
    connect(&app, &engine, &p, "bob", "Bob", "code-bob").await;
    let first = call("alice").await;
    assert_eq!(
        (first.data["name"].clone(), first.cached),
        (json!("Alice Personal"), false)
    );
    let again = call("alice").await;
    assert_eq!(
        (again.data["name"].clone(), again.cached),
        (json!("Alice Personal"), true)
    );
    assert_eq!(call("bob").await.data["name"], "Bob");
    assert_eq!(p.api_requests.load(Ordering::SeqCst), 2);

    // Alice links another provider account: her next call is answered for that account.
    connect(&app, &engine, &p, "alice", "Alice Work", "code-work").await;
    let relinked = call("alice").await;
    assert_eq!(
        (relinked.data["name"].clone(), relinked.cached),
        (json!("Alice Work"), false),
        "{relinked:?}"
    );
    assert_eq!(p.api_requests.load(Ordering::SeqCst), 3);
    // The new account's answer is cached in its turn; bob's entry was never touched.
    assert!(call("alice").await.cached);
    let bob = call("bob").await;
    assert_eq!((bob.data["name"].clone(), bob.cached), (json!("Bob"), true));
    assert_eq!(p.api_requests.load(Ordering::SeqCst), 3);
}

/// Two instances on one PostgreSQL database: an expired account refreshed from both at once
/// makes one refresh (the account lock spans instances), so the rotating provider never sees
/// a spent refresh token.
#[tokio::test]
async fn two_instances_refresh_once() {
    let (addr, p) = provider().await;
    let schema = common::PgSchema::create("oauth").await;
    let mut engines = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..2 {
        let (project, dir) = project(addr);
        let engine = switchboard_runtime::app::build(project, dir.path(), Some(&schema.url()))
            .await
            .expect("services build")
            .engine;
        engines.push(engine);
        dirs.push(dir);
    }
    let app = router(AppState::with_engine(engines[0].clone()));
    p.expires_in.store(1, Ordering::SeqCst);
    connect(&app, &engines[0], &p, "alice", "Alice", "code-a").await;
    p.expires_in.store(3600, Ordering::SeqCst);
    let op = OperationRef::parse("crm.me").unwrap();
    let calls = (0..40).map(|i| {
        let (pipeline, op) = (engines[i % 2].pipeline().clone(), op.clone());
        tokio::spawn(async move {
            let mut ctx = CallContext::with_budget(std::time::Duration::from_secs(10));
            ctx.user_id = Some("alice".into());
            pipeline.call(&op, &Map::new(), &ctx).await.unwrap()
        })
    });
    for r in futures::future::join_all(calls).await {
        let r = r.unwrap();
        assert!(r.is_ok(), "{r:?}");
    }
    assert_eq!(p.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(p.invalid_grants.load(Ordering::SeqCst), 0);
    drop(engines);
    schema.drop().await;
}

/// A Rasa action call as Rasa sends it (authenticated with the project's header).
async fn rasa(app: &Router, action: &str, sender: &str) -> (StatusCode, String) {
    let body = json!({
        "next_action": action,
        "sender_id": sender,
        "tracker": { "sender_id": sender, "slots": {}, "latest_message": { "entities": [] }, "events": [] },
        "domain": {},
    });
    let resp = app
        .clone()
        .oneshot(
            Request::post("/webhook")
                .header("content-type", "application/json")
                .header("x-rasa-token", RASA_TOKEN)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let texts = v["responses"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|t| t["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
    (status, texts)
}

#[tokio::test]
async fn a_platform_call_uses_a_users_account_only_when_trusted_for_user_ids() {
    let (addr, p) = provider().await;
    let (project, _dir) = project(addr);
    assert!(
        !project.rasa.as_ref().unwrap().trust_user_ids,
        "the default"
    );
    let mut trusting = project.clone();
    trusting.rasa.as_mut().unwrap().trust_user_ids = true;
    let data = tempfile::tempdir().unwrap();
    let engine = switchboard_runtime::app::build(project, data.path(), None)
        .await
        .unwrap()
        .engine;
    let app = router(AppState::with_engine(engine.clone()));
    // alice connects her own account from the chat.
    connect(&app, &engine, &p, "alice", "Alice", "code-a").await;
    assert_eq!(say(&engine, "alice", "who am i").await, "You are Alice.");
    let api_requests = p.api_requests.load(Ordering::SeqCst);

    // Rasa says it is alice: her account is not used, and nobody gets a connect link for
    // her or for a user who has none.
    for (action, sender) in [
        ("action_whoami", "alice"),
        ("action_whoami", "carol"),
        ("action_deals", "carol"),
    ] {
        let (status, text) = rasa(&app, action, sender).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(!text.contains("Alice"), "{action} {sender}: {text}");
        assert!(!text.contains("/v1/oauth/"), "{action} {sender}: {text}");
        if action == "action_whoami" {
            assert_eq!(
                text,
                "I can't use your crm account from this channel. Please ask me in the app where you are signed in."
            );
        }
    }
    assert_eq!(p.api_requests.load(Ordering::SeqCst), api_requests);

    // A project that trusts Rasa's sender ids (Rasa is authenticated) acts for the user.
    let trusted_engine = switchboard_runtime::app::build(trusting, data.path(), None)
        .await
        .unwrap()
        .engine;
    let trusted = router(AppState::with_engine(trusted_engine));
    let (status, text) = rasa(&trusted, "action_whoami", "alice").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "You are Alice."));
    let (_, text) = rasa(&trusted, "action_whoami", "dave").await;
    assert!(
        text.contains("http://127.0.0.1:8080/v1/oauth/crm/start?user_id=dave&link="),
        "{text}"
    );
}
