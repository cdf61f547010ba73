//! Outbound auth schemes through the real pipeline against local servers: OAuth 2.0 client
//! credentials (single-flight refresh, 401 refresh-and-repeat, client auth styles, token
//! endpoint failures), minted JWTs (per-user claims, caching, signatures that verify) and
//! HMAC request signing (the upstream recomputes the signature).

use crate::common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_config::model::{OperationRef, OutcomeKind};
use switchboard_runtime::pipeline::{CallContext, Pipeline};

/// One request as the API saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The API: records requests; refuses revoked bearer tokens with 401.
#[derive(Default)]
struct Api {
    seen: Mutex<Vec<Seen>>,
    revoked: Mutex<HashSet<String>>,
    refuse_all: std::sync::atomic::AtomicBool,
}

async fn api_handler(
    State(api): State<Arc<Api>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    api.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers,
        body: body.to_vec(),
    });
    let token = auth.strip_prefix("Bearer ").unwrap_or_default();
    if api.refuse_all.load(Ordering::SeqCst) || api.revoked.lock().unwrap().contains(token) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "bad token"})),
        )
            .into_response();
    }
    axum::Json(json!({"ok": true})).into_response()
}

/// The token endpoint: issues `tok-1`, `tok-2`, ... and records each request.
struct TokenServer {
    issued: AtomicU64,
    expires_in: AtomicU64,
    fail: std::sync::atomic::AtomicBool,
    requests: Mutex<Vec<(HeaderMap, String)>>,
}

async fn token_handler(
    State(t): State<Arc<TokenServer>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    t.requests.lock().unwrap().push((headers, body));
    if t.fail.load(Ordering::SeqCst) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_client", "error_description": "no"})),
        )
            .into_response();
    }
    // A little latency, so concurrent callers really overlap the fetch.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let n = t.issued.fetch_add(1, Ordering::SeqCst) + 1;
    axum::Json(json!({
        "access_token": format!("tok-{n}"),
        "token_type": "Bearer",
        "expires_in": t.expires_in.load(Ordering::SeqCst),
    }))
    .into_response()
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

struct World {
    api: Arc<Api>,
    tokens: Arc<TokenServer>,
    api_addr: SocketAddr,
    token_addr: SocketAddr,
}

async fn world(expires_in: u64) -> World {
    let api = Arc::new(Api::default());
    let tokens = Arc::new(TokenServer {
        issued: AtomicU64::new(0),
        expires_in: AtomicU64::new(expires_in),
        fail: false.into(),
        requests: Mutex::new(Vec::new()),
    });
    let api_addr = serve(Router::new().fallback(api_handler).with_state(api.clone())).await;
    let token_addr = serve(
        Router::new()
            .route("/oauth/token", axum::routing::post(token_handler))
            .with_state(tokens.clone()),
    )
    .await;
    World {
        api,
        tokens,
        api_addr,
        token_addr,
    }
}

/// Loads a project whose `API` and `TOKEN` placeholders point at the servers, with secret
/// files beside it.
fn project(yaml: &str, w: &World) -> (Arc<Pipeline>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("client"), "s3cret-client-value\n").unwrap();
    std::fs::write(
        secrets.join("hs256"),
        "an-hs256-test-secret-of-32-bytes-or-more\n",
    )
    .unwrap();
    std::fs::write(secrets.join("hmac"), "hmac-signing-secret\n").unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt");
    for f in ["es256.pem", "rs256.pem"] {
        std::fs::copy(fixtures.join(f), secrets.join(f)).unwrap();
    }
    let path = dir.path().join("switchboard.yaml");
    let text = yaml
        .replace("API", &format!("http://{}", w.api_addr))
        .replace("TOKEN", &format!("http://{}/oauth/token", w.token_addr));
    std::fs::write(&path, text).unwrap();
    (common::pipeline(common::load(&path)), dir)
}

