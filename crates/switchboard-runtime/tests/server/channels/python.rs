//! The platforms' own Python libraries (slack_sdk, twilio, python-telegram-bot, pywa), in a
//! virtual environment under the target directory, made on first use from
//! `requirements.txt` (pinned) and kept while the requirements are unchanged. `sign.py`
//! builds and signs each delivery with them. A missing Python or registry fails the tests
//! that need them, saying why: they never pass without their tools.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const REQUIREMENTS: &str = include_str!("requirements.txt");

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/server/channels")
}

/// The venv's Python, made once per requirements (a stamp file holds them).
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let venv = root.join("channels-venv");
        let stamp = venv.join("requirements.txt");
        let bin = venv.join("bin/python");
        if std::fs::read_to_string(&stamp).is_ok_and(|s| s == REQUIREMENTS) && bin.exists() {
            return bin;
        }
        // Built beside it and moved into place, so test binaries running at once never see
        // half an environment.
        let building = root.join(format!("channels-venv.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&building);
        let run = |cmd: &mut Command, what: &str| {
            let out = cmd
                .output()
                .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
            assert!(
                out.status.success(),
                "{what} failed (the channel tests need python3 with venv and PyPI):\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(
            Command::new("python3").arg("-m").arg("venv").arg(&building),
            "python3 -m venv",
        );
        run(
            Command::new(building.join("bin/pip"))
                .args(["install", "-q", "--disable-pip-version-check", "-r"])
                .arg(here().join("requirements.txt")),
            "pip install -r tests/server/channels/requirements.txt",
        );
        std::fs::write(building.join("requirements.txt"), REQUIREMENTS).expect("write stamp");
        let _ = std::fs::remove_dir_all(&venv);
        if std::fs::rename(&building, &venv).is_err() {
            // Another test binary moved its environment in first: use that one.
            let _ = std::fs::remove_dir_all(&building);
        }
        // A venv's scripts name its own path; the moved one still runs `python` itself.
        bin
    })
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
