//! Log set-up: text or JSON lines on stderr, filtered by `SWITCHBOARD_LOG` (or `RUST_LOG`).
//! Every line passes through the redaction policy (the built-in patterns and keys; once the
//! project is loaded, its own: its secret values and `telemetry.redact.keys`) before it is
//! written. The policy is the loaded project's, held by the writer; the runtime keeps none
//! of its own in a global.
//!
//! Request text reaches log lines (a Rasa action name, an error quoting a body): in the text
//! format every field and message has its control characters escaped (`\n`, `\x1b`, bidi
//! overrides), so a value cannot forge a line, clear a screen or reorder what an operator
//! reads; the JSON format escapes C0 controls through serde, and the writer escapes the rest.
//!
//! Text lines are coloured only when stderr is a terminal (and `NO_COLOR` is not set).
//!
//! The format comes from `--log-format` (or `SWITCHBOARD_LOG_FORMAT`), else from the project's
//! `telemetry.log_format` once it is loaded (the formatter layer is swapped then), else text.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{IsTerminal, Write};
use std::sync::{Arc, OnceLock};
use switchboard_config::Project;
use switchboard_config::model::LogFormat;
use switchboard_runtime::telemetry::redact::Redactor;
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, reload};

type Inner = tracing_subscriber::layer::Layered<EnvFilter, Registry>;
type Formatter = Box<dyn Layer<Inner> + Send + Sync>;

/// The subscriber's formatter, swapped when the project is loaded (its redaction policy, and
/// its format unless the command line chose one). The subscriber itself is process-wide
/// (`tracing`'s), so its handle is too.
static RELOAD: OnceLock<Reload> = OnceLock::new();

struct Reload {
    handle: reload::Handle<Formatter, Inner>,
    /// The command line's format, which the project's does not override.
    chosen: Option<LogFormat>,
}

fn formatter(format: LogFormat, policy: Arc<Redactor>) -> Formatter {
    let layer = tracing_subscriber::fmt::layer();
    match format {
        LogFormat::Json => layer
            .json()
            .with_writer(RedactingStderr { json: true, policy })
            .boxed(),
        LogFormat::Text => layer
            .with_ansi(colour())
            .fmt_fields(EscapedFields)
            .with_writer(RedactingStderr {
                json: false,
                policy,
            })
            .boxed(),
    }
}

/// Whether text lines get ANSI colours: only on a terminal (a file or a pipe gets plain text),
/// and never when `NO_COLOR` is set.
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
    let chosen = format.map(|f| match f {
        "json" => LogFormat::Json,
        _ => LogFormat::Text,
    });
    let (layer, handle) = reload::Layer::new(formatter(
        chosen.unwrap_or(LogFormat::Text),
        Arc::new(Redactor::default()),
    ));
    let _ = RELOAD.set(Reload { handle, chosen });
    tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .init();
}

/// Applies a loaded project: its redaction policy, and its `telemetry.log_format` unless the
/// command line chose one.
pub fn apply_project(project: &Project) {
    if let Some(r) = RELOAD.get() {
        let format = r
            .chosen
            .or(project.telemetry.log_format)
            .unwrap_or(LogFormat::Text);
        let policy = Arc::new(Redactor::from_project(project));
        let _ = r.handle.reload(formatter(format, policy));
    }
}

/// Makes a [`Redacting`] writer per event.
struct RedactingStderr {
    json: bool,
    policy: Arc<Redactor>,
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = Redacting;
    fn make_writer(&'a self) -> Redacting {
        Redacting {
            json: self.json,
            policy: self.policy.clone(),
        }
    }
}

/// Redacts each write (the formatter writes one whole line per event) and passes it to stderr.
struct Redacting {
    /// JSON lines: serde escaped the C0 controls; DEL, C1 and bidi controls are escaped here
    /// (they only occur inside JSON strings, where `\uXXXX` means the same character).
    json: bool,
    policy: Arc<Redactor>,
}

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let text = if self.json {
            escape_json_controls(&text)
        } else {
            text
        };
        std::io::stderr().write_all(self.policy.log_line(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Whether a character must not reach a terminal as it is: C0 and C1 controls, DEL, the
/// line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A value for a text log line: unsafe characters written as escapes (`\n`, `\r`, `\t`,
/// `\x1b`, `\u{202e}`), everything else as it is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) && u32::from(c) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A JSON log line with the unsafe characters serde leaves as they are written as `\uXXXX`.
fn escape_json_controls(line: &str) -> Cow<'_, str> {
    // The line's own newline ends it; serde already escaped every other C0 control.
    if !line.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        if c != '\n' && is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The text format's fields, as tracing-subscriber writes them (`name=value`, the message
/// bare, names in italics on a terminal), with every value escaped by [`escape_controls`].
struct EscapedFields;

impl<'w> FormatFields<'w> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut visitor = EscapingVisitor {
            writer,
            padded: false,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct EscapingVisitor<'w> {
    writer: Writer<'w>,
    padded: bool,
    result: fmt::Result,
}

impl EscapingVisitor<'_> {
    fn write(&mut self, name: &str, value: &str) {
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        if self.padded {
            self.result = self.writer.write_char(' ');
        }
        self.padded = true;
        let value = escape_controls(value);
        let name = name.strip_prefix("r#").unwrap_or(name);
        self.result = self.result.and_then(|()| match name {
            "message" => self.writer.write_str(&value),
            name if self.writer.has_ansi_escapes() => {
                write!(self.writer, "\x1b[3m{name}\x1b[0m\x1b[2m=\x1b[0m{value}")
            }
            name => write!(self.writer, "{name}={value}"),
        });
    }
}

impl Visit for EscapingVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.write(field.name(), value);
        } else {
            self.write(field.name(), &format!("{value:?}"));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(s) = source {
            let _ = write!(text, ": {s}");
            source = s.source();
        }
        self.write(field.name(), &text);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.write(field.name(), &format!("{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_kept() {
        assert!(matches!(
            escape_controls("order 42 ✓ café"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("a\r\nFAKE LINE\x1b[2J\t\u{7f}\u{9b}\u{202e}evil\u{2066}"),
            "a\\r\\nFAKE LINE\\x1b[2J\\t\\x7f\\x9b\\u{202e}evil\\u{2066}"
        );
    }

    #[test]
    fn json_lines_keep_their_newline_and_escape_what_serde_leaves() {
        let line = "{\"a\":\"x\u{202e}y\u{85}\"}\n";
        let escaped = escape_json_controls(line);
        assert_eq!(escaped, "{\"a\":\"x\\u202ey\\u0085\"}\n");
        let value: serde_json::Value = serde_json::from_str(escaped.trim_end()).unwrap();
        assert_eq!(value["a"], "x\u{202e}y\u{85}");
    }
}
