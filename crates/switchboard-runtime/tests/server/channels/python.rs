//! The platforms' own Python libraries (slack_sdk, twilio, python-telegram-bot, pywa), in a
//! virtual environment made from `requirements.txt` (`crate::pyenv`). `sign.py` builds and
//! signs each delivery with them.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const REQUIREMENTS: &str = include_str!("requirements.txt");

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/server/channels")
}

/// The venv's Python for the channel libraries.
fn python() -> std::path::PathBuf {
    crate::pyenv::python("channels", &here(), REQUIREMENTS)
}

/// A delivery as a platform would post it.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The raw body.
    pub body: String,
    /// Its headers, signature included.
    pub headers: Vec<(String, String)>,
}

/// Runs `sign.py` with `args` (its first is the platform).
pub fn sign(args: &[&str]) -> Signed {
    let out = Command::new(python())
        .arg(here().join("sign.py"))
        .args(args)
        .output()
        .expect("sign.py runs");
    assert!(
        out.status.success(),
        "sign.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("sign.py prints JSON");
    Signed {
        body: v["body"].as_str().expect("body").to_string(),
        headers: v["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}
