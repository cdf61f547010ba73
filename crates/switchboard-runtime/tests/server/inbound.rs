//! Inbound auth and limits on the real server: API keys and scopes, JWT verification (and
//! the attacks it must refuse), open routes, per-user and per-address rate limits, JSON depth.

use crate::common;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_config::model::{
    InboundKey, InboundLimit, InboundLimits, InboundSettings, JwksSource, JwtVerification, Scope,
};
use switchboard_runtime::server::{AppState, serve};

const CHAT_KEY: &str = "chat-key-0123456789";
const ADMIN_KEY: &str = "admin-key-0123456789";

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwt"))
}

fn key(name: &str, secret: &str, scopes: Vec<Scope>) -> InboundKey {
    InboundKey {
        name: name.into(),
        sha256: Sha256::digest(secret.as_bytes()).into(),
        scopes,
        trusted_backend: false,
    }
}

fn settings(limits: InboundLimits) -> InboundSettings {
    InboundSettings {
        api_keys: vec![
            key("frontend", CHAT_KEY, vec![Scope::Chat]),
            key("ops", ADMIN_KEY, vec![Scope::Chat, Scope::Admin]),
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
        limits,
        allowed_hosts: Vec::new(),
        ..InboundSettings::default()
    }
}

async fn start(inbound: InboundSettings) -> (SocketAddr, tempfile::TempDir) {
    let (backend, _b) = common::backend().await;
    std::mem::forget(_b);
    let mut project = common::store_project(backend);
    project.inbound = inbound;
    let (engine, dir) = common::engine(project).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        AppState::with_engine(engine),
        std::future::pending(),
    ));
    (addr, dir)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(sub: &str) -> Value {
    json!({
        "iss": "https://login.example.com/",
        "aud": "switchboard",
        "sub": sub,
        "exp": now() + 300,
        "scope": "chat",
    })
}

