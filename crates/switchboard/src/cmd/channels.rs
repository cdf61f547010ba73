//! `switchboard channels register [NAME]...`: tells each platform where the bot receives its
//! messages (`{bot.public_url}/v1/channels/NAME`): Telegram through its `setWebhook` API, the
//! others by printing what to enter in their consoles.

use crate::ProjectArg;
use crate::exit;
use std::process::ExitCode;
use std::sync::Arc;
use switchboard_config::LoadOptions;
use switchboard_runtime::channels::{self, Registration};

/// The channels subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Register the channels' URLs with their platforms (Telegram's setWebhook; for WhatsApp,
    /// Slack and Twilio, prints what to enter in their consoles).
    Register(RegisterArgs),
}

/// Arguments of `channels register`.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// The channels to register (default: all).
    names: Vec<String>,
    #[command(flatten)]
    project: ProjectArg,
    #[command(flatten)]
    run: super::RunArgs,
}

/// Runs a channels subcommand.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let Command::Register(args) = command;
    let project = Arc::new(super::load_project(
        &args.project.config,
        &LoadOptions::default(),
    )?);
    let names: Vec<String> = if args.names.is_empty() {
        project.channels.keys().cloned().collect()
    } else {
        args.names.clone()
    };
    if names.is_empty() {
        eprintln!("error: {} has no channels", args.project.config.display());
        return Ok(ExitCode::from(exit::USAGE));
    }
    if let Some(unknown) = names.iter().find(|n| !project.channels.contains_key(*n)) {
        let known: Vec<&str> = project.channels.keys().map(String::as_str).collect();
        eprintln!(
            "error: no channel {unknown:?}{}; channels: {}",
            switchboard_config::suggest::did_you_mean(unknown, known.iter().copied()),
            known.join(", ")
        );
        return Ok(ExitCode::from(exit::USAGE));
    }
    let calls = switchboard_runtime::app::calls(project.clone(), &args.run.data_dir).await?;
    let mut failed = false;
    for name in &names {
        match channels::register(&calls.pipeline, &project, name).await {
            Ok(Registration::Registered { url }) => println!("{name}: registered {url}"),
            Ok(Registration::Manual { url, how }) => {
                println!("{name}: set {url} in the {how}");
            }
            Err(e) => {
                eprintln!("error: {name}: {e}");
                failed = true;
            }
        }
    }
    calls.pipeline.flush_audit().await;
    Ok(if failed { exit::FAILURE } else { exit::OK })
}
