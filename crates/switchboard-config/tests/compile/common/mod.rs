//! Test helpers: load projects from memory and compare the diagnostics' exact text.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard_config::{Diagnostics, LoadOptions, Project, load};

/// Options that read files from `files` and variables from `env` only.
pub fn memory_options(files: &[(&str, &str)], env: &[(&str, &str)]) -> LoadOptions {
    let files: Arc<HashMap<PathBuf, String>> = Arc::new(
        files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect(),
    );
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let for_read = files.clone();
    let for_glob = files;
    LoadOptions {
        env: Arc::new(move |name| env.get(name).cloned()),
        read_file: Arc::new(move |path: &Path| {
            for_read
                .get(path)
                .cloned()
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not found"))
        }),
        glob: Arc::new(move |pattern: &Path| {
            let pattern =
                glob::Pattern::new(&pattern.to_string_lossy()).map_err(|e| e.msg.to_string())?;
            let mut found: Vec<PathBuf> = for_glob
                .keys()
                .filter(|p| pattern.matches_path(p))
                .cloned()
                .collect();
            found.sort();
            Ok(found)
        }),
    }
}

/// The files every in-memory test project can use.
pub const SECRET_FILES: &[(&str, &str)] = &[("secrets/key", "file-key\n")];

/// The variables every in-memory test project can use.
pub const ENV: &[(&str, &str)] = &[
    ("API_KEY", "env-key"),
    ("DATABASE_URL", "postgres://u:p@db/sb"),
    ("REDIS_URL", "redis://:p@cache:6379/0"),
    (
        "ACCOUNTS_KEY",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ),
    ("SHORT_KEY", "c2hvcnQ="),
];

/// Loads `switchboard.yaml` from memory, with `extra` files beside it.
pub fn load_files(
    main: &str,
    extra: &[(&str, &str)],
) -> Result<(Project, Diagnostics), Diagnostics> {
    let mut files: Vec<(&str, &str)> = vec![("switchboard.yaml", main)];
    files.extend_from_slice(SECRET_FILES);
    files.extend_from_slice(extra);
    load(Path::new("switchboard.yaml"), &memory_options(&files, ENV))
}

/// Loads a project and returns every diagnostic as text (errors, or the warnings of a project
/// that loaded).
pub fn diagnostics(main: &str, extra: &[(&str, &str)]) -> String {
    match load_files(main, extra) {
        Ok((_, warnings)) => warnings.to_string(),
        Err(errors) => errors.to_string(),
    }
}

/// Asserts the exact diagnostics of a project (leading indentation of `expect` is ignored).
#[track_caller]
pub fn check(yaml: &str, expect: &str) {
    check_files(yaml, &[], expect);
}

/// [`check`] with more files beside the main one.
#[track_caller]
pub fn check_files(yaml: &str, extra: &[(&str, &str)], expect: &str) {
    let actual = diagnostics(yaml, extra);
    let expect: String = expect
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        actual, expect,
        "\n--- actual ---\n{actual}--- expected ---\n{expect}"
    );
}

/// Loads a project that must have no errors.
#[track_caller]
pub fn project(yaml: &str) -> Project {
    match load_files(yaml, &[]) {
        Ok((p, _)) => p,
        Err(e) => panic!("project does not load:\n{e}"),
    }
}
