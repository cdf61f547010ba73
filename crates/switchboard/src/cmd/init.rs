//! `switchboard init DIR`: a working project with a connector, an intent and an evaluation
//! file, ready for `check`, `call` and `chat` against the demo backend.

use crate::exit;
use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to create (it may exist, but must not contain a switchboard.yaml).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

const FILES: &[(&str, &str)] = &[
    (
        "switchboard.yaml",
        include_str!("init_template/switchboard.yaml"),
    ),
    ("eval.yaml", include_str!("init_template/eval.yaml")),
    ("secrets/api-key", include_str!("init_template/api-key")),
    (".gitignore", include_str!("init_template/gitignore")),
];

/// Writes the files; refuses to overwrite an existing project.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let project = args.dir.join("switchboard.yaml");
    if project.exists() {
        bail!("{} already exists; not overwriting it", project.display());
    }
    for (name, text) in FILES {
        let path = args.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        if path.exists() {
            continue;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("Created a project in {}.", args.dir.display());
    println!("Next:");
    println!("  switchboard check -c {}", project.display());
    println!("  switchboard demo-backend &   # a fake API for the scaffolded connector");
    println!("  switchboard chat -c {}", project.display());
    Ok(exit::OK)
}
