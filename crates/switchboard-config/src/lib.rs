//! The Switchboard project file: parsing with source positions, validation, and the compiled
//! model the runtime runs.
//!
//! Two stages, as in the rest of the house: [`raw`] mirrors the YAML with positions kept for
//! errors; [`compile`] resolves references and secrets, parses templates, JSONPaths and
//! schemas, and links intents to operations into a [`model::Project`]. Nothing here does
//! network I/O or needs an async runtime.
//!
//! ```no_run
//! use switchboard_config::{LoadOptions, load};
//! match load("switchboard.yaml".as_ref(), &LoadOptions::default()) {
//!     Ok((project, warnings)) => println!("{} intents\n{warnings}", project.intents.len()),
//!     Err(errors) => eprint!("{errors}"),
//! }
//! ```

mod compile;
pub mod diagnostic;
pub mod model;
pub mod raw;
pub mod reference;
pub mod secret;
pub mod suggest;

pub use diagnostic::{Diagnostic, Diagnostics, Severity, Span};
pub use model::Project;
pub use secret::Secret;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Looks up an environment variable.
pub type EnvFn = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;
/// Reads a whole file as text.
pub type ReadFileFn = Arc<dyn Fn(&Path) -> std::io::Result<String> + Send + Sync>;
/// Expands a glob pattern into the paths it matches; the error is a sentence.
pub type GlobFn = Arc<dyn Fn(&Path) -> Result<Vec<PathBuf>, String> + Send + Sync>;

/// Where the loader gets what lies outside the project file: the environment, files and glob
/// matches. The defaults use the real process environment and file system; tests and
/// `switchboard demo` (which embeds its project) swap them.
#[derive(Clone)]
pub struct LoadOptions {
    /// Environment lookup for `${env:NAME}`; default: `std::env::var`.
    pub env: EnvFn,
    /// File reader for the project file, includes, `${file:PATH}` and schema files; default:
    /// `std::fs::read_to_string`.
    pub read_file: ReadFileFn,
    /// Glob expansion for include patterns; default: the `glob` crate on the real file system
    /// (files only). An embedded project without globs can return the literal path.
    pub glob: GlobFn,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            env: Arc::new(|name| std::env::var(name).ok()),
            read_file: Arc::new(|path| std::fs::read_to_string(path)),
            glob: Arc::new(fs_glob),
        }
    }
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions").finish_non_exhaustive()
    }
}

fn fs_glob(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let pattern = pattern.to_str().ok_or("the pattern is not valid UTF-8")?;
    let paths = glob::glob(pattern).map_err(|e| e.msg.to_string())?;
    let mut out = Vec::new();
    for p in paths {
        let p = p.map_err(|e| e.to_string())?;
        if p.is_file() {
            out.push(p);
        }
    }
    Ok(out)
}

/// Loads and compiles a project. `Ok` carries the warnings (may be empty); `Err` carries every
/// error found (and the warnings), sorted by position.
pub fn load(path: &Path, options: &LoadOptions) -> Result<(Project, Diagnostics), Diagnostics> {
    compile::load(path, options)
}