const OPS: &str = "
    operations:
      ping: { path: /ping }
      send: { method: POST, path: /send, body: { text: \"{{ inputs.text }}\" }, inputs: { text: string }, query: { lang: en } }
";

fn cc(extra: &str) -> String {
    format!(
        "connectors:
  api:
    base_url: API
    retry: {{ attempts: 1 }}
    auth:
      type: oauth2_client_credentials
      token_url: TOKEN
      client_id: bot id
      client_secret: \"${{file:secrets/client}}\"
      scopes: [orders.read, orders.write]
      audience: https://api.example.com
{extra}{OPS}"
    )
}

async fn ping(p: &Pipeline, user: Option<&str>) -> switchboard_runtime::pipeline::CallRecord {
    let mut ctx = CallContext::with_budget(Duration::from_secs(10));
    ctx.user_id = user.map(str::to_string);
    p.call(&OperationRef::parse("api.ping").unwrap(), &Map::new(), &ctx)
        .await
        .unwrap()
}

#[tokio::test]
async fn fifty_concurrent_calls_with_an_expired_token_make_one_token_request() {
    // expires_in equals the default 30 s skew: every token is expired as soon as it arrives.
    let w = world(30).await;
    let (p, _dir) = project(&cc(""), &w);
    assert!(ping(&p, None).await.is_ok());
    assert_eq!(w.tokens.issued.load(Ordering::SeqCst), 1);

    let calls = (0..50).map(|_| ping(&p, None));
    let records = futures::future::join_all(calls).await;
    assert!(records.iter().all(|r| r.is_ok()), "{records:?}");
    assert_eq!(
        w.tokens.issued.load(Ordering::SeqCst),
        2,
        "50 concurrent calls that found the token expired made one token request"
    );
    let seen = w.api.seen.lock().unwrap();
    assert_eq!(seen.len(), 51);
    assert!(
        seen[1..]
            .iter()
            .all(|s| s.header("authorization") == Some("Bearer tok-2"))
    );
}

#[tokio::test]
async fn a_valid_token_is_reused_and_the_request_is_well_formed() {
    let w = world(3600).await;
    let (p, _dir) = project(&cc(""), &w);
    for _ in 0..5 {
        assert!(ping(&p, None).await.is_ok());
    }
    assert_eq!(w.tokens.issued.load(Ordering::SeqCst), 1);
    let reqs = w.tokens.requests.lock().unwrap();
    let (headers, body) = &reqs[0];
    // RFC 6749 §2.3.1: id and secret form-encoded, then joined and base64-encoded.
    use base64::Engine as _;
    let expected =
        base64::engine::general_purpose::STANDARD.encode("bot%20id:s3cret%2Dclient%2Dvalue");
    assert_eq!(
        headers.get("authorization").unwrap().to_str().unwrap(),
        format!("Basic {expected}")
    );
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(body.contains("scope=orders.read+orders.write"), "{body}");
    assert!(
        body.contains("audience=https%3A%2F%2Fapi.example.com"),
        "{body}"
    );
    assert!(!body.contains("client_secret"), "{body}");
}

#[tokio::test]
async fn client_auth_body_sends_the_credentials_in_the_form() {
    let w = world(3600).await;
    let (p, _dir) = project(&cc("      client_auth: body\n"), &w);
    assert!(ping(&p, None).await.is_ok());
    let reqs = w.tokens.requests.lock().unwrap();
    let (headers, body) = &reqs[0];
    assert!(headers.get("authorization").is_none());
    assert!(body.contains("client_id=bot+id"), "{body}");
    assert!(body.contains("client_secret=s3cret-client-value"), "{body}");
}

#[tokio::test]
async fn a_401_gets_a_new_token_and_repeats_once() {
    let w = world(3600).await;
    let (p, _dir) = project(&cc(""), &w);
    assert!(ping(&p, None).await.is_ok());
    w.api.revoked.lock().unwrap().insert("tok-1".into());
    let r = ping(&p, None).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.attempts, 2);
    assert_eq!(w.tokens.issued.load(Ordering::SeqCst), 2);

    // Refused again with the new token: one repeat only, then the 401 is the answer.
    w.api.refuse_all.store(true, Ordering::SeqCst);
    let before = w.api.seen.lock().unwrap().len();
    let r = ping(&p, None).await;
    assert_eq!(
        (r.outcome, r.status),
        (OutcomeKind::Unauthorized, Some(401))
    );
    assert_eq!(w.api.seen.lock().unwrap().len() - before, 2);
    assert_eq!(w.tokens.issued.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn fifty_concurrent_401s_make_one_token_request() {
    let w = world(3600).await;
    let (p, _dir) = project(&cc(""), &w);
    assert!(ping(&p, None).await.is_ok());
    w.api.revoked.lock().unwrap().insert("tok-1".into());
    let records = futures::future::join_all((0..50).map(|_| ping(&p, None))).await;
    assert!(records.iter().all(|r| r.is_ok()), "{records:?}");
    assert_eq!(w.tokens.issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failing_token_endpoint_sends_nothing_and_names_no_secret() {
    let w = world(3600).await;
    w.tokens.fail.store(true, Ordering::SeqCst);
    let (p, _dir) = project(&cc(""), &w);
    let records = futures::future::join_all((0..10).map(|_| ping(&p, None))).await;
    for r in &records {
        assert_eq!(r.outcome, OutcomeKind::Unavailable);
        assert_eq!(r.reason, Some("auth_failed"));
        let e = r.error.as_deref().unwrap();
        assert!(
            e.contains("token endpoint answered 400 (invalid_client)"),
            "{e}"
        );
        assert!(!e.contains("s3cret"), "{e}");
    }
    assert!(w.api.seen.lock().unwrap().is_empty());
    // Calls that waited on a failed fetch share its error instead of each asking again.
    assert!(w.tokens.requests.lock().unwrap().len() < 10);
}

fn jwt_project(alg: &str, key: &str) -> String {
    format!(
        "connectors:
  api:
    base_url: API
    auth:
      type: jwt
      algorithm: {alg}
      key: \"${{file:secrets/{key}}}\"
      key_id: k1
      claims: {{ iss: switchboard, aud: ledger, sub: \"{{{{ user.id }}}}\" }}
      ttl: 10m
{OPS}"
    )
}

fn bearer_of(s: &Seen) -> String {
    s.header("authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn jwt_tokens_carry_the_user_and_verify_for_each_algorithm() {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt");
    let cases = [
        (
            "HS256",
            "hs256",
            Algorithm::HS256,
            DecodingKey::from_secret(b"an-hs256-test-secret-of-32-bytes-or-more"),
        ),
        (
            "RS256",
            "rs256.pem",
            Algorithm::RS256,
            DecodingKey::from_rsa_pem(&std::fs::read(fixtures.join("rs256.pub.pem")).unwrap())
                .unwrap(),
        ),
        (
            "ES256",
            "es256.pem",
            Algorithm::ES256,
            DecodingKey::from_ec_pem(&std::fs::read(fixtures.join("es256.pub.pem")).unwrap())
                .unwrap(),
        ),
    ];
    for (alg, key, algorithm, decoding) in cases {
        let w = world(3600).await;
        let (p, _dir) = project(&jwt_project(alg, key), &w);
        for user in ["u-1", "u-1", "u-2"] {
            assert!(ping(&p, Some(user)).await.is_ok());
        }
        assert!(ping(&p, None).await.is_ok());
        let seen = w.api.seen.lock().unwrap().clone();
        let tokens: Vec<String> = seen.iter().map(bearer_of).collect();
        assert_eq!(
            tokens[0], tokens[1],
            "{alg}: the same user's token is reused"
        );
        assert_ne!(tokens[0], tokens[2], "{alg}: each user has their own token");
        let mut v = Validation::new(algorithm);
        v.set_audience(&["ledger"]);
        v.set_issuer(&["switchboard"]);
        let header = decode_header(&tokens[0]).unwrap();
        assert_eq!(header.kid.as_deref(), Some("k1"));
        let c = decode::<Value>(&tokens[0], &decoding, &v).unwrap().claims;
        assert_eq!(c["sub"], "u-1", "{alg}");
        let lifetime = c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap();
        assert_eq!(lifetime, 600);
        let c = decode::<Value>(&tokens[2], &decoding, &v).unwrap().claims;
        assert_eq!(c["sub"], "u-2");
        // Without a user, the empty `sub` claim is left out.
        v.required_spec_claims.clear();
        let c = decode::<Value>(&tokens[3], &decoding, &v).unwrap().claims;
        assert!(c.get("sub").is_none(), "{c}");
    }
}

/// A user id nobody authenticated (a platform whose `trust_user_ids` is off) gets no JWT
/// minted for that user: the call fails as `unauthorized` / `untrusted_user` and nothing is
/// sent. A JWT whose claims do not use `user` speaks for no one and is still minted.
#[tokio::test]
async fn no_user_jwt_is_minted_for_an_untrusted_user_id() {
    let w = world(3600).await;
    let (p, _dir) = project(&jwt_project("HS256", "hs256"), &w);
    let mut ctx = CallContext::with_budget(Duration::from_secs(10));
    ctx.user_id = Some("alice".into());
    ctx.untrusted_user = true;
    let op = OperationRef::parse("api.ping").unwrap();
    let r = p.call(&op, &Map::new(), &ctx).await.unwrap();
    assert_eq!(r.outcome, OutcomeKind::Unauthorized);
    assert_eq!(r.reason, Some("untrusted_user"));
    assert!(w.api.seen.lock().unwrap().is_empty(), "nothing was sent");

    let service = jwt_project("HS256", "hs256").replace(", sub: \"{{ user.id }}\"", "");
    assert!(!service.contains("user.id"));
    let (p, _dir) = project(&service, &w);
    assert!(p.call(&op, &Map::new(), &ctx).await.unwrap().is_ok());
    assert_eq!(w.api.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn hmac_signatures_verify_at_the_upstream() {
    use hmac::{Hmac, KeyInit, Mac};
    let w = world(3600).await;
    let yaml = format!(
        "connectors:
  api:
    base_url: API
    auth:
      type: hmac
      secret: \"${{file:secrets/hmac}}\"
      algorithm: sha512
      encoding: base64
      header: X-Signature
      value: \"t={{timestamp}},v1={{signature}}\"
      timestamp_header: X-Timestamp
{OPS}"
    );
    let (p, _dir) = project(&yaml, &w);
    let mut args = Map::new();
    args.insert("text".into(), json!("hello, signer"));
    let ctx = CallContext::with_budget(Duration::from_secs(10));
    let r = p
        .call(&OperationRef::parse("api.send").unwrap(), &args, &ctx)
        .await
        .unwrap();
    assert!(r.is_ok(), "{r:?}");
    let seen = w.api.seen.lock().unwrap()[0].clone();
    let ts = seen.header("x-timestamp").unwrap().to_string();
    let mut message = Vec::new();
    for part in [
        ts.as_bytes(),
        seen.method.as_bytes(),
        seen.path.as_bytes(),
        seen.query.as_bytes(),
        &seen.body,
    ] {
        if !message.is_empty() {
            message.push(b'\n');
        }
        message.extend_from_slice(part);
    }
    assert_eq!(seen.query, "lang=en");
    let mut mac = <Hmac<sha2::Sha512> as KeyInit>::new_from_slice(b"hmac-signing-secret").unwrap();
    mac.update(&message);
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(
        seen.header("x-signature").unwrap(),
        format!("t={ts},v1={expected}")
    );
}
