//! Integration tests of loading and compiling project files: diagnostics, includes, values,
//! policies, platforms, webhooks, telemetry, accounts, the examples and a fuzz pass.
//!
//! One test binary per area rather than one per file: every binary is a separate link of the
//! crate's whole dependency tree, and those links dominated rebuilding the tests. Each former
//! file is a module here; tests are named `module::test`.

mod common;

mod accounts;
mod channels;
mod demo;
mod errors;
mod examples;
mod fuzz;
mod includes;
mod languages;
mod llm;
mod platforms;
mod policies;
mod state;
mod telemetry;
mod tools;
mod values;
mod webhooks;
