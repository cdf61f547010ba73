//! Secret hygiene: a whole scenario runs with known secret values (outbound API key, OAuth
//! 2.0 client secret and the tokens it gets, JWT and HMAC keys, inbound API keys), with every
//! log line captured at TRACE; then every byte the server wrote (logs, responses, the SQLite
//! files) is searched for each secret. Zero matches.
//!
//! A test binary of its own, unlike the grouped suites (`pipeline/`, `storage/`, `server/`): it
//! installs the process-wide tracing subscriber at TRACE, which would capture and slow every
//! other test sharing its process.

mod common;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Map, json};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_config::model::{InboundKey, InboundSettings, OperationRef, Scope};
use switchboard_runtime::pipeline::CallContext;
use switchboard_runtime::server::{AppState, serve};

const INBOUND_KEY: &str = "INBOUND-KEY-5b0d6c2e9a";
const CLIENT_SECRET: &str = "CLIENT-SECRET-e31f77aa";
const HS_KEY: &str = "JWT-HS256-KEY-0f1e2d3c4b5a69788796a5b4";
const HMAC_KEY: &str = "HMAC-SECRET-77c1d0e5";
const DEMO_KEY: &str = "demo-key";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything that came back to a client, as bytes.
#[derive(Default)]
struct Seen(Vec<u8>);

impl Seen {
    async fn take(&mut self, r: reqwest::Response) -> Vec<u8> {
        self.0
            .extend_from_slice(format!("{:?}", r.headers()).as_bytes());
        let body = r.bytes().await.unwrap().to_vec();
        self.0.extend_from_slice(&body);
        body
    }
}

