//! Log lines as an operator sees them: the project's `telemetry.log_format` applies unless
//! the command line chooses, and secrets and personal data never reach them.

use serde_json::Value;
use std::process::Command;
use switchboard_demo_backend::DemoBackend;

fn project(
    dir: &std::path::Path,
    backend: std::net::SocketAddr,
    format: &str,
) -> std::path::PathBuf {
    std::fs::write(dir.join("key"), "demo-key\n").unwrap();
    let path = dir.join("switchboard.yaml");
    std::fs::write(
        &path,
        format!(
            r#"connectors:
  store:
    base_url: http://{backend}/api/v2
    auth: {{ type: api_key, in: header, name: X-Api-Key, value: "${{file:key}}" }}
    retry: {{ attempts: 1 }}
    operations:
      get_order:
        path: /orders/{{order_id}}
        inputs: {{ order_id: string }}
telemetry:
  log_format: {format}
  redact: {{ keys: [order_id] }}
"#
        ),
    )
    .unwrap();
    path
}

fn call(config: &std::path::Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env_remove("SWITCHBOARD_LOG_FORMAT")
        .env("SWITCHBOARD_LOG", "switchboard=debug")
        .args(extra)
        .args(["call", "store.get_order", "order_id=ana@example.com", "-c"])
        .arg(config)
        .output()
        .expect("binary runs");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_picks_json_logs_and_nothing_sensitive_is_logged() {
    let (addr, _backend) = DemoBackend::spawn_local().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = project(dir.path(), addr, "json");

    let stderr = call(&config, &[]);
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let upstream = lines
        .iter()
        .find(|l| l["fields"]["message"] == "upstream call")
        .unwrap_or_else(|| panic!("no upstream call line in {stderr}"));
    assert_eq!(upstream["fields"]["path"], "/orders/{order_id}");
    assert_eq!(upstream["fields"]["outcome"], "not_found");
    for needle in ["demo-key", "ana@example.com"] {
        assert!(
            !stderr.contains(needle),
            "{needle:?} in the logs:\n{stderr}"
        );
    }

    // The command line wins over the project; text to a pipe has no colour codes.
    let stderr = call(&config, &["--log-format", "text"]);
    assert!(stderr.contains("upstream call"), "{stderr}");
    assert!(!stderr.trim_start().starts_with('{'), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "colour codes in piped logs: {stderr:?}"
    );
}

/// A project with a Rasa action server (behind a header secret), for request text that
/// reaches the logs.
fn rasa_project(dir: &std::path::Path, backend: std::net::SocketAddr) -> std::path::PathBuf {
    std::fs::write(dir.join("rasa-secret"), "rasa-secret-5d1c0a\n").unwrap();
    let path = dir.join("switchboard.yaml");
    std::fs::write(
        &path,
        format!(
            r#"connectors:
  store:
    base_url: http://{backend}/api/v2
    operations:
      get_order:
        path: /orders/{{order_id}}
        inputs: {{ order_id: string }}
intents:
  order_status:
    examples: ["where is my order", "track order 42", "status of my order"]
    slots:
      order_id: {{ entity: number, ask: "Which order?" }}
    steps:
      order: {{ call: store.get_order, with: {{ order_id: "{{{{ slots.order_id }}}}" }} }}
    reply: "Order {{{{ slots.order_id }}}} found."
rasa:
  auth: {{ type: header, name: X-Rasa-Secret, value: "${{file:rasa-secret}}" }}
  actions:
    action_order_status: {{ intent: order_status }}
telemetry:
  log_format: text
"#
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_text_cannot_forge_text_log_lines_or_clear_the_screen() {
    use std::io::{BufRead, BufReader, Read};
    let (addr, _backend) = DemoBackend::spawn_local().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = rasa_project(dir.path(), addr);
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env_remove("SWITCHBOARD_LOG_FORMAT")
        .env("SWITCHBOARD_LOG", "switchboard=info")
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .arg("-c")
        .arg(&config)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("binary runs");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // The address it serves, from its start-up line.
    let mut seen = String::new();
    let server = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("serve exited:\n{seen}");
        }
        seen.push_str(&line);
        if let Some(rest) = line.split("on http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };

    let forged = "action_x\r\nFAKE LINE 9c41e7 INFO switchboard: all good\x1b[2J\u{202e}";
    let response = reqwest::Client::new()
        .post(format!("http://{server}/webhook"))
        .header("X-Rasa-Secret", "rasa-secret-5d1c0a")
        .json(&serde_json::json!({
            "next_action": forged,
            "sender_id": "log-user",
            "tracker": {"sender_id": "log-user", "slots": {}},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // Stop the server (SIGKILL is enough: the line was written before the answer) and read
    // everything it logged.
    child.kill().unwrap();
    child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let logs = seen + &rest;

    // Logs to a pipe have no colour codes, so any ESC would be a raw one from the request.
    assert!(!logs.contains('\x1b'), "an ESC in the logs:\n{logs:?}");
    assert!(!logs.contains('\r'), "a raw CR in the logs:\n{logs:?}");
    assert!(
        !logs.contains('\u{202e}'),
        "a raw bidi override in the logs"
    );
    let lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("FAKE LINE 9c41e7"))
        .collect();
    assert_eq!(lines.len(), 1, "{logs}");
    assert!(lines[0].contains("unknown action"), "{}", lines[0]);
    assert!(
        lines[0]
            .contains(r"action_x\r\nFAKE LINE 9c41e7 INFO switchboard: all good\x1b[2J\u{202e}"),
        "{}",
        lines[0]
    );
}
