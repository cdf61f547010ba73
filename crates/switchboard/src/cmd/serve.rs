//! `switchboard serve`: run a project.

use super::RunArgs;
use crate::ProjectArg;
use crate::exit;
use std::process::ExitCode;
use switchboard_config::LoadOptions;
use switchboard_runtime::server;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    project: ProjectArg,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SWITCHBOARD_LISTEN")]
    listen: String,
    /// Serve a non-loopback address even though the project has no `inbound` auth, or has
    /// `rasa` or `dialogflow` without `auth` (anyone who can reach the port can chat, read
    /// conversations, or call platform routes as any user).
    #[arg(long)]
    insecure_no_auth: bool,
    #[command(flatten)]
    run: RunArgs,
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let project = super::load_project(&args.project.config, &LoadOptions::default())?;
    let open = !project.inbound.requires_auth();
    // Platform routes have their own auth; without it they act as any user they are told.
    let open_platforms: Vec<&str> = [
        project
            .rasa
            .as_ref()
            .filter(|r| r.auth.is_none())
            .map(|_| "rasa"),
        project
            .dialogflow
            .as_ref()
            .filter(|d| d.auth.is_none())
            .map(|_| "dialogflow"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let services = args.run.build(project).await?;
    let listener = super::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    if open && !addr.ip().is_loopback() {
        if !args.insecure_no_auth {
            anyhow::bail!(
                "refusing to serve {addr} without inbound auth: anyone who can reach it could chat and read conversations; add an `inbound` section (api_keys or jwt), listen on 127.0.0.1, or pass --insecure-no-auth"
            );
        }
        eprintln!("warning: serving {addr} with no inbound auth (--insecure-no-auth)");
    }
    if !open_platforms.is_empty() && !addr.ip().is_loopback() {
        let names = open_platforms.join(" and ");
        if !args.insecure_no_auth {
            anyhow::bail!(
                "refusing to serve {addr}: {names} has no auth, so anyone who can reach it could call its routes as any user; add `auth` to {names}, listen on 127.0.0.1, or pass --insecure-no-auth"
            );
        }
        eprintln!("warning: serving {names} on {addr} with no auth (--insecure-no-auth)");
    }
    if open && addr.ip().is_loopback() {
        eprintln!(
            "note: no inbound auth configured; the API is open to this machine only ({addr})"
        );
    }
    tracing::info!(%addr, project = %args.project.config.display(), "serving");
    eprintln!(
        "Switchboard is serving {} on http://{addr}/ (chat API: POST http://{addr}/v1/chat)",
        args.project.config.display()
    );
    let served = server::serve(listener, services.state(), super::shutdown_signal()).await;
    // Audit rows of the last requests are still queued: write them before exiting, even when
    // the server stopped on an error.
    services.pipeline().flush_audit().await;
    served?;
    Ok(exit::OK)
}
