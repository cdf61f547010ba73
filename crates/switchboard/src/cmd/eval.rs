//! `switchboard eval FILE`: intent accuracy, per-intent precision and recall, out-of-scope
//! recall and the confusions, on a labelled file of utterances.

use crate::ProjectArg;
use crate::exit;
use anyhow::Context;
use serde::Deserialize;
use std::path::PathBuf;
use std::process::ExitCode;
use switchboard_config::LoadOptions;
use switchboard_nlu::{Classifier, EvalCase};

/// Arguments of `eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The evaluation file: `cases: [{text, intent}]`, with `intent: out_of_scope` for
    /// messages the bot should not take.
    file: PathBuf,
    #[command(flatten)]
    project: ProjectArg,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Exit 1 when the accuracy is below PERCENT (0 to 100), for CI.
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    fail_under: Option<f32>,
}

/// A percentage from 0 to 100.
fn percent(s: &str) -> Result<f32, String> {
    match s.trim_end_matches('%').parse::<f32>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("expected a percentage from 0 to 100, found {s:?}")),
    }
}

#[derive(Deserialize)]
struct EvalFile {
    cases: Vec<EvalCase>,
}

/// Trains on the project's examples and evaluates.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let project = super::load_project(&args.project.config, &LoadOptions::default())?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let file: EvalFile = marked_yaml::from_yaml(0, &text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let training: Vec<(String, Vec<String>)> = project
        .intents
        .values()
        .map(|i| (i.name.clone(), i.examples.clone()))
        .collect();
    let started = std::time::Instant::now();
    let classifier = Classifier::train(&training);
    let trained_in = started.elapsed();
    let threshold = project
        .bot
        .confidence_threshold
        .unwrap_or(switchboard_nlu::DEFAULT_THRESHOLD);
    let report = switchboard_nlu::evaluate(&classifier, threshold, &file.cases);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let examples: usize = training.iter().map(|(_, e)| e.len()).sum();
        println!(
            "trained on {examples} examples over {} intents in {:.1} ms; threshold {threshold:.2}",
            training.len(),
            trained_in.as_secs_f64() * 1000.0
        );
        println!("{report}");
    }
    let accuracy = report.accuracy * 100.0;
    if let Some(min) = args.fail_under
        && accuracy < min
    {
        eprintln!("accuracy {accuracy:.1}% is below --fail-under {min}%");
        return Ok(exit::FAILURE);
    }
    Ok(exit::OK)
}