fn rs256(claims: &Value, mut header: Header) -> String {
    header.alg = Algorithm::RS256;
    header.kid = header.kid.or(Some("test-rs".into()));
    let key =
        EncodingKey::from_rsa_pem(&std::fs::read(fixtures().join("rs256.pem")).unwrap()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

async fn chat(
    c: &reqwest::Client,
    addr: SocketAddr,
    auth: Option<(&str, &str)>,
    user: &str,
) -> (u16, Value) {
    let mut req = c
        .post(format!("http://{addr}/v1/chat"))
        .json(&json!({"user_id": user, "text": "hello"}));
    if let Some((h, v)) = auth {
        req = req.header(h, v);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_thousand_requests_without_a_valid_key_are_refused() {
    let (addr, _dir) = start(settings(InboundLimits::default())).await;
    let c = reqwest::Client::new();
    for i in 0..1000 {
        let auth = match i % 4 {
            0 => None,
            1 => Some(("x-api-key", "wrong")),
            2 => Some(("authorization", "Bearer wrong-key")),
            _ => Some(("authorization", "Basic Y2hhdDprZXk=")),
        };
        let (status, body) = chat(&c, addr, auth, "u1").await;
        assert_eq!(status, 401, "request {i}");
        assert_eq!(body["error"]["code"], "unauthorized", "request {i}");
    }
    let (status, _) = chat(&c, addr, Some(("x-api-key", CHAT_KEY)), "u1").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn scopes_guard_the_routes_and_open_routes_stay_open() {
    let (addr, _dir) = start(settings(InboundLimits::default())).await;
    let c = reqwest::Client::new();
    let get = |path: &str, key: Option<&str>| {
        let mut r = c.get(format!("http://{addr}{path}"));
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        async move { r.send().await.unwrap() }
    };
    let (status, _) = chat(
        &c,
        addr,
        Some(("authorization", &format!("Bearer {CHAT_KEY}"))),
        "u1",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(get("/v1/conversations/nope", None).await.status(), 401);
    assert_eq!(get("/v1/users/u1/accounts", None).await.status(), 401);
    let r = get("/v1/admin/dead-letters", Some(CHAT_KEY)).await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    // An admin key passes the guard of any admin route, even one this build does not have.
    assert_eq!(
        get("/v1/admin/dead-letters", Some(ADMIN_KEY))
            .await
            .status(),
        404
    );
    for open in ["/healthz", "/"] {
        assert_eq!(get(open, None).await.status(), 200, "{open}");
    }
    let r = get("/v1/chat", None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn jwt_bearer_tokens_are_verified_and_attacks_refused() {
    // A canary standing in for an attacker's key server named by `jku`/`x5u`.
    let canary = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let canary_url = format!("http://{}/jwks.json", canary.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok(_c) = canary.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
        }
    });
    let (addr, _dir) = start(settings(InboundLimits::default())).await;
    let c = reqwest::Client::new();
    let bearer = |t: &str| format!("Bearer {t}");

    let good = rs256(&claims("alice"), Header::default());
    assert_eq!(
        chat(&c, addr, Some(("authorization", &bearer(&good))), "alice")
            .await
            .0,
        200
    );
    // The token speaks for alice only.
    assert_eq!(
        chat(&c, addr, Some(("authorization", &bearer(&good))), "bob")
            .await
            .0,
        403
    );

    let mut refused: Vec<(&str, String)> = Vec::new();
    let mut expired = claims("alice");
    expired["exp"] = json!(now() - 3600);
    refused.push(("expired", rs256(&expired, Header::default())));
    let mut early = claims("alice");
    early["nbf"] = json!(now() + 3600);
    refused.push(("not yet valid", rs256(&early, Header::default())));
    let mut aud = claims("alice");
    aud["aud"] = json!("someone-else");
    refused.push(("wrong aud", rs256(&aud, Header::default())));
    let mut iss = claims("alice");
    iss["iss"] = json!("https://evil.example.com/");
    refused.push(("wrong iss", rs256(&iss, Header::default())));
    let mut no_scope = claims("alice");
    no_scope["scope"] = json!("profile");
    // (valid, but without the chat scope: 403, checked below)
    use base64::Engine as _;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let payload = b64(&claims("alice"));
    refused.push((
        "alg none",
        format!("{}.{payload}.", b64(&json!({"alg": "none", "typ": "JWT"}))),
    ));
    // HS256 with the RSA public key as the HMAC secret (algorithm confusion).
    let public_pem = std::fs::read(fixtures().join("rs256.pub.pem")).unwrap();
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("test-rs".into());
    refused.push((
        "HS256 with the public key",
        jsonwebtoken::encode(
            &hs,
            &claims("alice"),
            &EncodingKey::from_secret(&public_pem),
        )
        .unwrap(),
    ));
    // Signed with a key of the attacker's, pointing at it with jku and x5u.
    let attacker =
        EncodingKey::from_ec_pem(&std::fs::read(fixtures().join("es256.pem")).unwrap()).unwrap();
    let mut jku = Header::new(Algorithm::ES256);
    jku.jku = Some(canary_url.clone());
    jku.x5u = Some(canary_url.clone());
    refused.push((
        "own key via jku",
        jsonwebtoken::encode(&jku, &claims("alice"), &attacker).unwrap(),
    ));
    let tampered = {
        let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
        parts[1] = b64(&claims("mallory"));
        parts.join(".")
    };
    refused.push(("tampered payload", tampered));
    for (what, token) in &refused {
        let (status, body) = chat(&c, addr, Some(("authorization", &bearer(token))), "alice").await;
        assert_eq!(status, 401, "{what}: {body}");
    }
    let t = rs256(&no_scope, Header::default());
    assert_eq!(
        chat(&c, addr, Some(("authorization", &bearer(&t))), "alice")
            .await
            .0,
        403
    );
    // A valid token that also names a jku is verified with the configured keys only.
    let h = Header {
        jku: Some(canary_url),
        ..Default::default()
    };
    let t = rs256(&claims("alice"), h);
    assert_eq!(
        chat(&c, addr, Some(("authorization", &bearer(&t))), "alice")
            .await
            .0,
        200
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing was fetched for jku or x5u"
    );
}

#[tokio::test]
async fn one_flooding_user_does_not_starve_another() {
    let limits = InboundLimits {
        per_user: Some(InboundLimit {
            requests: 5,
            per: Duration::from_secs(60),
            burst: 5,
        }),
        per_address: None,
    };
    let (addr, _dir) = start(settings(limits)).await;
    let c = reqwest::Client::new();
    let auth = Some(("x-api-key", CHAT_KEY));
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(chat(&c, addr, auth, "flooder").await.0);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15);
    let r = c
        .post(format!("http://{addr}/v1/chat"))
        .header("x-api-key", CHAT_KEY)
        .json(&json!({"user_id": "flooder", "text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    for _ in 0..5 {
        assert_eq!(chat(&c, addr, auth, "patient").await.0, 200);
    }
}

#[tokio::test]
async fn per_address_limits_and_json_depth() {
    let limits = InboundLimits {
        per_user: None,
        per_address: Some(InboundLimit {
            requests: 3,
            per: Duration::from_secs(60),
            burst: 3,
        }),
    };
    let (addr, _dir) = start(settings(limits)).await;
    let c = reqwest::Client::new();
    let auth = Some(("x-api-key", CHAT_KEY));
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let r = c
        .post(format!("http://{addr}/v1/chat"))
        .header("x-api-key", CHAT_KEY)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for u in ["a", "b", "c", "d"] {
            v.push(chat(&c, addr, auth, u).await.0);
        }
        v
    };
    // The deep body counted as the first of three.
    assert_eq!(statuses, vec![200, 200, 429, 429]);
}

#[tokio::test]
async fn a_remote_jwks_is_fetched_once_and_used() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let f = fetches.clone();
    let jwks = std::fs::read_to_string(fixtures().join("jwks.json")).unwrap();
    let app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            f.fetch_add(1, Ordering::SeqCst);
            let body = jwks.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut s = settings(InboundLimits::default());
    if let Some(j) = s.jwt.as_mut() {
        j.jwks = JwksSource::Url(format!("http://{jwks_addr}/jwks.json"));
    }
    let (addr, _dir) = start(s).await;
    let c = reqwest::Client::new();
    let token = format!("Bearer {}", rs256(&claims("carol"), Header::default()));
    for _ in 0..5 {
        assert_eq!(
            chat(&c, addr, Some(("authorization", &token)), "carol")
                .await
                .0,
            200
        );
    }
    // A token naming an unknown key does not make every request refetch.
    let h = Header {
        kid: Some("rotated-away".into()),
        ..Default::default()
    };
    let unknown = format!("Bearer {}", rs256(&claims("carol"), h));
    for _ in 0..5 {
        assert_eq!(
            chat(&c, addr, Some(("authorization", &unknown)), "carol")
                .await
                .0,
            401
        );
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

/// A GET naming `host` in its `Host` header (as a page that rebound its own name to
/// 127.0.0.1 would send it).
async fn get_as(c: &reqwest::Client, addr: SocketAddr, path: &str, host: &str) -> (u16, Value) {
    let r = c
        .get(format!("http://{addr}{path}"))
        .header("host", host)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn without_inbound_auth_only_loopback_and_configured_hosts_are_answered() {
    let open = InboundSettings {
        allowed_hosts: vec!["bot.example.com".into()],
        ..InboundSettings::default()
    };
    let (addr, _dir) = start(open).await;
    let port = addr.port();
    let c = reqwest::Client::new();
    let (status, body) = chat(&c, addr, None, "victim").await;
    assert_eq!(status, 200, "{body}");
    let conversation = body["conversation_id"].as_str().unwrap().to_string();
    let read = format!("/v1/conversations/{conversation}");

    for path in [
        read.as_str(),
        "/v1/admin/audit",
        "/v1/users/victim/events",
        "/metrics",
    ] {
        for host in [
            "attacker.example".to_string(),
            format!("attacker.example:{port}"),
            format!("127.0.0.1.attacker.example:{port}"),
            "10.0.0.8:8080".to_string(),
        ] {
            let (status, body) = get_as(&c, addr, path, &host).await;
            assert_eq!(status, 403, "{path} as {host}: {body}");
            assert_eq!(body["error"]["code"], "host_not_allowed", "{body}");
        }
    }
    let r = c
        .post(format!("http://{addr}/v1/chat"))
        .header("host", "attacker.example")
        .json(&json!({"user_id": "victim", "text": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    for host in [
        "localhost:8080".to_string(),
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "bot.example.com".to_string(),
        "127.0.0.1:8080".to_string(),
    ] {
        let (status, body) = get_as(&c, addr, &read, &host).await;
        assert_eq!(status, 200, "{host}: {body}");
        assert_eq!(body["conversation_id"], conversation.as_str());
        let (status, body) = get_as(&c, addr, "/v1/admin/audit", &host).await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    // Exempt: health checks, and signed webhooks (refused here for their missing
    // signature, not for the host).
    assert_eq!(get_as(&c, addr, "/healthz", "10.0.0.8:8080").await.0, 200);
    let r = c
        .post(format!("http://{addr}/v1/webhooks/payments"))
        .header("host", "hooks.example.net")
        .json(&json!({"id": "evt_1"}))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status().as_u16(), 403);
    assert_eq!(r.status().as_u16() / 100, 4);
}

#[tokio::test]
async fn with_inbound_auth_the_host_is_not_checked() {
    let (addr, _dir) = start(settings(InboundLimits::default())).await;
    let c = reqwest::Client::new();
    let r = c
        .post(format!("http://{addr}/v1/chat"))
        .header("host", "bot.internal.example")
        .header("x-api-key", CHAT_KEY)
        .json(&json!({"user_id": "u1", "text": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

// Route scopes: every mounted route declares what it needs, and one that declares nothing is
// refused.

/// The demo project (Rasa and Dialogflow on) behind the test keys, and its inbound state.
async fn scoped_project() -> (
    switchboard_config::Project,
    Arc<switchboard_runtime::server::inbound::Inbound>,
) {
    let (backend, _b) = common::backend().await;
    std::mem::forget(_b);
    let mut project = common::store_project(backend);
    project.inbound = settings(InboundLimits::default());
    let inbound = Arc::new(switchboard_runtime::server::inbound::Inbound::new(
        &project.inbound,
    ));
    (project, inbound)
}

#[tokio::test]
async fn every_route_declares_its_scope() {
    use switchboard_runtime::http::RouteScope;
    use switchboard_runtime::server::routes;
    let (project, inbound) = scoped_project().await;
    let table = routes(&project, &inbound);
    let rows: Vec<(&str, String, &str)> = table
        .table()
        .rows()
        .into_iter()
        .map(|(m, p, s)| (m, p, s.name()))
        .collect();
    // The exact table (also in docs/http.md). A route added without a scope is not here and
    // answers 404; one added with a scope must be added here.
    let expected: Vec<(&str, String, &str)> = [
        ("GET", "/", "public"),
        ("GET", "/.well-known/oauth-protected-resource", "public"),
        ("POST", "/dialogflow/cx", "signed"),
        ("POST", "/dialogflow/es", "signed"),
        ("GET", "/actions", "public"),
        ("GET", "/dashboard", "public"),
        ("GET", "/health", "public"),
        ("GET", "/healthz", "public"),
        ("POST", "/mcp", "tools"),
        ("GET", "/mcp", "tools"),
        ("DELETE", "/mcp", "tools"),
        ("GET", "/metrics", "public"),
        ("GET", "/openapi.json", "public"),
        ("GET", "/readyz", "public"),
        ("GET", "/v1/admin/audit", "admin"),
        ("GET", "/v1/admin/dashboard", "admin"),
        ("GET", "/v1/admin/webhooks/dead-letters", "admin"),
        ("GET", "/v1/channels/{name}", "signed"),
        ("POST", "/v1/channels/{name}", "signed"),
        ("POST", "/v1/chat", "chat"),
        ("POST", "/v1/chat/completions", "chat"),
        ("GET", "/v1/models", "chat"),
        ("GET", "/v1/conversations/{id}", "chat"),
        ("GET", "/v1/conversations/{id}/events", "chat"),
        ("GET", "/v1/oauth/{connector}/callback", "signed"),
        ("GET", "/v1/oauth/{connector}/start", "signed"),
        ("GET", "/v1/tools", "tools"),
        ("POST", "/v1/tools/{name}", "tools"),
        ("GET", "/v1/users/{id}/events", "chat"),
        ("GET", "/v1/webhooks/{source}", "signed"),
        ("POST", "/v1/webhooks/{source}", "signed"),
        ("POST", "/webhook", "signed"),
    ]
    .into_iter()
    .map(|(m, p, s)| (m, p.to_string(), s))
    .collect();
    let mut sorted = expected.clone();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(rows, sorted);

    // Walk the real application: every `chat` and `admin` route asks a caller without a
    // credential for one, every `public` and `signed` route does not.
    let walk = table.table().rows();
    // The Host check's exemptions (for an open server) never reach a `chat` or `admin` route.
    let open = switchboard_runtime::server::inbound::host::HostCheck::new(&project);
    for (method, path, scope) in &walk {
        if scope.credential().is_some() {
            let uri = path.replace("{id}", "u1");
            assert!(
                !open.allows(&uri, Some("attacker.example")),
                "{method} {path} ({scope}) is exempt from the host check"
            );
        }
    }
    let (engine, _dir) = common::engine(project).await;
    let app = switchboard_runtime::server::app(AppState::with_engine(engine), inbound, table);
    for (method, path, scope) in walk {
        let uri = path
            .replace("{id}", "u1")
            .replace("{connector}", "crm")
            .replace("{source}", "stripe");
        let req = axum::http::Request::builder()
            .method(method)
            .uri(&uri)
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        let r = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let message =
            serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null)["error"]["message"]
                .as_str()
                .map(str::to_string);
        // The guard's own refusal (a signed route may refuse with its own 401).
        let asked = status == 401
            && message.as_deref() == Some("this route needs an API key or a bearer token");
        match scope {
            RouteScope::Chat | RouteScope::Admin | RouteScope::Tools => {
                assert!(asked, "{method} {path} ({scope}): {status} {message:?}")
            }
            RouteScope::Public | RouteScope::Signed => {
                assert!(!asked, "{method} {path} ({scope}): {status} {message:?}");
                assert_ne!(
                    message.as_deref(),
                    Some("no such route"),
                    "{method} {path} ({scope})"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_route_without_a_declared_scope_is_refused() {
    const MARKER: &str = "undeclared-route-reached-5c1e9a7d";
    for with_auth in [true, false] {
        let (mut project, _) = scoped_project().await;
        if !with_auth {
            project.inbound = InboundSettings::default();
        }
        let inbound = Arc::new(switchboard_runtime::server::inbound::Inbound::new(
            &project.inbound,
        ));
        // Mounted as a new route slipped in with a bare `route`, stating nothing.
        let routes = switchboard_runtime::server::routes(&project, &inbound)
            .map_router(|r| r.route("/v1/mcp", axum::routing::any(|| async { MARKER })));
        let (engine, _dir) = common::engine(project).await;
        let app = switchboard_runtime::server::app(AppState::with_engine(engine), inbound, routes);
        for method in ["GET", "POST"] {
            let mut req = axum::http::Request::builder()
                .method(method)
                .uri("/v1/mcp")
                .body(axum::body::Body::empty())
                .unwrap();
            if with_auth {
                req.headers_mut()
                    .insert("x-api-key", ADMIN_KEY.parse().unwrap());
            }
            let r = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
            assert_eq!(r.status(), 404, "{method}, auth {with_auth}");
            let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(MARKER), "{text}");
            let body: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(body["error"]["code"], "not_found");
        }
    }
}

#[tokio::test]
async fn the_openapi_description_is_the_router_as_mounted() {
    use switchboard_runtime::server::routes;
    let (mut project, inbound) = scoped_project().await;
    // A platform path of the project's own: described where it is mounted.
    project.rasa.as_mut().expect("the demo has rasa").path = "/rasa/webhook".to_string();
    let table = routes(&project, &inbound);
    let rows = table.table().rows();
    let (engine, _dir) = common::engine(project).await;
    let app = switchboard_runtime::server::app(AppState::with_engine(engine), inbound, table);
    let req = axum::http::Request::get("/openapi.json")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = tower::ServiceExt::oneshot(app, req).await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 22).await.unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    // Every mounted route is described, with its scope, and nothing else is.
    let mut described: Vec<(String, String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scope = op["x-switchboard-scope"]
                .as_str()
                .unwrap_or("none")
                .to_string();
            described.push((method.to_uppercase(), path.clone(), scope));
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has responses"
            );
        }
    }
    let mut mounted: Vec<(String, String, String)> = rows
        .iter()
        .map(|(m, p, s)| (m.to_string(), p.clone(), s.name().to_string()))
        .collect();
    described.sort();
    mounted.sort();
    assert_eq!(described, mounted);
    assert!(doc["paths"].get("/rasa/webhook").is_some());
    assert!(doc["paths"].get("/webhook").is_none());

    // With inbound auth, chat and admin routes ask for a credential of their scope.
    let chat = &doc["paths"]["/v1/chat"]["post"];
    assert_eq!(
        chat["security"],
        json!([{"api_key": ["chat"]}, {"bearer": ["chat"]}])
    );
    let audit = &doc["paths"]["/v1/admin/audit"]["get"];
    assert_eq!(audit["security"][1], json!({"bearer": ["admin"]}));
    assert!(doc["paths"]["/healthz"]["get"].get("security").is_none());
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"],
        json!({"type": "apiKey", "in": "header", "name": "X-Api-Key"})
    );

    // The chat API's bodies are the types the handler reads and writes.
    assert_eq!(
        chat["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/TurnRequest"
    );
    let turn = &doc["components"]["schemas"]["TurnRequest"];
    let mut required: Vec<&str> = turn["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["text", "user_id"]);
    assert!(doc["components"]["schemas"]["TurnResponse"]["properties"]["replies"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"]["properties"]["error"].is_object());
}
