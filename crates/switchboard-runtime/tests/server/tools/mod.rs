//! The tool gateway end to end: the demo project served on 127.0.0.1:0, spoken to through
//! the official MCP Python SDK (`client.py`, both the 2026-07-28 revision and the 2025-11-25
//! handshake), raw JSON-RPC where a test must hand a request from one instance to another,
//! and plain HTTP for `/v1/tools`. Upstream effects are counted on the demo backend.

use crate::common;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use switchboard_config::Project;
use switchboard_config::model::{InboundKey, InboundSettings, Scope};
use switchboard_demo_backend::DemoBackend;
use switchboard_demo_backend::Route;
use switchboard_runtime::catalog::Catalog;
use switchboard_runtime::tools::export::{Format, export};

const REQUIREMENTS: &str = include_str!("requirements.txt");
const TOOLS_KEY: &str = "tools-key-0123456789abcdef";
const CHAT_KEY: &str = "chat-key-0123456789abcdef";

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/server/tools")
}

/// Runs a client script (`interpreter script URL OPTS`); the JSON it prints.
fn run_client(interpreter: &Path, script: &Path, url: &str, opts: &Value) -> Value {
    let name = script.file_name().unwrap().to_string_lossy();
    let out = Command::new(interpreter)
        .arg(script)
        .arg(url)
        .arg(opts.to_string())
        .output()
        .unwrap_or_else(|e| panic!("{name} does not run: {e}"));
    assert!(
        out.status.success(),
        "{name} {opts} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{name} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs `client.py` against `url` with `opts`; its JSON answer.
fn client(url: &str, opts: Value) -> Value {
    let python = crate::pyenv::python("mcp", &here(), REQUIREMENTS);
    run_client(&python, &here().join("client.py"), url, &opts)
}

struct Bot {
    url: String,
    project: Project,
    backend: DemoBackend,
    services: switchboard_runtime::app::Services,
    _dir: tempfile::TempDir,
}

/// The demo project, served; `change` edits it first.
async fn bot_with(change: impl FnOnce(&mut Project)) -> Bot {
    let (addr, backend) = common::backend().await;
    let mut project = common::store_project(addr);
    change(&mut project);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let services = switchboard_runtime::app::build(project.clone(), dir.path(), None)
        .await
        .expect("services build");
    tokio::spawn(switchboard_runtime::server::serve(
        listener,
        services.state(),
        std::future::pending(),
    ));
    Bot {
        url,
        project,
        backend,
        services,
        _dir: dir,
    }
}

async fn bot() -> Bot {
    bot_with(|_| {}).await
}

const REFUND: &str = "store_create_refund";

fn refund_args() -> Value {
    json!({ "payment_id": "PAY-1001", "reason": "damaged", "idempotency_key": "refund-1001-a" })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_client_lists_the_projects_operations_and_calls_a_read_tool() {
    let bot = bot().await;
    let mcp = format!("{}/mcp", bot.url);
    for mode in ["auto", "legacy"] {
        let listed = tokio::task::spawn_blocking({
            let mcp = mcp.clone();
            move || client(&mcp, json!({ "do": "list", "mode": mode }))
        })
        .await
        .unwrap();
        let want = if mode == "auto" {
            "2026-07-28"
        } else {
            "2025-11-25"
        };
        assert_eq!(listed["protocol"], want);
        let tools = listed["tools"].as_array().unwrap();
        let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        let catalog = Catalog::new(&bot.project);
        let expected: Vec<&str> = catalog.all().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, expected, "every operation, in the file's order");
        assert!(names.iter().all(|n| {
            n.len() <= 64
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        }));
        assert!(
            !names.iter().any(|n| n.starts_with("channel_")),
            "the channels' send connectors are not tools"
        );
        for t in tools {
            let a = &t["annotations"];
            for hint in [
                "readOnlyHint",
                "destructiveHint",
                "idempotentHint",
                "openWorldHint",
            ] {
                assert!(
                    a[hint].is_boolean(),
                    "{} lacks an explicit {hint}",
                    t["name"]
                );
            }
        }
        let get = tools
            .iter()
            .find(|t| t["name"] == "store_get_order")
            .unwrap();
        assert_eq!(get["annotations"]["readOnlyHint"], true);
        assert_eq!(get["inputSchema"]["required"], json!(["order_id"]));
        assert_eq!(
            get["inputSchema"]["properties"]["order_id"]["pattern"],
            "^[A-Z0-9-]{3,20}$"
        );
        let refund = tools.iter().find(|t| t["name"] == REFUND).unwrap();
        assert_eq!(refund["annotations"]["readOnlyHint"], false);
        assert_eq!(refund["annotations"]["destructiveHint"], true);
        // Intents with steps are tools too, unless they say `tool: false`.
        let status = tools.iter().find(|t| t["name"] == "order_status").unwrap();
        assert_eq!(status["title"], "intent order_status");
        assert_eq!(status["inputSchema"]["required"], json!(["order_id"]));
        assert_eq!(
            status["annotations"]["readOnlyHint"], false,
            "it logs the lookup"
        );
        assert_eq!(
            status["annotations"]["destructiveHint"], false,
            "as the project says"
        );
        assert!(tools.iter().any(|t| t["name"] == "request_refund"));
        assert!(!names.contains(&"human_handoff"), "tool: false");
        assert!(!names.contains(&"greet_customer") && !names.contains(&"help"));
    }
    bot.backend.reset_stats();
    let r = tokio::task::spawn_blocking(move || {
        client(
            &mcp,
            json!({ "do": "call", "tool": "store_get_order", "arguments": { "order_id": "1001" } }),
        )
    })
    .await
    .unwrap();
    assert_eq!(r["is_error"], false, "{r}");
    assert_eq!(r["valid_against_output_schema"], true);
    assert_eq!(r["structured"]["status"], "shipped");
    assert_eq!(r["asked"], json!([]), "a read needs no confirmation");
    let text: Value = serde_json::from_str(r["text"][0].as_str().unwrap()).unwrap();
    assert_eq!(
        text, r["structured"],
        "the text copy is the structured content"
    );
    assert_eq!(bot.backend.stats().calls(Route::Orders), 1);
    // An intent as a tool: its slots are the arguments, its reply the result.
    let mcp = format!("{}/mcp", bot.url);
    let r = tokio::task::spawn_blocking(move || {
        client(
            &mcp,
            json!({ "do": "call", "tool": "order_status", "arguments": { "order_id": "1001" } }),
        )
    })
    .await
    .unwrap();
    assert_eq!(r["is_error"], false, "{r}");
    assert_eq!(r["valid_against_output_schema"], true);
    assert_eq!(r["asked"], json!([]), "tool: {{ confirm: false }}");
    let reply = r["structured"]["reply"].as_str().unwrap();
    assert!(
        reply.contains("1001") && reply.contains("shipped"),
        "{reply}"
    );
    assert_eq!(r["structured"]["steps"]["order"]["status"], "shipped");
    assert_eq!(bot.backend.stats().calls(Route::Orders), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_runs_once_after_the_user_accepts_and_never_otherwise() {
    let bot = bot().await;
    let mcp = format!("{}/mcp", bot.url);
    let run = |opts: Value| {
        let mcp = mcp.clone();
        tokio::task::spawn_blocking(move || client(&mcp, opts))
    };
    let call = |answer: &str, mode: &str| json!({ "do": "call", "tool": REFUND, "arguments": refund_args(), "answer": answer, "mode": mode });
    bot.backend.reset_stats();
    let declined = run(call("decline", "auto")).await.unwrap();
    assert_eq!(declined["is_error"], true);
    assert_eq!(declined["structured"]["outcome"], "declined");
    assert_eq!(declined["asked"].as_array().unwrap().len(), 1);
    assert!(
        declined["asked"][0].as_str().unwrap().contains("PAY-1001"),
        "the user sees what they are asked to allow: {declined}"
    );
    let tampered = run(json!({ "do": "tamper", "tool": REFUND, "arguments": refund_args() }))
        .await
        .unwrap();
    assert_eq!(tampered["first"], "InputRequiredResult");
    assert_eq!(tampered["structured"]["outcome"], "confirmation_invalid");
    let legacy = run(call("accept", "legacy")).await.unwrap();
    assert_eq!(legacy["structured"]["outcome"], "confirmation_unavailable");
    assert!(
        legacy["structured"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-07-28")
    );
    let invalid = run(json!({ "do": "call", "tool": REFUND, "arguments": { "payment_id": "nope" }, "answer": "accept" }))
        .await
        .unwrap();
    assert_eq!(invalid["structured"]["outcome"], "invalid_arguments");
    assert_eq!(
        invalid["asked"],
        json!([]),
        "nobody is asked about a call that cannot run"
    );
    assert_eq!(
        bot.backend.stats().calls(Route::Refunds),
        0,
        "declined, tampered, unconfirmable or invalid: nothing sent"
    );
    let accepted = run(call("accept", "auto")).await.unwrap();
    assert_eq!(accepted["is_error"], false, "{accepted}");
    assert_eq!(
        bot.backend.stats().calls(Route::Refunds),
        1,
        "exactly one upstream request"
    );
    // An intent that writes asks the same way, and runs its steps once.
    let intent = |answer: &str| json!({ "do": "call", "tool": "request_refund", "arguments": { "payment_id": "PAY-1002" }, "answer": answer });
    let no = run(intent("decline")).await.unwrap();
    assert_eq!(no["structured"]["outcome"], "declined", "{no}");
    assert_eq!(bot.backend.stats().calls(Route::Refunds), 1);
    let yes = run(intent("accept")).await.unwrap();
    assert_eq!(yes["is_error"], false, "{yes}");
    assert!(
        yes["structured"]["reply"]
            .as_str()
            .unwrap()
            .contains("has been issued"),
        "{yes}"
    );
    assert_eq!(bot.backend.stats().calls(Route::Refunds), 2);

    // Every call is counted and audited: the tool, the outcome, a digest of the arguments.
    bot.services.pipeline().flush_audit().await;
    let http = reqwest::Client::new();
    let audit: Value = http
        .get(format!("{}/v1/admin/audit?limit=1000", bot.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows: Vec<&Value> = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "tool")
        .collect();
    let outcomes = |tool: &str| -> Vec<&str> {
        rows.iter()
            .filter(|r| r["connector"] == tool)
            .map(|r| r["outcome"].as_str().unwrap())
            .collect()
    };
    assert_eq!(
        outcomes(REFUND),
        [
            "confirmation_required",
            "declined",
            "confirmation_required",
            "confirmation_invalid",
            "confirmation_unavailable",
            "invalid_arguments",
            "confirmation_required",
            "ok"
        ],
        "{audit}"
    );
    assert_eq!(
        outcomes("request_refund"),
        [
            "confirmation_required",
            "declined",
            "confirmation_required",
            "ok"
        ]
    );
    let digest = switchboard_runtime::tools::run::args_digest(refund_args().as_object().unwrap());
    let ok = rows
        .iter()
        .find(|r| r["connector"] == REFUND && r["outcome"] == "ok")
        .unwrap();
    assert_eq!(ok["detail"], format!("arguments sha256:{digest}"));
    assert_eq!(ok["operation"], "store.create_refund");
    assert_eq!(ok["path"], "/mcp");
    assert!(
        !audit.to_string().contains("damaged"),
        "arguments are never written, only their digest"
    );
    let metrics = http
        .get(format!("{}/metrics", bot.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "switchboard_tool_calls_total{tool=\"store_create_refund\",outcome=\"declined\"} 1",
        "switchboard_tool_calls_total{tool=\"store_create_refund\",outcome=\"ok\"} 1",
        "switchboard_tool_calls_total{tool=\"request_refund\",outcome=\"ok\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
}

/// A JSON-RPC `tools/call` at 2026-07-28, as a client that keeps nothing between requests.
fn rpc_call(id: u64, name: &str, args: &Value, extra: Value) -> Value {
    let mut params = json!({
        "name": name,
        "arguments": args,
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { "name": "switchboard-test", "version": "1" },
            "io.modelcontextprotocol/clientCapabilities": { "elicitation": { "form": {} } }
        }
    });
    if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params })
}

async fn post_rpc(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    let res = http
        .post(format!("{url}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", body["method"].as_str().unwrap_or_default())
        .header(
            "mcp-name",
            body["params"]["name"].as_str().unwrap_or_default(),
        )
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_answer_one_confirmation_round_between_them() {
    // Two instances of one project (one accounts key): the question comes from one, the
    // answer goes to the other, with nothing shared but the project.
    let (addr, backend) = common::backend().await;
    let mut project = common::store_project(addr);
    project.bot.accounts_key = Some(switchboard_config::Secret::literal("ab".repeat(32)));
    let mut urls = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..2 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        urls.push(format!("http://{}", listener.local_addr().unwrap()));
        let dir = tempfile::tempdir().unwrap();
        let services = switchboard_runtime::app::build(project.clone(), dir.path(), None)
            .await
            .expect("services build");
        tokio::spawn(switchboard_runtime::server::serve(
            listener,
            services.state(),
            std::future::pending(),
        ));
        dirs.push(dir);
    }
    let http = reqwest::Client::new();
    let args = refund_args();
    let asked = post_rpc(&http, &urls[0], &rpc_call(1, REFUND, &args, json!({}))).await;
    let result = &asked["result"];
    assert_eq!(result["resultType"], "input_required", "{asked}");
    let state = result["requestState"].as_str().unwrap().to_string();
    assert!(result["inputRequests"]["confirm"]["method"] == "elicitation/create");
    assert_eq!(backend.stats().calls(Route::Refunds), 0);
    // The same state for other arguments is refused.
    let other = json!({ "payment_id": "PAY-1002", "reason": "damaged", "idempotency_key": "refund-1002-a" });
    let answer =
        json!({ "inputResponses": { "confirm": { "action": "accept" } }, "requestState": state });
    let wrong = post_rpc(
        &http,
        &urls[1],
        &rpc_call(2, REFUND, &other, answer.clone()),
    )
    .await;
    assert_eq!(
        wrong["result"]["structuredContent"]["outcome"],
        "confirmation_invalid"
    );
    let done = post_rpc(&http, &urls[1], &rpc_call(3, REFUND, &args, answer)).await;
    assert_eq!(done["result"]["isError"], false, "{done}");
    assert_eq!(backend.stats().calls(Route::Refunds), 1);
    for n in 0..6u64 {
        let url = &urls[(n % 2) as usize];
        let r = post_rpc(
            &http,
            url,
            &rpc_call(
                10 + n,
                "store_get_order",
                &json!({ "order_id": "1001" }),
                json!({}),
            ),
        )
        .await;
        assert_eq!(r["result"]["structuredContent"]["id"], "1001", "{r}");
    }
}

fn key(name: &str, secret: &str, scopes: Vec<Scope>) -> InboundKey {
    InboundKey {
        name: name.into(),
        sha256: Sha256::digest(secret.as_bytes()).into(),
        scopes,
        trusted_backend: false,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_needs_the_tools_scope_and_says_where_to_get_a_token() {
    let bot = bot_with(|p| {
        p.inbound = InboundSettings {
            api_keys: vec![
                key("agent", TOOLS_KEY, vec![Scope::Tools]),
                key("frontend", CHAT_KEY, vec![Scope::Chat]),
            ],
            ..InboundSettings::default()
        };
    })
    .await;
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/mcp", bot.url))
        .header("host", "bot.example.com")
        .json(&rpc_call(
            1,
            "store_get_order",
            &json!({ "order_id": "1001" }),
            json!({}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer resource_metadata=\"http://bot.example.com/.well-known/oauth-protected-resource\""
    );
    let meta: Value = http
        .get(format!("{}/.well-known/oauth-protected-resource", bot.url))
        .header("host", "bot.example.com")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["resource"], "http://bot.example.com/mcp");
    assert_eq!(meta["scopes_supported"], json!(["tools"]));
    let chat_only = http
        .get(format!("{}/v1/tools", bot.url))
        .header("x-api-key", CHAT_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(chat_only.status(), 403);
    let mcp = format!("{}/mcp", bot.url);
    let r = tokio::task::spawn_blocking(move || {
        client(
            &mcp,
            json!({ "do": "call", "tool": "store_get_order", "arguments": { "order_id": "1001" },
                    "headers": { "x-api-key": TOOLS_KEY } }),
        )
    })
    .await
    .unwrap();
    assert_eq!(r["structured"]["id"], "1001", "{r}");
}

#[tokio::test(flavor = "multi_thread")]
async fn apps_run_tools_over_plain_http_with_the_same_confirmation() {
    let bot = bot().await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(format!("{}/v1/tools", bot.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["tools"].as_array().unwrap().len(),
        Catalog::new(&bot.project).all().len()
    );
    bot.backend.reset_stats();
    let post = |name: &str, body: Value| {
        http.post(format!("{}/v1/tools/{name}", bot.url))
            .json(&body)
            .send()
    };
    let unconfirmed = post(REFUND, json!({ "arguments": refund_args() }))
        .await
        .unwrap();
    assert_eq!(unconfirmed.status(), 409);
    let body: Value = unconfirmed.json().await.unwrap();
    assert_eq!(body["error"]["code"], "confirmation_required");
    assert_eq!(bot.backend.stats().calls(Route::Refunds), 0);
    let confirmed: Value = post(
        REFUND,
        json!({ "arguments": refund_args(), "confirmed": true }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(confirmed["ok"], true, "{confirmed}");
    assert_eq!(bot.backend.stats().calls(Route::Refunds), 1);
    let read: Value = post(
        "store_get_order",
        json!({ "arguments": { "order_id": "1001" } }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(read["result"]["status"], "shipped");
    let bad: Value = post(
        "store_get_order",
        json!({ "arguments": { "order_id": "x" } }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(bad["ok"], false);
    assert_eq!(bad["error"]["outcome"], "invalid_arguments");
    let unknown = post("store_get_ordr", json!({})).await.unwrap();
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("store_get_order"),
        "{body}"
    );
}

/// OpenAI's strict mode: every object closed and every property required; only the
/// keywords it accepts.
fn check_strict(schema: &Value, at: &str) {
    const ALLOWED: [&str; 9] = [
        "type",
        "properties",
        "required",
        "additionalProperties",
        "description",
        "enum",
        "pattern",
        "minimum",
        "maximum",
    ];
    let o = schema
        .as_object()
        .unwrap_or_else(|| panic!("{at}: not an object"));
    for k in o.keys() {
        assert!(
            ALLOWED.contains(&k.as_str()),
            "{at}: {k} is not accepted in strict mode"
        );
    }
    if o.get("type") == Some(&json!("object")) {
        assert_eq!(o["additionalProperties"], false, "{at}");
        let props: Vec<&String> = o["properties"].as_object().unwrap().keys().collect();
        let required: Vec<&str> = o["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(props, required, "{at}: every property required");
        for (name, p) in o["properties"].as_object().unwrap() {
            check_strict(p, &format!("{at}.{name}"));
        }
    }
}

#[test]
fn the_openai_export_keeps_strict_modes_rules() {
    let project = switchboard_config::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/store/switchboard.yaml"),
        &switchboard_config::LoadOptions::default(),
    )
    .expect("the demo project loads")
    .0;
    let tools = export(&Catalog::new(&project), Format::Openai);
    let tools = tools.as_array().unwrap();
    assert!(!tools.is_empty());
    for t in tools {
        assert_eq!(t["type"], "function");
        let f = &t["function"];
        if f["strict"] == true {
            check_strict(&f["parameters"], f["name"].as_str().unwrap());
        }
    }
    let refund = tools
        .iter()
        .find(|t| t["function"]["name"] == REFUND)
        .unwrap();
    assert_eq!(refund["function"]["strict"], true);
    assert_eq!(
        refund["function"]["parameters"]["properties"]["reason"]["type"],
        json!(["string", "null"]),
        "an optional input is nullable"
    );
    let anthropic = export(&Catalog::new(&project), Format::Anthropic);
    assert_eq!(anthropic[0]["input_schema"]["type"], "object");
}

/// An upstream that answers `GET /me` with who the bearer token says the caller is, and
/// keeps every token it was sent.
async fn token_echo() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use axum::http::HeaderMap;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/me",
        axum::routing::get(move |headers: HeaderMap| {
            let s = s.clone();
            async move {
                let token = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .unwrap_or_default()
                    .to_string();
                s.lock().unwrap().push(token);
                axum::Json(json!({ "name": "someone" }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, seen)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt")
}

/// An inbound token for `sub` with the `tools` scope, signed by the fixtures' RS256 key.
fn agent_token(sub: &str) -> String {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-rs".into());
    let key =
        EncodingKey::from_rsa_pem(&std::fs::read(fixtures().join("rs256.pem")).unwrap()).unwrap();
    let claims = json!({
        "iss": "https://login.example.com/", "aud": "switchboard", "sub": sub,
        "exp": now + 300, "scope": "tools",
    });
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_agent_user_calls_with_their_own_credentials_only() {
    let (upstream, seen) = token_echo().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
    std::fs::write(
        dir.path().join("secrets/mint"),
        "ledger-signing-key-0123456789-abcdef",
    )
    .unwrap();
    std::fs::write(dir.path().join("secrets/accounts"), "ab".repeat(32)).unwrap();
    std::fs::write(dir.path().join("secrets/client"), "client-secret").unwrap();
    std::fs::copy(fixtures().join("jwks.json"), dir.path().join("jwks.json")).unwrap();
    let yaml = format!(
        r#"bot:
  accounts_key: "${{file:secrets/accounts}}"
  public_url: https://bot.example.com
inbound:
  jwt:
    jwks_file: jwks.json
    issuer: https://login.example.com/
    audience: switchboard
connectors:
  ledger:
    base_url: http://{upstream}
    auth:
      type: jwt
      algorithm: HS256
      key: "${{file:secrets/mint}}"
      claims: {{ iss: switchboard, aud: ledger, sub: "{{{{ user.id }}}}" }}
    operations:
      balance: {{ path: /me, response: {{ extract: {{ name: $.name }} }} }}
  crm:
    base_url: http://{upstream}
    auth:
      type: oauth2_authorization_code
      authorize_url: http://{upstream}/authorize
      token_url: http://{upstream}/token
      client_id: sb
      client_secret: "${{file:secrets/client}}"
    operations:
      me: {{ path: /me }}
"#
    );
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(&path, yaml).unwrap();
    let project = common::load(&path);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let services = switchboard_runtime::app::build(project, dir.path(), None)
        .await
        .expect("services build");
    tokio::spawn(switchboard_runtime::server::serve(
        listener,
        services.state(),
        std::future::pending(),
    ));
    let mcp = format!("{url}/mcp");
    let call_as = |user: &'static str, tool: &'static str| {
        let mcp = mcp.clone();
        tokio::task::spawn_blocking(move || {
            client(
                &mcp,
                json!({ "do": "call", "tool": tool, "arguments": {},
                        "headers": { "authorization": format!("Bearer {}", agent_token(user)) } }),
            )
        })
    };
    for user in ["alice", "bob", "alice"] {
        let r = call_as(user, "ledger_balance").await.unwrap();
        assert_eq!(r["is_error"], false, "{r}");
    }
    // Each upstream request carried a token minted for the agent's own user.
    let key = jsonwebtoken::DecodingKey::from_secret(b"ledger-signing-key-0123456789-abcdef");
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.set_audience(&["ledger"]);
    let subs: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|t| {
            jsonwebtoken::decode::<Value>(t, &key, &v).unwrap().claims["sub"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(subs, ["alice", "bob", "alice"]);

    // A connector the user has not connected: nothing sent, and the link to connect it.
    let before = seen.lock().unwrap().len();
    let r = call_as("alice", "crm_me").await.unwrap();
    assert_eq!(r["is_error"], true);
    assert_eq!(r["structured"]["reason"], "not_connected", "{r}");
    let link = r["structured"]["connect_url"].as_str().unwrap();
    assert!(
        link.starts_with("https://bot.example.com/v1/oauth/crm/start?user_id=alice&link="),
        "{link}"
    );
    assert!(r["structured"]["message"].as_str().unwrap().contains(link));
    assert_eq!(
        seen.lock().unwrap().len(),
        before,
        "nothing was sent upstream"
    );

    // Without credentials: 401 and where to find out how to get them.
    let res = reqwest::Client::new()
        .post(&mcp)
        .json(&rpc_call(1, "ledger_balance", &json!({}), json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("/.well-known/oauth-protected-resource")
    );
}

#[test]
fn the_project_chooses_which_operations_and_intents_are_tools() {
    let addr: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
    let names = |p: &Project| -> Vec<String> {
        Catalog::new(p)
            .all()
            .iter()
            .map(|t| t.name.clone())
            .collect()
    };
    let demo = common::store_project(addr);
    let all = names(&demo);
    assert!(all.contains(&"store_get_order".to_string()));
    assert!(all.contains(&"track_shipment".to_string()));

    // Opt-in: nothing but what says `tool: true` (or a `tool:` map).
    let mut p = demo.clone();
    p.tools.expose = false;
    let store = p.connectors.get_mut("store").unwrap();
    store.operations.get_mut("get_order").unwrap().tool.expose = Some(true);
    store.operations.get_mut("get_order").unwrap().tool.name = Some("lookup_order".into());
    p.intents.get_mut("track_shipment").unwrap().tool.expose = Some(true);
    assert_eq!(
        names(&p),
        ["lookup_order", "order_status", "track_shipment"],
        "order_status has a tool: map in the demo"
    );
    let catalog = Catalog::new(&p);
    let track = catalog.get("track_shipment").unwrap();
    assert!(track.read_only && !track.confirm && track.idempotent);

    // A connector's `tools: false` drops its operations, not the intents that use them.
    let mut p = demo.clone();
    p.connectors.get_mut("store").unwrap().tools = Some(false);
    let n = names(&p);
    assert!(!n.iter().any(|n| n.starts_with("store_")), "{n:?}");
    assert!(n.contains(&"order_status".to_string()));

    // A write declared safe to run unconfirmed, and not destructive.
    let mut p = demo;
    let refund = p
        .connectors
        .get_mut("store")
        .unwrap()
        .operations
        .get_mut("create_refund")
        .unwrap();
    refund.tool.confirm = Some(false);
    refund.tool.destructive = Some(false);
    let catalog = Catalog::new(&p);
    let t = catalog.get(REFUND).unwrap();
    assert!(!t.confirm && !t.destructive && !t.read_only);
}

/// The npm packages of `node/`: the official TypeScript client and the conformance suite.
fn node_packages() -> (PathBuf, PathBuf) {
    let packages = crate::nodeenv::packages("mcp", &here().join("node"));
    let node = crate::nodeenv::node(&packages);
    (packages, node)
}

/// Runs `node/client.mjs` against `url` with `opts`; its JSON answer.
fn node_client(url: &str, opts: Value) -> Value {
    let (packages, node) = node_packages();
    // The script runs from the install so that its imports resolve there.
    let script = packages.join("client.mjs");
    std::fs::copy(here().join("node/client.mjs"), &script).expect("copy client.mjs");
    run_client(&node, &script, url, &opts)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_typescript_client_lists_calls_and_confirms() {
    let bot = bot().await;
    let mcp = format!("{}/mcp", bot.url);
    let run = |opts: Value| {
        let mcp = mcp.clone();
        tokio::task::spawn_blocking(move || node_client(&mcp, opts))
    };
    let listed = run(json!({ "do": "list" })).await.unwrap();
    assert_eq!(listed["protocol"], "2026-07-28");
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let catalog = Catalog::new(&bot.project);
    let expected: Vec<&str> = catalog.all().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, expected);
    let legacy = run(json!({ "do": "list", "mode": "legacy" }))
        .await
        .unwrap();
    assert_eq!(
        legacy["tools"], listed["tools"],
        "the same tools on the older revision"
    );

    bot.backend.reset_stats();
    let read = run(
        json!({ "do": "call", "tool": "store_get_order", "arguments": { "order_id": "1001" } }),
    )
    .await
    .unwrap();
    assert_eq!(read["structured"]["status"], "shipped", "{read}");
    let call = |answer: &str| json!({ "do": "call", "tool": REFUND, "arguments": refund_args(), "answer": answer });
    let declined = run(call("decline")).await.unwrap();
    assert_eq!(declined["structured"]["outcome"], "declined", "{declined}");
    assert_eq!(declined["asked"].as_array().unwrap().len(), 1);
    assert_eq!(bot.backend.stats().calls(Route::Refunds), 0);
    let accepted = run(call("accept")).await.unwrap();
    assert_eq!(accepted["is_error"], false, "{accepted}");
    assert_eq!(accepted["structured"]["status"], "succeeded");
    assert_eq!(bot.backend.stats().calls(Route::Refunds), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_conformance_suite_passes_but_for_the_listed_scenarios() {
    let bot = bot().await;
    let mcp = format!("{}/mcp", bot.url);
    let out = tokio::task::spawn_blocking(move || {
        let (packages, node) = node_packages();
        let results = tempfile::tempdir().unwrap();
        Command::new(node)
            .arg(packages.join("node_modules/@modelcontextprotocol/conformance/dist/index.js"))
            .args(["server", "--url", &mcp, "--expected-failures"])
            .arg(here().join("node/conformance-baseline.yml"))
            .current_dir(results.path())
            .output()
            .expect("the conformance suite runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "unexpected conformance results (a new failure, or a listed one that now passes):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for passing in [
        "server-initialize",
        "ping",
        "tools-list",
        "dns-rebinding-protection",
    ] {
        assert!(
            stdout.contains(&format!("✓ {passing}:")),
            "{passing} should pass:\n{stdout}"
        );
    }
}

/// Calls `connector.operation` through the pipeline, as nobody, within 10 s.
async fn call_operation(
    pipeline: &switchboard_runtime::pipeline::Pipeline,
    op: &str,
    args: Value,
) -> switchboard_runtime::pipeline::CallRecord {
    let op = switchboard_config::model::OperationRef::parse(op).unwrap();
    let ctx =
        switchboard_runtime::pipeline::CallContext::with_budget(std::time::Duration::from_secs(10));
    pipeline
        .call(&op, args.as_object().unwrap(), &ctx)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mcp_connector_calls_a_remote_servers_tools_through_the_pipeline() {
    // The remote MCP server is the demo's own gateway, on its own instance.
    let remote = bot().await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_url = format!("http://{}/mcp", closed.local_addr().unwrap());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        r#"connectors:
  remote:
    type: mcp
    base_url: {url}/mcp
    operations:
      order:
        mcp_tool: store_get_order
        read_only: true
        inputs: {{ order_id: string }}
        response: {{ extract: {{ status: $.status }} }}
      refund:
        mcp_tool: store_create_refund
        inputs: {{ payment_id: string, reason: string, idempotency_key: string }}
      missing: {{ mcp_tool: no_such_tool }}
  gone:
    type: mcp
    base_url: {closed_url}
    retry: {{ attempts: 1 }}
    operations:
      ping: {{ read_only: true }}
intents:
  where_is_it:
    examples: [where is order 1001, status of order 1002, track my order]
    slots:
      order_id: {{ ask: Which order? }}
    steps:
      o: {{ call: remote.order, with: {{ order_id: "{{{{ slots.order_id }}}}" }} }}
    reply: "Order {{{{ slots.order_id }}}} is {{{{ steps.o.status }}}}."
"#,
        url = remote.url
    );
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(&path, yaml).unwrap();
    let project = common::load(&path);
    let services = switchboard_runtime::app::build(project, dir.path(), None)
        .await
        .expect("services build");
    let call = |op: &'static str, args: Value| call_operation(services.pipeline(), op, args);
    remote.backend.reset_stats();
    let r = call("remote.order", json!({ "order_id": "1001" })).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.data, json!({ "status": "shipped" }));
    assert_eq!(remote.backend.stats().calls(Route::Orders), 1);

    // The remote's own rules hold: its write asks its user, which is not relayed.
    let r = call("remote.refund", refund_args()).await;
    assert_eq!(r.outcome.as_str(), "forbidden", "{r:?}");
    assert!(r.error.unwrap().contains("input_required"));
    assert_eq!(remote.backend.stats().calls(Route::Refunds), 0);
    let r = call("remote.missing", json!({})).await;
    assert_eq!(r.outcome.as_str(), "bad_request", "{r:?}");
    let r = call("gone.ping", json!({})).await;
    assert_eq!(r.outcome.as_str(), "unavailable", "{r:?}");

    // An intent's step and this instance's own gateway use it like any operation.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(switchboard_runtime::server::serve(
        listener,
        services.state(),
        std::future::pending(),
    ));
    let answer: Value = reqwest::Client::new()
        .post(format!("{url}/v1/tools/where_is_it"))
        .json(&json!({ "arguments": { "order_id": "1002" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer["result"]["reply"], "Order 1002 is processing.",
        "{answer}"
    );
    services.pipeline().flush_audit().await;
}

/// A child process killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mcp_connector_reads_a_python_sdk_servers_results() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let python = crate::pyenv::python("mcp", &here(), REQUIREMENTS);
    let mut child = Child(
        Command::new(python)
            .arg(here().join("server.py"))
            .arg(port.to_string())
            .stdout(std::process::Stdio::piped())
            // It logs the failing tool's traceback, which is expected here.
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("server.py starts"),
    );
    // Wait for the server to say it listens.
    let stdout = child.0.stdout.take().unwrap();
    let ready = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.trim() == "ready")
    })
    .await
    .unwrap();
    assert!(ready, "server.py ended before it listened");
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        r#"connectors:
  py:
    type: mcp
    base_url: http://127.0.0.1:{port}/mcp
    operations:
      add:
        read_only: true
        inputs: {{ a: integer, b: integer }}
        response:
          schema: {{ type: object, required: [total] }}
          extract: {{ total: $.total }}
      shout: {{ read_only: true, inputs: {{ text: string }} }}
      fail: {{ inputs: {{ reason: string }} }}
"#
    );
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(&path, yaml).unwrap();
    let services = switchboard_runtime::app::build(common::load(&path), dir.path(), None)
        .await
        .expect("services build");
    let call = |op: &'static str, args: Value| call_operation(services.pipeline(), op, args);
    let r = call("py.add", json!({ "a": "2", "b": 40 })).await;
    assert_eq!(r.data, json!({ "total": 42 }), "{r:?}");
    let r = call("py.shout", json!({ "text": "hello" })).await;
    assert_eq!(r.data, json!({ "result": "HELLO" }), "{r:?}");
    let r = call("py.fail", json!({ "reason": "no" })).await;
    assert_eq!(r.outcome.as_str(), "bad_request", "{r:?}");
    assert_eq!(
        r.error.as_deref(),
        Some("the remote MCP tool answered isError")
    );
    drop(child);
}
