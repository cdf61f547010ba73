//! `include:` with paths and globs, on the real file system and in memory.

use crate::common;
use std::path::{Path, PathBuf};
use switchboard_config::{LoadOptions, load};

#[test]
fn includes_with_globs_load_in_file_order() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/multi-file/switchboard.yaml");
    let (p, warnings) = load(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(warnings.to_string(), "");
    assert_eq!(
        p.connectors.keys().collect::<Vec<_>>(),
        ["rates", "weather"]
    );
    assert_eq!(
        p.intents.keys().collect::<Vec<_>>(),
        ["exchange_rates", "greet", "goodbye", "weather"]
    );
    let weather = &p.connectors["weather"];
    assert!(
        weather.span.file.ends_with("connectors/weather.yaml"),
        "{}",
        weather.span
    );
    let schema = weather.operations["current"]
        .response
        .schema
        .as_ref()
        .expect("schema_file was read");
    assert_eq!(
        schema["required"],
        serde_json::json!(["city", "temperature_c"])
    );
    match &weather.auth {
        switchboard_config::model::Auth::ApiKey { value, .. } => {
            assert_eq!(value.expose(), "demo-key")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nested_includes_and_globs_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("switchboard.yaml", "include: [parts/all.yaml]\n");
    write("parts/all.yaml", "include: [\"intents/*.yaml\"]\n");
    write(
        "parts/intents/a.yaml",
        "intents:\n  a:\n    examples: [a1, a2, a3]\n    reply: A\n",
    );
    write(
        "parts/intents/b.yaml",
        "intents:\n  b:\n    examples: [b1, b2, b3]\n    reply: B\n",
    );
    write("parts/intents/notes.txt", "not yaml");
    let (p, _) = load(
        &dir.path().join("switchboard.yaml"),
        &LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.intents.keys().collect::<Vec<_>>(), ["a", "b"]);

    write("switchboard.yaml", "include: [\"nothing/*.yaml\"]\n");
    let errors = load(
        &dir.path().join("switchboard.yaml"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(
        errors.to_string().ends_with(
            "switchboard.yaml:1:11: include pattern \"nothing/*.yaml\" matches no file\n"
        ),
        "{errors}"
    );
}

#[test]
fn a_file_included_twice_is_read_once() {
    let shared = "connectors:\n  s:\n    base_url: https://x\n";
    let result = common::load_files(
        "include: [a.yaml, b.yaml]\n",
        &[
            ("a.yaml", "include: [shared.yaml]\n"),
            ("b.yaml", "include: [./shared.yaml]\n"),
            ("shared.yaml", shared),
        ],
    );
    let (p, _) = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.connectors.len(), 1);
    assert_eq!(
        p.connectors["s"].span.file.as_ref(),
        Path::new("shared.yaml")
    );
}

#[test]
fn includes_resolve_relative_to_the_including_file() {
    common::check_files(
        "include: [sub/a.yaml]\n",
        &[
            ("sub/a.yaml", "include: [../b.yaml]\n"),
            (
                "b.yaml",
                "intents:\n  b:\n    examples: [x, y, z]\n    reply: ok\n",
            ),
        ],
        "",
    );
}
