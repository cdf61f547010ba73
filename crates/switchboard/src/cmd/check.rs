//! `switchboard check`: validate a project and summarise it, as text or (`--json`) as one
//! JSON document for editors and CI.

use crate::ProjectArg;
use crate::exit;
use serde_json::{Value, json};
use std::process::ExitCode;
use switchboard_config::{Diagnostic, Diagnostics, LoadOptions, Project, Severity};

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    project: ProjectArg,
    /// Print the result as one JSON object on stdout: `ok`, the counts, and `diagnostics`
    /// (file, line, column, severity, message, hint).
    #[arg(long)]
    json: bool,
}

/// Prints `file:line:col: message` for every problem (exit 1), or a one-line summary.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let loaded = switchboard_config::load(&args.project.config, &LoadOptions::default());
    if args.json {
        let (project, diagnostics) = match &loaded {
            Ok((project, warnings)) => (Some(project), warnings),
            Err(errors) => (None, errors),
        };
        println!("{}", report(project, diagnostics));
        return Ok(if project.is_some() {
            exit::OK
        } else {
            exit::FAILURE
        });
    }
    match loaded {
        Ok((project, warnings)) => {
            super::print_diagnostics(&warnings);
            let w = warnings.warnings().count();
            println!(
                "{}: ok: {}{}",
                args.project.config.display(),
                summary(&project),
                if w > 0 {
                    format!(" ({w} warning{})", plural(w))
                } else {
                    String::new()
                }
            );
            Ok(exit::OK)
        }
        Err(diagnostics) => {
            super::print_diagnostics(&diagnostics);
            let n = diagnostics.errors().count();
            eprintln!("{}: {n} error{}", args.project.config.display(), plural(n));
            Ok(exit::FAILURE)
        }
    }
}

/// `1 connector, 12 operations, 13 intents, 7 entities, 4 channels`: the project's own
/// connectors and operations (the channels' built-in send connectors are not counted).
fn summary(project: &Project) -> String {
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let own = || {
        project
            .connectors
            .values()
            .filter(|c| !project.channels.values().any(|ch| ch.connector == c.name))
    };
    let mut parts = vec![
        count(own().count(), "connector", "connectors"),
        count(
            own().map(|c| c.operations.len()).sum(),
            "operation",
            "operations",
        ),
        count(project.intents.len(), "intent", "intents"),
        count(project.entities.len(), "entity", "entities"),
    ];
    if !project.channels.is_empty() {
        parts.push(count(project.channels.len(), "channel", "channels"));
    }
    parts.join(", ")
}

/// The `--json` document.
fn report(project: Option<&Project>, diagnostics: &Diagnostics) -> Value {
    json!({
        "ok": project.is_some(),
        "errors": diagnostics.errors().count(),
        "warnings": diagnostics.warnings().count(),
        "summary": project.map(summary),
        "diagnostics": diagnostics.0.iter().map(diagnostic).collect::<Vec<_>>(),
    })
}

/// One diagnostic; a ` (did you mean "x"?)` in the message becomes the hint.
fn diagnostic(d: &Diagnostic) -> Value {
    let (message, hint) = split_hint(&d.message);
    json!({
        "file": d.span.file.display().to_string(),
        "line": d.span.line,
        "column": d.span.col,
        "severity": match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "message": message,
        "hint": hint,
    })
}

/// Takes the ` (did you mean "x"?)` out of a message.
fn split_hint(message: &str) -> (String, Option<String>) {
    const OPEN: &str = " (did you mean ";
    if let Some(start) = message.find(OPEN)
        && let Some(len) = message[start..].find("?)")
    {
        let hint = message[start + 2..start + len + 1].to_string();
        let rest = format!("{}{}", &message[..start], &message[start + len + 2..]);
        return (rest, Some(hint));
    }
    (message.to_string(), None)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::split_hint;

    #[test]
    fn the_did_you_mean_becomes_the_hint() {
        assert_eq!(
            split_hint(
                r#"unknown key "opertions" in connector "store" (did you mean "operations"?)"#
            ),
            (
                r#"unknown key "opertions" in connector "store""#.to_string(),
                Some(r#"did you mean "operations"?"#.to_string())
            )
        );
        assert_eq!(
            split_hint(
                r#""usr.id" is not defined (did you mean "user"?); intent templates can use slots"#
            ),
            (
                r#""usr.id" is not defined; intent templates can use slots"#.to_string(),
                Some(r#"did you mean "user"?"#.to_string())
            )
        );
        assert_eq!(
            split_hint("no hint here"),
            ("no hint here".to_string(), None)
        );
    }
}
