//! `switchboard check`: validate a project and summarise it.

use crate::ProjectArg;
use crate::exit;
use std::process::ExitCode;
use switchboard_config::LoadOptions;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    project: ProjectArg,
}

/// Prints `file:line:col: message` for every problem (exit 1), or a one-line summary.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match switchboard_config::load(&args.project.config, &LoadOptions::default()) {
        Ok((project, warnings)) => {
            super::print_diagnostics(&warnings);
            let w = warnings.warnings().count();
            println!(
                "{}: ok: {} connector{}, {} operation{}, {} intent{}, {} entit{}{}",
                args.project.config.display(),
                project.connectors.len(),
                plural(project.connectors.len()),
                project.operation_count(),
                plural(project.operation_count()),
                project.intents.len(),
                plural(project.intents.len()),
                project.entities.len(),
                if project.entities.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
