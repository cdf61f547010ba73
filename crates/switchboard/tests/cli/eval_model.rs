//! `switchboard eval --model`: the classifier alone, the project's language model alone, and
//! the two combined, on one evaluation file. The model is the fake of [`crate::fake_model`],
//! answering by keywords so the expected figures are known.

use crate::fake_model::fake_model;
use serde_json::Value;
use std::process::Command;
use std::sync::atomic::Ordering;

#[test]
fn eval_with_the_model_compares_classifier_model_and_combination() {
    let crate::fake_model::FakeModel { url, count, .. } = fake_model();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("bot");
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let out = Command::new(bin).arg("init").arg(&target).output().unwrap();
    assert!(out.status.success());
    let project = target.join("switchboard.yaml");
    let text = std::fs::read_to_string(&project).unwrap();
    let text = text.replacen(
        "connectors:\n",
        &format!("connectors:\n  model:\n    type: llm\n    base_url: {url}\n"),
        1,
    ) + "\nllm:\n  connector: model\n  model: fake\n  prices: { input: 1, output: 2 }\n";
    std::fs::write(&project, text).unwrap();
    let cases = [
        ("hello there", "greet"),
        ("good morning", "greet"),
        ("paris weather please", "weather"),
        // German: no language of the project, so hard for the classifier alone.
        ("wie ist das wetter heute in paris", "weather"),
        ("hallo zusammen", "greet"),
        ("order me a large pizza", "out_of_scope"),
        ("book a flight to london", "out_of_scope"),
    ];
    let file = dir.path().join("eval.yaml");
    let yaml: String = cases
        .iter()
        .map(|(t, i)| format!("  - {{ text: \"{t}\", intent: {i} }}\n"))
        .collect();
    std::fs::write(&file, format!("cases:\n{yaml}")).unwrap();
    let run = |extra: &[&str]| {
        Command::new(bin)
            .current_dir(dir.path())
            .arg("eval")
            .arg(&file)
            .arg("--model")
            .args(extra)
            .arg("-c")
            .arg(&project)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .output()
            .unwrap()
    };
    let out = run(&["--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        count.load(Ordering::SeqCst),
        cases.len(),
        "one request per case"
    );
    assert_eq!(report["model"]["accuracy"], 1.0, "{report}");
    assert_eq!(report["model"]["out_of_scope_recall"], 1.0);
    assert_eq!(report["model_failures"], 0);
    assert_eq!(report["usage"]["requests"], cases.len());
    assert_eq!(report["usage"]["input_tokens"], 700);
    assert_eq!(report["understand_when"], "unsure");
    let classifier = report["classifier"]["accuracy"].as_f64().unwrap();
    let combined = report["combined"]["accuracy"].as_f64().unwrap();
    assert!(
        classifier < 1.0,
        "the cases are hard for the classifier alone: {report}"
    );
    assert!(combined >= classifier, "{report}");
    // Every combined answer is the classifier's where it was sure, the model's elsewhere.
    for row in report["combined"]["per_intent"].as_array().unwrap() {
        assert!(row["support"].is_u64());
    }
    // The text report names the three and the usage.
    let out = run(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    for part in [
        "== classifier alone",
        "== model alone (fake; 0 of 7 requests failed)",
        "== combined (understand_when: unsure)",
        "model usage: 7 requests, 700 tokens in, 70 out, cost 0.0008",
    ] {
        assert!(text.contains(part), "{part} not in:\n{text}");
    }
    // Without an llm section, --model says what is missing.
    let plain = dir.path().join("plain");
    Command::new(bin).arg("init").arg(&plain).output().unwrap();
    let out = Command::new(bin)
        .current_dir(dir.path())
        .args(["eval"])
        .arg(&file)
        .args(["--model", "-c"])
        .arg(plain.join("switchboard.yaml"))
        .arg("--data-dir")
        .arg(dir.path().join("data2"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--model needs an llm section"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
