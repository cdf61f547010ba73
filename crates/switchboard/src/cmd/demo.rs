//! `switchboard demo`: the demo backend and the demo bot on it, from the binary alone.

use super::RunArgs;
use crate::embedded;
use crate::exit;
use std::path::Path;
use std::process::ExitCode;
use switchboard_demo_backend::{DemoBackend, Options};
use switchboard_runtime::server::{self, AppState};

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address of the bot (chat API and web page).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Address of the demo backend.
    #[arg(long, default_value = "127.0.0.1:8081")]
    backend_listen: String,
    #[command(flatten)]
    run: RunArgs,
}

/// Runs both until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let backend_listener = super::bind(&args.backend_listen).await?;
    let backend_addr = backend_listener.local_addr()?;
    let listener = super::bind(&args.listen).await?;
    let addr = listener.local_addr()?;

    let mut project = super::load_project(
        Path::new(embedded::DEMO_PROJECT),
        &embedded::demo_load_options(),
    )?;
    for connector in project.connectors.values_mut() {
        connector.base_url = format!("http://{backend_addr}/api/v2");
    }
    let engine = switchboard_runtime::app::engine(
        project,
        &args.run.data_dir,
        args.run.database_url.as_deref(),
    )
    .await?;

    let backend = DemoBackend::new(Options::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut backend_stop = stop_rx.clone();
    let backend_task = tokio::spawn(backend.serve(backend_listener, async move {
        let _ = backend_stop.wait_for(|s| *s).await;
    }));

    println!("Switchboard demo is running.");
    println!("  web chat:      http://{addr}/");
    println!(
        "  chat API:      curl -s http://{addr}/v1/chat -d '{{\"user_id\":\"u1\",\"text\":\"where is my order 1001?\"}}' -H 'content-type: application/json'"
    );
    println!("  dashboard:     http://{addr}/dashboard (metrics at http://{addr}/metrics)");
    println!(
        "  demo backend:  http://{backend_addr}/api/v2 (X-Api-Key: demo-key), stats at http://{backend_addr}/admin/stats"
    );
    if let Some(rasa) = &engine.project().rasa {
        println!(
            "  rasa actions:  http://{addr}{} (action_endpoint in Rasa's endpoints.yml)",
            rasa.path
        );
    }
    if let Some(df) = &engine.project().dialogflow {
        println!(
            "  dialogflow:    http://{addr}{} (ES), http://{addr}{} (CX)",
            df.es_path, df.cx_path
        );
    }
    println!("Press Ctrl-C to stop.");

    let mut server_stop = stop_rx;
    let served = server::serve(listener, AppState { engine }, async move {
        tokio::select! {
            () = super::shutdown_signal() => {}
            _ = server_stop.wait_for(|s| *s) => {}
        }
    })
    .await;
    let _ = stop_tx.send(true);
    let _ = backend_task.await;
    served?;
    Ok(exit::OK)
}
