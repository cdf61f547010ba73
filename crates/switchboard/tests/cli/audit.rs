//! `switchboard audit export` and `audit purge` on a data directory holding audit rows.

use chrono::{TimeZone, Utc};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use switchboard_config::model::StorageSettings;
use switchboard_runtime::storage::audit::{self, AuditKind, AuditRow};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bin(data_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .args(["audit"])
        .args(args)
        .arg("-c")
        .arg(repo().join("examples/store/switchboard.yaml"))
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn row(minute: u32) -> AuditRow {
    AuditRow {
        id: 0,
        at: Utc.with_ymd_and_hms(2026, 11, 24, 8, minute, 0).unwrap(),
        kind: AuditKind::Upstream,
        user: Some("5f2b6c0e8d0b4b8e9c1a7d3e2f4a6b8c".into()),
        connector: "store".into(),
        operation: "get_order".into(),
        method: "GET".into(),
        path: "/orders/{order_id}".into(),
        status: Some(200),
        outcome: "ok".into(),
        latency_ms: 10.0,
        attempt: 1,
        cached: false,
        trace_id: None,
        detail: None,
    }
}

#[tokio::test]
async fn export_a_window_then_purge() {
    let dir = tempfile::tempdir().unwrap();
    let settings = StorageSettings::Sqlite {
        path: "switchboard.db".into(),
    };
    let store = audit::open(&settings, dir.path()).await.unwrap();
    store
        .append(&(0..5).map(row).collect::<Vec<_>>())
        .await
        .unwrap();

    let (code, out, err) = bin(
        dir.path(),
        &[
            "export",
            "--since",
            "2026-11-24T08:01:00Z",
            "--until",
            "2026-11-24T08:04:00Z",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.trim(), "3 audit rows exported");
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let times: Vec<&str> = rows.iter().map(|r| r["at"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        [
            "2026-11-24T08:01:00Z",
            "2026-11-24T08:02:00Z",
            "2026-11-24T08:03:00Z"
        ]
    );
    assert_eq!(rows[0]["path"], "/orders/{order_id}");

    let (code, _, err) = bin(dir.path(), &["export", "--since", "yesterday"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--since \"yesterday\" is not a time: use RFC 3339 (2026-11-24T08:00:00Z) or a date (2026-11-24)"),
        "{err}"
    );

    let (code, _, err) = bin(dir.path(), &["purge", "--before", "2026-11-24T08:03:00Z"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with("3 audit rows before 2026-11-24T08:03:00+00:00 deleted"),
        "{err}"
    );
    let out_file = dir.path().join("audit.jsonl");
    let (code, _, err) = bin(dir.path(), &["export", "-o", out_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&out_file).unwrap().lines().count(),
        2
    );
}

/// Rows written before details were redacted at write time (the project's `demo-key` echoed
/// by an upstream in a URL, whole and cut mid-string) come out of `export` with the key
/// replaced, each line valid JSON, and the error body excerpt still valid JSON.
#[tokio::test]
async fn export_redacts_the_projects_own_secrets_and_keeps_json_whole() {
    let dir = tempfile::tempdir().unwrap();
    let settings = StorageSettings::Sqlite {
        path: "switchboard.db".into(),
    };
    let store = audit::open(&settings, dir.path()).await.unwrap();
    let mut whole = row(1);
    whole.status = Some(500);
    whole.detail = Some(
        r#"upstream answered 500 (unavailable): {"error":"internal","request":"http://127.0.0.1:8081/api/v2/orders/1?api_key=demo-key","path":"/api/v2/orders/1"}"#
            .into(),
    );
    let mut cut = row(2);
    cut.detail = Some(
        r#"upstream answered 500 (unavailable): {"request":"http://127.0.0.1:8081/api/v2/orders/1?api_key=demo-key","path":"/api/v2/ord…"#
            .into(),
    );
    store.append(&[whole, cut]).await.unwrap();

    let (code, out, err) = bin(dir.path(), &["export"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("demo-key"), "{out}");
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(rows.len(), 2);
    let detail = rows[0]["detail"].as_str().unwrap();
    let (_, excerpt) = detail.split_once(": ").unwrap();
    let body: Value = serde_json::from_str(excerpt).expect("the excerpt still parses");
    assert_eq!(
        body["request"],
        "http://127.0.0.1:8081/api/v2/orders/1?api_key=[redacted]"
    );
    assert_eq!(body["path"], "/api/v2/orders/1");
    assert!(
        rows[1]["detail"]
            .as_str()
            .unwrap()
            .ends_with(r#"?api_key=[redacted]","path":"/api/v2/ord…"#),
        "{}",
        rows[1]["detail"]
    );
}
