//! The Switchboard project file: parsing with source positions, validation, and the compiled
//! model the runtime runs.
//!
//! Two stages, as in the rest of the house: [`raw`] mirrors the YAML with positions kept for
//! errors; [`compile`] resolves references and secrets, parses templates, JSONPaths and
//! schemas, and links intents to operations into a [`model::Project`]. Nothing here does
//! network I/O or needs an async runtime.

pub mod diagnostic;
pub mod model;
pub mod secret;

pub use diagnostic::{Diagnostic, Diagnostics, Severity, Span};
pub use model::Project;
pub use secret::Secret;