async fn serve_router(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

#[tokio::test]
async fn no_secret_reaches_logs_responses_or_the_store() {
    let logs = Capture::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    // Upstreams for the token-based schemes: a token endpoint that echoes the client secret
    // in its error description (a careless provider), and an API that refuses every token.
    let issued = Arc::new(AtomicU64::new(0));
    let tokens = issued.clone();
    let token_addr = serve_router(Router::new().route(
        "/token",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let n = tokens.fetch_add(1, Ordering::SeqCst);
            async move {
                let _ = headers;
                if n % 2 == 1 {
                    return (
                        StatusCode::UNAUTHORIZED,
                        axum::Json(json!({"error": "invalid_client", "error_description": format!("bad secret in {body}")})),
                    )
                        .into_response();
                }
                axum::Json(json!({"access_token": format!("ACCESS-TOKEN-{n}-9f8e"), "expires_in": 3600})).into_response()
            }
        }),
    ))
    .await;
    let api_addr = serve_router(Router::new().fallback(|| async {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "nope"})),
        )
    }))
    .await;

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
    for (f, v) in [
        ("client", CLIENT_SECRET),
        ("hs", HS_KEY),
        ("hmac", HMAC_KEY),
    ] {
        std::fs::write(dir.path().join("secrets").join(f), v).unwrap();
    }
    let yaml = format!(
        "connectors:
  cc:
    base_url: http://{api_addr}
    retry: {{ attempts: 2 }}
    auth: {{ type: oauth2_client_credentials, token_url: \"http://{token_addr}/token\", client_id: bot, client_secret: \"${{file:secrets/client}}\", client_auth: body }}
    operations: {{ ping: {{ path: /ping }} }}
  jwt:
    base_url: http://{api_addr}
    auth: {{ type: jwt, algorithm: HS256, key: \"${{file:secrets/hs}}\", claims: {{ sub: \"{{{{ user.id }}}}\" }} }}
    operations: {{ ping: {{ path: /ping }} }}
  hmac:
    base_url: http://{api_addr}
    auth: {{ type: hmac, secret: \"${{file:secrets/hmac}}\", header: X-Sig }}
    operations: {{ ping: {{ path: /ping }} }}
"
    );
    std::fs::write(dir.path().join("switchboard.yaml"), yaml).unwrap();
    let p = common::pipeline(common::load(&dir.path().join("switchboard.yaml")));
    let mut records = Vec::new();
    for op in ["cc.ping", "cc.ping", "jwt.ping", "hmac.ping"] {
        let mut ctx = CallContext::with_budget(Duration::from_secs(5));
        ctx.user_id = Some("u-secret-test".into());
        let r = p
            .call(&OperationRef::parse(op).unwrap(), &Map::new(), &ctx)
            .await
            .unwrap();
        records.push(serde_json::to_vec(&r).unwrap());
        records.push(format!("{r:?}").into_bytes());
    }

    // The server: the demo project with its API key, behind an inbound key.
    let (backend, backend_handle) = common::backend().await;
    let mut project = common::store_project(backend);
    project.inbound = InboundSettings {
        api_keys: vec![InboundKey {
            name: "frontend".into(),
            sha256: Sha256::digest(INBOUND_KEY.as_bytes()).into(),
            scopes: vec![Scope::Chat],
            trusted_backend: false,
        }],
        ..InboundSettings::default()
    };
    let (engine, data_dir) = common::engine(project).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        AppState::with_engine(engine),
        std::future::pending(),
    ));
    let c = reqwest::Client::new();
    let mut seen = Seen::default();
    // The key is not a trusted backend: its first turn starts a conversation, the others
    // continue it by the id it was given.
    let mut conversation: Option<String> = None;
    for (key, text) in [
        (INBOUND_KEY, "where is my order 1001?"),
        (INBOUND_KEY, "track order 99999"),
        (INBOUND_KEY, "what is my balance"),
        ("INBOUND-KEY-5b0d6c2e9b", "hello"),
        (CLIENT_SECRET, "hello"),
    ] {
        let r = c
            .post(format!("http://{addr}/v1/chat"))
            .header("x-api-key", key)
            .json(&json!({"user_id": "u1", "conversation_id": conversation, "text": text}))
            .send()
            .await
            .unwrap();
        let body = seen.take(r).await;
        if let Some(id) = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["conversation_id"].as_str().map(str::to_string))
        {
            conversation = Some(id);
        }
    }
    let conversation = conversation.expect("the turns were taken");
    let r = c
        .get(format!("http://{addr}/v1/conversations/{conversation}"))
        .bearer_auth(INBOUND_KEY)
        .send()
        .await
        .unwrap();
    seen.take(r).await;
    drop(backend_handle);

    let mut written = logs.0.lock().unwrap().clone();
    assert!(written.len() > 1000, "the logs were captured");
    written.extend_from_slice(&seen.0);
    for r in &records {
        written.extend_from_slice(r);
    }
    let mut files = 0;
    for entry in std::fs::read_dir(data_dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            written.extend_from_slice(&std::fs::read(&path).unwrap());
            files += 1;
        }
    }
    assert!(files >= 1, "the SQLite store was searched");
    let body = String::from_utf8_lossy(&seen.0);
    assert!(
        body.contains("shipped") || body.contains("1001"),
        "the scenario ran: {body}"
    );

    let mut secrets: Vec<String> = [INBOUND_KEY, CLIENT_SECRET, HS_KEY, HMAC_KEY, DEMO_KEY]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for n in 0..issued.load(Ordering::SeqCst) {
        secrets.push(format!("ACCESS-TOKEN-{n}-9f8e"));
    }
    let text = String::from_utf8_lossy(&written);
    // The failure paths ran: the provider's error code is logged, its description (which
    // echoes the request, client secret included) is not.
    assert!(
        text.contains("invalid_client"),
        "the token failure was logged"
    );
    assert!(text.contains("auth_failed"), "the call record says why");
    for s in &secrets {
        let hits = text.matches(s.as_str()).count();
        assert_eq!(hits, 0, "{s} appears {hits} times in what the server wrote");
    }
    // The minted JWT (a credential too) never shows either.
    assert!(
        !text.contains("eyJ"),
        "a JWT appears in what the server wrote"
    );
}
