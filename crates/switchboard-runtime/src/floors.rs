//! The tidy check of the floors listed in the crate docs: every `crate::` path (in `use`
//! lines and inline, `super::` chains that climb to the crate root included) must name a
//! module on a lower floor than the file it is in, or its own top module. Comments are not
//! read. A new top module must be given a floor here before the suite passes.

use std::path::{Path, PathBuf};

/// The floors, lowest first. A module may use the floors below its own, never its own floor's
/// other modules nor a floor above.
const FLOORS: &[&[&str]] = &[
    &["catalog", "conversation", "template", "user_id"],
    &["telemetry"],
    &["storage", "shared"],
    &["pipeline"],
    &["health", "llm"],
    &["engine"],
    &["http", "verify"],
    &["webhooks", "platforms", "channels", "tools"],
    &["server"],
    &["app"],
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

/// The module path of a source file: `server/inbound/host.rs` is `server::inbound::host`,
/// a `mod.rs` its folder's.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The top modules some code names through `crate::` or through `super::` chains that reach
/// the crate root, each with its byte offset.
fn named_modules(line: &str, module: &[String]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        let start_ident = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if start_ident && rest.starts_with("crate::") {
            found.extend(heads(&rest["crate::".len()..]).into_iter().map(|h| (i, h)));
            i += "crate::".len();
            continue;
        }
        if start_ident && rest.starts_with("super::") {
            let mut climbs = 0;
            let mut tail = rest;
            while let Some(t) = tail.strip_prefix("super::") {
                climbs += 1;
                tail = t;
            }
            // A file `a/b.rs` is module `a::b`; `super` is `a`, `super::super` the root.
            if climbs >= module.len() {
                found.extend(heads(tail).into_iter().map(|h| (i, h)));
            }
            i += rest.len() - tail.len();
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// The first segment of a path, or of each path in a `{a::x, b}` group.
fn heads(path: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = path.strip_prefix('{') else {
        return vec![ident(path)];
    };
    let (mut depth, mut item, mut out) = (0usize, String::new(), Vec::new());
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(ident(&item));
                item.clear();
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            item.push(c);
        }
    }
    out.push(ident(&item));
    out.retain(|s| !s.is_empty() && s != "self");
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every import that breaks the rule, as `file:line: top -> named (why)`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for file in files {
        let module = module_path(src, &file);
        let Some(top) = module.first().cloned() else {
            continue;
        };
        if top == "lib" || top == "floors" {
            continue;
        }
        let Some(own) = floor_of(&top) else {
            bad.push(format!("{}: module `{top}` has no floor", file.display()));
            continue;
        };
        // Comments dropped, lines kept: a `use` group may span lines.
        let code: String = std::fs::read_to_string(&file)
            .expect("readable file")
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        for (at, named) in named_modules(&code, &module) {
            {
                if named == top || named.is_empty() {
                    continue;
                }
                let line = code[..at].matches('\n').count() + 1;
                let why = match floor_of(&named) {
                    None => Some("not a module with a floor".to_string()),
                    Some(f) if f > own => Some(format!("floor {f} is above floor {own}")),
                    Some(f) if f == own => Some(format!("both on floor {f}")),
                    Some(_) => None,
                };
                if let Some(why) = why {
                    bad.push(format!(
                        "{}:{}: {top} -> {named} ({why})",
                        file.strip_prefix(src).unwrap_or(&file).display(),
                        line
                    ));
                }
            }
        }
    }
    bad
}

#[test]
fn every_import_goes_down_a_floor() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(
        bad.is_empty(),
        "imports that go up or sideways (floors are listed in src/floors.rs and lib.rs):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_sees_groups_inline_paths_and_climbing_supers() {
    let build_file = vec!["pipeline".to_string(), "build".to_string()];
    let names = |code: &str| -> Vec<String> {
        named_modules(code, &build_file)
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    };
    assert_eq!(
        names("use crate::{server::AppState, storage};"),
        ["server", "storage"]
    );
    assert_eq!(
        names("use crate::{\n    engine::Engine,\n    server::{self, AppState},\n};"),
        ["engine", "server"]
    );
    assert_eq!(names("let x = crate::engine::Engine::new();"), ["engine"]);
    assert_eq!(names("use super::super::app::AppError;"), ["app"]);
    // `super` from `pipeline/build.rs` is `pipeline` itself: not a crate path.
    assert!(names("use super::Pipeline;").is_empty());
    assert_eq!(names("use crate::{a::{b, c}, d::{self}};"), ["a", "d"]);
    assert!(names("let create::x = notcrate::y;").is_empty());
}
