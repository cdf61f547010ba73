//! Every example project under `examples/` loads without errors.

use std::path::PathBuf;
use switchboard_config::{LoadOptions, load};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[test]
fn every_example_project_loads() {
    let mut found = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let file = dir.join("switchboard.yaml");
        if !file.is_file() {
            continue;
        }
        found += 1;
        if let Err(errors) = load(&file, &LoadOptions::default()) {
            panic!("{} does not load:\n{errors}", file.display());
        }
    }
    assert!(found >= 1, "no example projects found");
}
