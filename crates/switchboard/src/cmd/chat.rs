//! `switchboard chat`: talk to a project in the terminal. Works with piped input too, so
//! scripts and tests can drive it.

use super::RunArgs;
use crate::ProjectArg;
use crate::exit;
use rustyline::error::ReadlineError;
use std::io::Write;
use std::process::ExitCode;
use switchboard_config::LoadOptions;
use switchboard_runtime::engine::{Engine, Reach, TurnRequest, TurnResponse};

/// Arguments of `chat`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    project: ProjectArg,
    /// Show the intent, confidence, slots and each call's outcome and latency.
    #[arg(short, long)]
    verbose: bool,
    /// The user id to chat as.
    #[arg(long, default_value = "cli")]
    user: String,
    #[command(flatten)]
    run: RunArgs,
}

/// Reads lines until end of input, `/quit` or Ctrl-D.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let project = super::load_project(&args.project.config, &LoadOptions::default())?;
    let services = args.run.build(project).await?;
    let session = converse(&args, &services.engine).await;
    // Upstream calls of the session are queued for the audit trail: write them before the
    // process ends (whether the session ended well or not), or the last ones are lost.
    services.pipeline().flush_audit().await;
    session?;
    Ok(exit::OK)
}

/// The session itself: one turn per line.
async fn converse(args: &Args, engine: &Engine) -> anyhow::Result<()> {
    // Each session is a conversation of its own: the first turn starts it (with a random id)
    // and the later ones continue it; the user's default conversation is left alone.
    let mut conversation_id: Option<String> = None;
    let mut editor = rustyline::DefaultEditor::new()?;
    println!(
        "Chatting with {} (type /quit to leave).",
        args.project.config.display()
    );
    loop {
        let line = match editor.readline("you> ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted | ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if text == "/quit" || text == "/exit" {
            return Ok(());
        }
        let _ = editor.add_history_entry(text);
        let req = TurnRequest {
            user_id: args.user.clone(),
            text: text.to_string(),
            conversation_id: conversation_id.clone(),
            message_id: None,
            stream: false,
        };
        match engine.turn_as(req, &Reach::Started).await {
            Ok(res) => {
                print_turn(&res, args.verbose);
                conversation_id = Some(res.conversation_id);
            }
            Err(e) => println!("error: {e}"),
        }
        std::io::stdout().flush()?;
    }
}

fn print_turn(res: &TurnResponse, verbose: bool) {
    for r in &res.replies {
        println!("bot> {}", r.text);
    }
    if verbose {
        match &res.intent {
            Some(i) => println!("  intent: {} ({:.2})", i.name, i.confidence),
            None => println!("  intent: none (fallback)"),
        }
        if !res.slots.is_empty() {
            println!("  slots: {}", serde_json::Value::Object(res.slots.clone()));
        }
        for c in &res.calls {
            let status = c.status.map_or_else(|| "-".to_string(), |s| s.to_string());
            println!(
                "  call: {} {} {} {:.1} ms, {} attempt{}{}",
                c.operation,
                c.outcome,
                status,
                c.latency_ms,
                c.attempts,
                if c.attempts == 1 { "" } else { "s" },
                if c.cached { ", cached" } else { "" }
            );
        }
    }
}
