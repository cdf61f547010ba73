//! Python virtual environments for the tests that speak through a platform's official Python
//! library (the channels' SDKs, the MCP SDK): one per requirements file, under the target
//! directory, made on first use and kept while the (pinned) requirements are unchanged. A
//! missing Python or registry fails the tests that need them, saying why: they never pass
//! without their tools.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The Python of the environment `name`, made from `dir/requirements.txt` (whose text is
/// `requirements`) when it is missing or was made from other requirements.
pub fn python(name: &str, dir: &Path, requirements: &str) -> PathBuf {
    static MADE: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
    let made = made.get_or_insert_with(HashMap::new);
    if let Some(bin) = made.get(name) {
        return bin.clone();
    }
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = root.join(format!("{name}-venv"));
    let stamp = venv.join("requirements.txt");
    let bin = venv.join("bin/python");
    if !(std::fs::read_to_string(&stamp).is_ok_and(|s| s == requirements) && bin.exists()) {
        // Built beside it and moved into place, so test binaries running at once never see
        // half an environment.
        let building = root.join(format!("{name}-venv.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&building);
        let run = |cmd: &mut Command, what: &str| {
            let out = cmd
                .output()
                .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
            assert!(
                out.status.success(),
                "{what} failed (these tests need python3 with venv and PyPI):\n{}{}",
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
                .arg(dir.join("requirements.txt")),
            &format!("pip install -r {}/requirements.txt", dir.display()),
        );
        std::fs::write(building.join("requirements.txt"), requirements).expect("write stamp");
        let _ = std::fs::remove_dir_all(&venv);
        if std::fs::rename(&building, &venv).is_err() {
            // Another test binary moved its environment in first: use that one.
            let _ = std::fs::remove_dir_all(&building);
        }
    }
    made.insert(name.to_string(), bin.clone());
    bin
}
