//! `switchboard demo --llm-url`: the demo bot with a language model at a URL the user gives,
//! here the fake of [`crate::fake_model`].

use crate::fake_model::{WORDED, fake_model};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;

#[test]
fn demo_with_a_model_url_words_replies_through_it_with_the_key_from_the_environment() {
    let fake = fake_model();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--backend-listen",
            "127.0.0.1:0",
            "--llm-url",
            &fake.url,
            "--llm-model",
            "fake-1",
            "--llm-key-env",
            "DEMO_MODEL_KEY",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("DEMO_MODEL_KEY", "sk-demo-test")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut web = None;
    let mut model_line = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let line = line.trim_start();
        if line.starts_with("web chat:") {
            web = line.split_whitespace().last().map(str::to_string);
        } else if line.starts_with("model:") {
            model_line = Some(line.to_string());
        } else if line.starts_with("Press Ctrl-C") {
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
    let model_line = model_line.expect("demo names the model");
    assert!(
        model_line.contains("fake-1") && model_line.contains(&fake.url),
        "{model_line}"
    );
    // The steps ran on the demo backend and the model worded the reply.
    assert_eq!(body["intent"]["name"], "order_status", "{body}");
    assert_eq!(body["replies"][0]["text"], WORDED, "{body}");
    assert!(fake.count.load(Ordering::SeqCst) >= 1);
    let auth = fake.auth.lock().unwrap();
    assert!(!auth.is_empty());
    assert!(auth.iter().all(|a| a == "bearer sk-demo-test"), "{auth:?}");
}

#[test]
fn demo_model_options_need_the_url() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["demo", "--llm-model", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--llm-url"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
