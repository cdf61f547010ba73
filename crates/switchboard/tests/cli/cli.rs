//! The binary as a user runs it: `check`, `call`, `chat` through piped stdin, `init`, `eval`
//! and `demo`, with their outputs and exit codes.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    c.env_remove("SWITCHBOARD_CONFIG")
        .env_remove("SWITCHBOARD_LOG")
        .env_remove("RUST_LOG");
    c
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("binary runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A copy of the demo project pointed at a demo backend started by the binary itself.
struct Backend {
    child: std::process::Child,
    url: String,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_backend() -> Backend {
    start_backend_with(&[])
}

/// A demo backend started with extra arguments (such as `--fault ROUTE=KIND`).
fn start_backend_with(args: &[&str]) -> Backend {
    let mut child = bin()
        .args(["demo-backend", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next().expect("backend prints its address").unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("an URL")
        .to_string();
    std::thread::spawn(move || for _ in lines {});
    Backend { child, url }
}

fn project_for(backend: &Backend, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("examples/store/switchboard.yaml")).unwrap();
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    for entry in std::fs::read_dir(repo().join("examples/store/secrets")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("secrets").join(entry.file_name())).unwrap();
    }
    let path = dir.join("switchboard.yaml");
    let platforms = backend.url.replace("/api/v2", "/platforms");
    std::fs::write(
        &path,
        text.replace("http://127.0.0.1:8081/api/v2", &backend.url)
            .replace("http://127.0.0.1:8081/platforms", &platforms),
    )
    .unwrap();
    path
}

#[test]
fn check_summarises_a_good_project() {
    let (code, out, err) = run(bin()
        .args(["check", "-c"])
        .arg(repo().join("examples/store/switchboard.yaml")));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(": ok: 1 connector, 12 operations, 13 intents"),
        "{out}"
    );
}

#[test]
fn check_reports_every_error_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(
        &path,
        "connectors:\n  api:\n    base_url: http://127.0.0.1:1/v1\n    operations:\n      get:\n        path: /things/{id}\nintents:\n  x:\n    examples: [a]\n    steps:\n      s: { call: api.gett }\n    reply: hi\n",
    )
    .unwrap();
    let (code, _out, err) = run(bin().args(["check", "-c"]).arg(&path));
    assert_eq!(code, 1);
    assert!(
        err.trim_end().ends_with("switchboard.yaml: 2 errors"),
        "{err}"
    );
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| {
            l.contains("switchboard.yaml:") && !l.ends_with("errors") && !l.contains("warning:")
        })
        .collect();
    assert_eq!(lines.len(), 2, "both errors are reported: {err}");
    for l in &lines {
        let rest = l.split("switchboard.yaml:").nth(1).unwrap();
        let mut parts = rest.splitn(3, ':');
        assert!(
            parts.next().unwrap().parse::<u32>().is_ok()
                && parts.next().unwrap().parse::<u32>().is_ok(),
            "file:line:col in {l}"
        );
    }
    assert!(err.contains("did you mean \"api.get\""), "{err}");
}

#[test]
fn call_prints_json_and_exits_by_outcome() {
    let backend = start_backend();
    let dir = tempfile::tempdir().unwrap();
    let project = project_for(&backend, dir.path());

    let (code, out, err) = run(bin()
        .args(["call", "store.get_order", "order_id=1001", "-c"])
        .arg(&project));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"], "ok");
    assert_eq!(v["status"], 200);
    assert_eq!(v["attempts"], 1);
    assert_eq!(v["data"]["tracking"], "TRK1001");
    assert!(v.get("body").is_none());
    // Milliseconds to three decimals: `"latency_ms": 11.379`, not `11.379143`.
    let latency = out
        .split("\"latency_ms\": ")
        .nth(1)
        .and_then(|rest| rest.split([',', '\n']).next())
        .expect("latency_ms in the output");
    let decimals = latency.split_once('.').map_or(0, |(_, d)| d.len());
    assert!(decimals <= 3, "latency_ms {latency}");

    let (code, out, _) = run(bin()
        .args(["call", "store.get_order", "order_id=1001", "--raw", "-c"])
        .arg(&project));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["body"]["id"], "1001");

    let (code, out, _) = run(bin()
        .args(["call", "store.get_order", "order_id=9999", "-c"])
        .arg(&project));
    assert_eq!(code, 3);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["outcome"],
        "not_found"
    );

    let (code, _, err) = run(bin()
        .args(["call", "store.get_order", "order_id=../admin", "-c"])
        .arg(&project));
    assert_eq!(code, 2);
    assert!(err.contains("nothing was sent"), "{err}");

    let (code, _, err) = run(bin().args(["call", "store.get_order", "-c"]).arg(&project));
    assert_eq!(code, 2);
    assert!(err.contains("input \"order_id\" is required"), "{err}");

    // An unknown operation is a usage error (exit 2), with the nearest name.
    let (code, _, err) = run(bin().args(["call", "store.get_ordr", "-c"]).arg(&project));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("defines no operation store.get_ordr (did you mean \"store.get_order\"?)"),
        "{err}"
    );
}

