//! Integration tests of the call pipeline: resilience, limits, address checks, outbound auth,
//! upstream watching.
//!
//! One test binary per area rather than one per file: every binary is a separate link of the
//! crate's whole dependency tree, and those links dominated rebuilding the tests. Each former
//! file is a module here; tests are named `module::test`.

// Shared with the other test binaries of this crate, hence the path.
#[path = "../common/mod.rs"]
mod common;

mod limits;
mod outbound_auth;
mod pipeline;
mod resilience;
mod shared_state;
mod ssrf;
mod upstream_watch;
