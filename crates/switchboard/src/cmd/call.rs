//! `switchboard call CONNECTOR.OPERATION name=value ...`: one operation through the full
//! pipeline, printed as JSON.

use crate::ProjectArg;
use crate::exit;
use serde_json::{Map, Value, json};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::LoadOptions;
use switchboard_config::model::OperationRef;
use switchboard_runtime::pipeline::CallContext;

/// Arguments of `call`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The operation, as `connector.operation`.
    operation: String,
    /// Inputs as `name=value` (values are converted to the input's type).
    inputs: Vec<String>,
    #[command(flatten)]
    project: ProjectArg,
    #[command(flatten)]
    run: super::RunArgs,
    /// Include the response body.
    #[arg(long)]
    raw: bool,
    /// Deadline for the whole call, all attempts included.
    #[arg(long, default_value = "10s", value_parser = switchboard_config::raw::parse_duration)]
    deadline: Duration,
}

/// Runs the call; the exit code follows the outcome (docs/cli.md).
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(op_ref) = OperationRef::parse(&args.operation) else {
        eprintln!(
            "error: expected CONNECTOR.OPERATION, found {:?}",
            args.operation
        );
        return Ok(ExitCode::from(exit::USAGE));
    };
    let mut inputs = Map::new();
    for pair in &args.inputs {
        let Some((name, value)) = pair.split_once('=') else {
            eprintln!("error: expected name=value, found {pair:?}");
            return Ok(ExitCode::from(exit::USAGE));
        };
        inputs.insert(name.to_string(), Value::String(value.to_string()));
    }
    let mut project = super::load_project(&args.project.config, &LoadOptions::default())?;
    if let Some(url) = &args.run.database_url {
        project.storage = switchboard_runtime::app::storage_from_url(url);
    }
    let project = Arc::new(project);
    if project.operation(&op_ref).is_none() {
        let known: Vec<String> = project
            .connectors
            .values()
            .flat_map(|c| c.operations.keys().map(move |o| format!("{}.{o}", c.name)))
            .collect();
        let hint = switchboard_config::suggest::did_you_mean(
            &op_ref.to_string(),
            known.iter().map(String::as_str),
        );
        eprintln!(
            "error: {} defines no operation {op_ref}{hint}; it has: {}; nothing was sent",
            args.project.config.display(),
            known.join(", ")
        );
        return Ok(ExitCode::from(exit::USAGE));
    }
    let calls = switchboard_runtime::app::calls(project, &args.run.data_dir).await?;
    let result = calls
        .pipeline
        .call(&op_ref, &inputs, &CallContext::with_budget(args.deadline))
        .await;
    // The call's audit rows are queued: write them before the process ends.
    calls.pipeline.flush_audit().await;
    match result {
        Ok(mut record) => {
            if !args.raw {
                record.body = None;
            }
            let outcome = record.outcome;
            println!("{}", serde_json::to_string_pretty(&record)?);
            Ok(exit::for_outcome(outcome))
        }
        Err(e) => {
            eprintln!("error: {e}; nothing was sent");
            println!(
                "{}",
                json!({ "operation": op_ref.to_string(), "error": e.to_string(), "sent": false })
            );
            Ok(ExitCode::from(exit::USAGE))
        }
    }
}