/// A 503 whose `Retry-After` is longer than the call can wait is the upstream being down, not
/// busy: `unavailable` and exit 7 (not `rate_limited`, exit 6), with the wait as the reason.
#[test]
fn call_exits_unavailable_on_a_503_with_a_long_retry_after() {
    let backend = start_backend_with(&["--fault", "orders=503/86400"]);
    let dir = tempfile::tempdir().unwrap();
    let project = project_for(&backend, dir.path());
    let (code, out, err) = run(bin()
        .args(["call", "store.get_order", "order_id=1001", "-c"])
        .arg(&project));
    assert_eq!(code, 7, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"], "unavailable");
    assert_eq!(v["status"], 503);
    assert_eq!(v["reason"], "retry_after_too_long");
    assert_eq!(v["attempts"], 1);
}

#[test]
fn chat_reads_piped_stdin() {
    let backend = start_backend();
    let dir = tempfile::tempdir().unwrap();
    let project = project_for(&backend, dir.path());
    let stdout = chat_piped(
        &project,
        &dir.path().join("data"),
        b"where is my order?\n1001\n/quit\n",
    );
    assert!(
        stdout.contains("bot> What's your order number?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("bot> Hi Aisha, your order 1001 is shipped"),
        "{stdout}"
    );
    assert!(stdout.contains("intent: order_status"), "{stdout}");
    assert!(stdout.contains("call: store.get_order ok 200"), "{stdout}");
}

/// A `chat --verbose` session on SQLite in `data`, its input piped: what it printed, once it
/// exited successfully.
fn chat_piped(project: &Path, data: &Path, input: &[u8]) -> String {
    let mut child = bin()
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .args(["chat", "--verbose", "--data-dir"])
        .arg(data)
        .arg("-c")
        .arg(project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every upstream call of a `chat` session reaches the audit trail, the last one included: the
/// session writes the queued rows before the process ends (they were lost with it before).
#[test]
fn chat_writes_every_upstream_call_to_the_audit_trail() {
    let backend = start_backend();
    let dir = tempfile::tempdir().unwrap();
    let project = project_for(&backend, dir.path());
    let data = dir.path().join("data");
    let stdout = chat_piped(&project, &data, b"where is my order 1001?\n");
    let mut called: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("call: "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    called.sort();
    assert!(called.len() >= 3, "the order's calls ran: {stdout}");

    let (code, out, err) = run(bin()
        .args(["audit", "export", "--data-dir"])
        .arg(&data)
        .arg("-c")
        .arg(&project));
    assert_eq!(code, 0, "{err}");
    let mut audited: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["kind"] == "upstream")
        .map(|r| {
            format!(
                "{}.{}",
                r["connector"].as_str().unwrap(),
                r["operation"].as_str().unwrap()
            )
        })
        .collect();
    audited.sort();
    assert_eq!(audited, called, "one audit row per call: {out}");
}

#[test]
fn init_scaffolds_a_project_that_checks_and_evaluates() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("my-bot");
    let (code, out, err) = run(bin().arg("init").arg(&target));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Created a project"));
    let (code, out, err) = run(bin()
        .args(["check", "-c"])
        .arg(target.join("switchboard.yaml")));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("ok: 1 connector, 1 operation, 2 intents"),
        "{out}"
    );
    let (code, out, err) = run(bin()
        .arg("eval")
        .arg(target.join("eval.yaml"))
        .arg("-c")
        .arg(target.join("switchboard.yaml")));
    assert_eq!(code, 0, "{err}");
    assert!(out.to_lowercase().contains("accuracy"), "{out}");
    let (code, _, err) = run(bin().arg("init").arg(&target));
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");
}

/// `eval --fail-under PERCENT` exits 1 below the accuracy asked for, 0 at or above it.
#[test]
fn eval_fails_under_the_accuracy_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("bot");
    let (code, _, err) = run(bin().arg("init").arg(&target));
    assert_eq!(code, 0, "{err}");
    // One case right and one labelled wrong on purpose: 50 %.
    let eval = dir.path().join("half.yaml");
    std::fs::write(
        &eval,
        "cases:\n  - { text: \"hello there\", intent: greet }\n  - { text: \"paris weather please\", intent: greet }\n",
    )
    .unwrap();
    let eval_with = |extra: &[&str]| {
        run(bin()
            .arg("eval")
            .arg(&eval)
            .args(extra)
            .arg("-c")
            .arg(target.join("switchboard.yaml")))
    };
    let (code, _, err) = eval_with(&["--fail-under", "60"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("accuracy 50.0% is below --fail-under 60%"),
        "{err}"
    );
    let (code, _, err) = eval_with(&["--fail-under", "50"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = eval_with(&["--fail-under", "150"]);
    assert_eq!(code, 2, "{err}");
}

/// `check --json`: one JSON object with every diagnostic's place, severity, message and hint.
#[test]
fn check_json_gives_editors_every_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(
        &path,
        "connectors:\n  api:\n    base_url: http://127.0.0.1:1/v1\n    operations:\n      get:\n        path: /things/{id}\nintents:\n  x:\n    examples: [a]\n    steps:\n      s: { call: api.gett }\n    reply: hi\n",
    )
    .unwrap();
    let (code, out, err) = run(bin().args(["check", "--json", "-c"]).arg(&path));
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"], 2);
    let call = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["hint"] == "did you mean \"api.get\"?")
        .unwrap_or_else(|| panic!("no hint in {out}"));
    assert_eq!(call["severity"], "error");
    assert_eq!(
        (call["line"].as_u64(), call["column"].as_u64()),
        (Some(11), Some(18))
    );
    assert!(call["file"].as_str().unwrap().ends_with("switchboard.yaml"));
    assert_eq!(
        call["message"],
        "intent \"x\" calls operation \"api.gett\", which connector \"api\" does not define"
    );

    let (code, out, err) = run(bin()
        .args(["check", "--json", "-c"])
        .arg(repo().join("examples/store/switchboard.yaml")));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    assert!(
        v["summary"]
            .as_str()
            .unwrap()
            .starts_with("1 connector, 12 operations, 13 intents"),
        "{out}"
    );
}

/// `completions SHELL` prints a script that completes the subcommands and their options.
#[test]
fn completions_print_a_script_per_shell() {
    let (code, out, err) = run(bin().args(["completions", "bash"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("_switchboard()"), "{out}");
    for word in ["serve", "check", "--fail-under", "--json"] {
        assert!(out.contains(word), "{word} missing from the bash script");
    }
    let (code, out, _) = run(bin().args(["completions", "zsh"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("#compdef switchboard"), "{out}");
    let (code, _, err) = run(bin().args(["completions", "tcsh"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn demo_serves_the_bot_on_the_bundled_backend() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--backend-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path())
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut web = None;
    for line in lines.by_ref().take(10) {
        let line = line.unwrap();
        if line.trim_start().starts_with("web chat:") {
            web = line.split_whitespace().last().map(str::to_string);
            break;
        }
    }
    let web = web.expect("demo prints the web chat URL");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body: Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{web}v1/chat"))
            .json(&serde_json::json!({"user_id": "u1", "text": "where is my order 1001?"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        body["replies"][0]["text"],
        "Hi Aisha, your order 1001 is shipped; it is in Dubai, arriving 2026-11-30."
    );
}

#[test]
fn serve_refuses_a_public_address_without_inbound_auth() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(bin()
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .arg("-c")
        .arg(repo().join("examples/store/switchboard.yaml")));
    assert_ne!(code, 0, "{out}");
    assert!(
        err.contains("refusing to serve") && err.contains("--insecure-no-auth"),
        "{err}"
    );
}

#[test]
fn check_warns_about_allowed_clear_text_http() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(
        &path,
        "connectors:\n  legacy:\n    base_url: http://10.1.2.3:8080\n    allow_insecure_http: true\n    allow_private_network: true\n    operations:\n      ping: { path: /ping }\n",
    )
    .unwrap();
    let (code, out, err) = run(bin().arg("check").arg("-c").arg(&path));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains(
            "switchboard.yaml:3:15: warning: base_url uses http:// to a host that is not loopback"
        ),
        "{out}{err}"
    );
}

/// A project with inbound auth whose Rasa route has none: `check` warns, and `serve` on a
/// non-loopback address refuses (the Rasa route would act as any sender_id), as it does
/// without inbound auth.
#[test]
fn open_platform_routes_are_refused_off_loopback_and_check_warns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(
        &path,
        format!(
            "inbound:\n  api_keys:\n    - {{ name: app, sha256: {} }}\nintents:\n  hello:\n    examples: [hello, hi there, good morning]\n    reply: Hello!\nrasa:\n  actions:\n    action_hello: {{ intent: hello }}\n",
            "ab".repeat(32)
        ),
    )
    .unwrap();
    let (code, out, err) = run(bin().arg("check").arg("-c").arg(&path));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains(
            "switchboard.yaml:9:10: warning: rasa has no auth: anyone who can reach the server can call its routes as any sender_id"
        ),
        "{out}{err}"
    );
    let data = tempfile::tempdir().unwrap();
    let (code, out, err) = run(bin()
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(data.path())
        .arg("-c")
        .arg(&path));
    assert_ne!(code, 0, "{out}");
    assert!(
        err.contains("refusing to serve")
            && err.contains("rasa has no auth")
            && err.contains("--insecure-no-auth"),
        "{err}"
    );
}

#[test]
fn demo_refuses_a_public_address() {
    let data = tempfile::tempdir().unwrap();
    let (code, out, err) = run(bin()
        .args([
            "demo",
            "--listen",
            "0.0.0.0:0",
            "--backend-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data.path()));
    assert_ne!(code, 0, "{out}");
    assert!(
        err.contains("refusing to serve the demo") && err.contains("--insecure-no-auth"),
        "{err}"
    );
    assert!(!out.contains("Switchboard demo is running"), "{out}");
}

#[test]
fn channels_register_sets_the_telegram_webhook_and_says_what_to_set_elsewhere() {
    let backend = start_backend();
    let dir = tempfile::tempdir().unwrap();
    let project = project_for(&backend, dir.path());
    let (code, out, err) = run(bin()
        .args(["channels", "register", "-c"])
        .arg(&project)
        .arg("--data-dir")
        .arg(dir.path().join("data")));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("telegram: registered http://127.0.0.1:8080/v1/channels/telegram"),
        "{out}"
    );
    assert!(
        out.contains(
            "whatsapp: set http://127.0.0.1:8080/v1/channels/whatsapp in the Meta app dashboard"
        ),
        "{out}"
    );
    // The fake Bot API received setWebhook with the secret token.
    let url = format!(
        "{}/admin/channels/telegram/sent",
        backend.url.replace("/api/v2", "")
    );
    let sent: Value = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
    assert_eq!(sent["sent"][0]["method"], "setWebhook", "{sent}");
    assert_eq!(sent["sent"][0]["has_secret_token"], true);

    let (code, _, err) = run(bin()
        .args(["channels", "register", "telegrm", "-c"])
        .arg(&project));
    assert_eq!(code, 2);
    assert!(
        err.contains(r#"no channel "telegrm" (did you mean "telegram"?)"#),
        "{err}"
    );
}

/// `tools export` prints the project's tools in each format, and names the formats on a typo.
#[test]
fn tools_export_prints_each_format() {
    let project = repo().join("examples/store/switchboard.yaml");
    for (format, field) in [
        ("openai", "/function/name"),
        ("anthropic", "/name"),
        ("mcp", "/name"),
    ] {
        let (code, out, err) = run(bin()
            .args(["tools", "export", "--format", format, "-c"])
            .arg(&project));
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        let first = &v.as_array().expect("an array")[0];
        assert_eq!(
            first.pointer(field),
            Some(&Value::from("store_get_order")),
            "{format}"
        );
    }
    let (code, _, err) = run(bin()
        .args(["tools", "export", "--format", "gemini", "-c"])
        .arg(&project));
    assert_eq!(code, 2);
    assert!(err.contains("use openai, anthropic or mcp"), "{err}");
}

/// The demo's eval file through `switchboard eval --json`, as the product understands it
/// (small talk, out-of-scope examples, entities): the bars its multilingual section was
/// written for.
#[test]
fn the_demo_understands_its_users_in_three_languages() {
    let (code, out, err) = run(bin()
        .arg("eval")
        .arg(repo().join("examples/store/eval.yaml"))
        .arg("--json")
        .arg("-c")
        .arg(repo().join("examples/store/switchboard.yaml")));
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let ratio = |v: &Value| v.as_f64().unwrap();
    assert!(ratio(&report["in_scope_accuracy"]) >= 0.92, "{report:#}");
    assert!(ratio(&report["out_of_scope_recall"]) >= 0.85, "{report:#}");
    for tag in ["hinglish", "arabic"] {
        let row = report["per_tag"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tag"] == tag)
            .unwrap_or_else(|| panic!("no {tag} row: {report:#}"));
        assert!(ratio(&row["accuracy"]) >= 0.85, "{row}");
    }
    for entity in [
        "date",
        "time",
        "amount",
        "order_id",
        "tracking_number",
        "payment_id",
    ] {
        let row = report["entities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entity"] == entity)
            .unwrap_or_else(|| panic!("no {entity} row: {report:#}"));
        assert!(ratio(&row["accuracy"]) >= 0.90, "{row}");
    }
}
