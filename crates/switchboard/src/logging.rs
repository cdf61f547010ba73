//! Log set-up: text or JSON lines on stderr, filtered by `SWITCHBOARD_LOG` (or `RUST_LOG`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Commands that print results (`call`, `check`, `chat`)
/// default to warnings only, so their output stays clean.
pub fn init(format: &str, quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = std::env::var("SWITCHBOARD_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
