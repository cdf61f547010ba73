//! The generated reference and JSON Schema are fresh, and every complete project in the
//! reference loads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard_config::reference::{json_schema, markdown, project_examples};
use switchboard_config::{LoadOptions, load};

fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

/// Compares a generated file with the checked-in copy; `UPDATE_REFERENCE=1` rewrites it.
fn ensure_fresh(name: &str, generated: &str) -> Option<String> {
    let path = docs().join(name);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == generated {
        return None;
    }
    if std::env::var_os("UPDATE_REFERENCE").is_some() {
        std::fs::write(&path, generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return None;
    }
    Some(format!("docs/{name} is stale"))
}

#[test]
fn reference_is_fresh() {
    let stale: Vec<String> = [
        ("reference.md", markdown()),
        ("switchboard.schema.json", json_schema()),
    ]
    .iter()
    .filter_map(|(name, text)| ensure_fresh(name, text))
    .collect();
    assert!(
        stale.is_empty(),
        "{}; regenerate with: UPDATE_REFERENCE=1 cargo test -p switchboard-config --test reference",
        stale.join(", ")
    );
}

#[test]
fn reference_examples_load() {
    let text =
        std::fs::read_to_string(docs().join("reference.md")).expect("docs/reference.md exists");
    let examples = project_examples(&text);
    assert!(
        examples.len() >= 10,
        "only {} complete examples in the reference",
        examples.len()
    );
    for (i, yaml) in examples.into_iter().enumerate() {
        let main = PathBuf::from("example.yaml");
        let options = LoadOptions {
            env: Arc::new(|name| {
                Some(if name == "DATABASE_URL" {
                    "postgres://db/sb".into()
                } else if name == "REDIS_URL" {
                    "redis://redis:6379/0".into()
                } else if name.ends_with("ACCOUNTS_KEY") {
                    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into()
                } else {
                    "secret".into()
                })
            }),
            read_file: Arc::new(move |p: &Path| {
                Ok(if p == Path::new("example.yaml") {
                    yaml.clone()
                } else if p.extension().is_some_and(|e| e == "pem") {
                    "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n".into()
                } else {
                    "secret\n".into()
                })
            }),
            glob: Arc::new(|p: &Path| Ok(vec![p.to_path_buf()])),
        };
        match load(&main, &options) {
            Ok((_, warnings)) => assert_eq!(warnings.to_string(), "", "example {i} has warnings"),
            Err(e) => panic!("example {i} of the reference does not load:\n{e}"),
        }
    }
}

#[test]
fn schema_accepts_the_demo_project() {
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/store/switchboard.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    // As the loader reads it: quoted scalars stay strings.
    let options = marked_yaml::LoaderOptions::default().prevent_coercion(true);
    let node = marked_yaml::parse_yaml_with_options(0, &text, options).unwrap();
    let value = yaml_to_json(&node);
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// YAML to JSON with plain scalars typed the way YAML 1.2 reads them (quoted ones are strings).
fn yaml_to_json(node: &marked_yaml::Node) -> serde_json::Value {
    use serde_json::Value;
    match node {
        marked_yaml::Node::Scalar(s) => {
            let t = s.as_str();
            // A quoted scalar is a string, whatever it looks like.
            if !s.may_coerce() {
                Value::String(t.to_string())
            } else if let Some(b) = s.as_bool() {
                Value::Bool(b)
            } else if let Ok(i) = t.parse::<i64>() {
                Value::from(i)
            } else if let Ok(f) = t.parse::<f64>() {
                Value::from(f)
            } else if t == "~" || t == "null" {
                Value::Null
            } else {
                Value::String(t.to_string())
            }
        }
        marked_yaml::Node::Sequence(s) => Value::Array(s.iter().map(yaml_to_json).collect()),
        marked_yaml::Node::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.as_str().to_string(), yaml_to_json(v)))
                .collect(),
        ),
    }
}
