//! Log set-up: text or JSON lines on stderr, filtered by `SWITCHBOARD_LOG` (or `RUST_LOG`).
//! Every line passes through the redaction policy (the built-in patterns and keys, plus the
//! project's `telemetry.redact.keys` once it is loaded) before it is written.

use std::io::Write;
use switchboard_runtime::telemetry::redact::redact_log;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

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
        .with_writer(RedactingStderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Makes a [`Redacting`] writer per event.
struct RedactingStderr;

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = Redacting;
    fn make_writer(&'a self) -> Redacting {
        Redacting
    }
}

/// Redacts each write (the formatter writes one whole line per event) and passes it to stderr.
struct Redacting;

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(redact_log(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
