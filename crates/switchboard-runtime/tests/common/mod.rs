//! Test helpers shared by the runtime's integration tests: a demo backend on 127.0.0.1:0,
//! projects loaded from the repository's examples or from inline YAML, and a pipeline or an
//! engine built on them.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard_config::{LoadOptions, Project};
use switchboard_demo_backend::DemoBackend;
use switchboard_runtime::engine::Engine;
use switchboard_runtime::pipeline::Pipeline;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A demo backend on a free loopback port.
pub async fn backend() -> (SocketAddr, DemoBackend) {
    DemoBackend::spawn_local()
        .await
        .expect("demo backend starts")
}

/// Loads a project file, panicking with the diagnostics when it does not load.
pub fn load(path: &Path) -> Project {
    match switchboard_config::load(path, &LoadOptions::default()) {
        Ok((p, _)) => p,
        Err(d) => panic!("{} does not load:\n{d}", path.display()),
    }
}

/// The demo project, pointed at a backend.
pub fn store_project(addr: SocketAddr) -> Project {
    let mut p = load(&repo_root().join("examples/store/switchboard.yaml"));
    point_at(&mut p, addr);
    p
}

/// Loads inline YAML written to a temporary directory (with `secrets/key` = `demo-key`).
pub fn inline_project(yaml: &str, addr: SocketAddr) -> (Project, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("secrets")).expect("mkdir");
    std::fs::write(dir.path().join("secrets/key"), "demo-key\n").expect("write key");
    let path = dir.path().join("switchboard.yaml");
    std::fs::write(
        &path,
        yaml.replace("BACKEND", &format!("http://{addr}/api/v2")),
    )
    .expect("write project");
    (load(&path), dir)
}

/// Points every connector at the backend.
pub fn point_at(p: &mut Project, addr: SocketAddr) {
    for c in p.connectors.values_mut() {
        c.base_url = format!("http://{addr}/api/v2");
    }
}

/// The pipeline of a project.
pub fn pipeline(p: Project) -> Arc<Pipeline> {
    switchboard_runtime::app::pipeline(Arc::new(p))
        .expect("pipeline builds")
        .1
}

/// An engine on an SQLite store in a temporary directory.
pub async fn engine(p: Project) -> (Arc<Engine>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = switchboard_runtime::app::engine(p, dir.path(), None)
        .await
        .expect("engine builds");
    (engine, dir)
}
