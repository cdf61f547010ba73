//! `switchboard tools export --format openai|anthropic|mcp`: prints the project's tool
//! definitions (the ones `/mcp` and `/v1/tools` serve) for an app that passes tools to a
//! model itself.

use crate::ProjectArg;
use std::process::ExitCode;
use switchboard_config::LoadOptions;
use switchboard_runtime::catalog::Catalog;
use switchboard_runtime::tools::export::{Format, export};

/// The tools subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the tool definitions as JSON: OpenAI function tools (strict mode), Anthropic
    /// tools, or MCP tools.
    Export(ExportArgs),
}

/// Arguments of `tools export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The shape: `openai`, `anthropic` or `mcp`.
    #[arg(long, default_value = "openai", value_parser = parse_format)]
    format: Format,
    #[command(flatten)]
    project: ProjectArg,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::ALL
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|(_, f)| *f)
        .ok_or_else(|| format!("unknown format {s:?}: use openai, anthropic or mcp"))
}

/// Runs a tools subcommand.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let Command::Export(args) = command;
    let project = super::load_project(&args.project.config, &LoadOptions::default())?;
    let tools = export(&Catalog::new(&project), args.format);
    println!("{}", serde_json::to_string_pretty(&tools)?);
    Ok(crate::exit::OK)
}
