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

    // The command line wins over the project.
    let stderr = call(&config, &["--log-format", "text"]);
    assert!(stderr.contains("upstream call"), "{stderr}");
    assert!(!stderr.trim_start().starts_with('{'), "{stderr}");
}
