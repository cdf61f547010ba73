//! Integration tests of the `switchboard` binary: the CLI, its logs, the audit command, and
//! webhook and channel workers killed mid-way.
//!
//! One test binary per area rather than one per file: every binary is a separate link of the
//! crate's whole dependency tree, and those links dominated rebuilding the tests. Each former
//! file is a module here; tests are named `module::test`.

mod audit;
mod channels_crash;
mod cli;
mod demo_model;
mod eval_model;
mod fake_model;
mod fleet;
mod json_server;
mod logs;
mod webhooks_crash;
