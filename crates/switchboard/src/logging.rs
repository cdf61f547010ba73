//! Log set-up: text or JSON lines on stderr, filtered by `SWITCHBOARD_LOG` (or `RUST_LOG`).
//! Every line passes through the redaction policy (the built-in patterns and keys, plus the
//! project's `telemetry.redact.keys` once it is loaded) before it is written.
//!
//! The format comes from `--log-format` (or `SWITCHBOARD_LOG_FORMAT`), else from the project's
//! `telemetry.log_format` once it is loaded (the formatter layer is swapped then), else text.

use std::io::Write;
use std::sync::OnceLock;
use switchboard_config::model::LogFormat;
use switchboard_runtime::telemetry::redact::redact_log;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, reload};

type Inner = tracing_subscriber::layer::Layered<EnvFilter, Registry>;
type Formatter = Box<dyn Layer<Inner> + Send + Sync>;

/// Swaps the formatter when the project chooses the format (`None`: the command line did).
static RELOAD: OnceLock<reload::Handle<Formatter, Inner>> = OnceLock::new();

fn formatter(format: LogFormat) -> Formatter {
    let layer = tracing_subscriber::fmt::layer().with_writer(RedactingStderr);
    match format {
        LogFormat::Json => layer.json().boxed(),
        LogFormat::Text => layer.boxed(),
    }
}

/// Installs the global subscriber. Commands that print results (`call`, `check`, `chat`)
/// default to warnings only, so their output stays clean. `format` is the command line's
/// choice, if it made one.
pub fn init(format: Option<&str>, quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = std::env::var("SWITCHBOARD_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let chosen = match format {
        Some("json") => LogFormat::Json,
        _ => LogFormat::Text,
    };
    let (layer, handle) = reload::Layer::new(formatter(chosen));
    if format.is_none() {
        let _ = RELOAD.set(handle);
    }
    tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .init();
}

/// Applies a project's `telemetry.log_format`, unless the command line chose one.
pub fn apply_project_format(format: Option<LogFormat>) {
    if let (Some(format), Some(handle)) = (format, RELOAD.get()) {
        let _ = handle.reload(formatter(format));
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
