//! `switchboard eval FILE`: intent accuracy, per-intent precision and recall, out-of-scope
//! recall and the confusions, on a labelled file of utterances. With `--model`, the project's
//! language model (its `llm` section) is asked about every case too, and three reports
//! compare the classifier alone, the model alone, and the two combined as the chat turn
//! combines them (`understand_when`).

use crate::ProjectArg;
use crate::exit;
use anyhow::Context;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Map, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use switchboard_config::LoadOptions;
use switchboard_config::model::UnderstandWhen;
use switchboard_nlu::{
    CALIBRATION_MIN_OUT_OF_SCOPE, Classifier, EvalCase, EvalReport, OUT_OF_SCOPE, calibrate,
    near_misses, score_entities,
};
use switchboard_runtime::engine::understand::{self as understanding_of, Understanding};
use switchboard_runtime::llm::understand;
use switchboard_runtime::llm::{Model, Purpose, Request, Usage};
use switchboard_runtime::telemetry::redact::Masks;

/// Arguments of `eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The evaluation file: `cases: [{text, intent, tags, entities}]`, with
    /// `intent: out_of_scope` for messages the bot should not take (see docs/understanding.md).
    file: PathBuf,
    #[command(flatten)]
    project: ProjectArg,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Exit 1 when the accuracy is below PERCENT (0 to 100), for CI (with `--model`, the
    /// combination's accuracy).
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    fail_under: Option<f32>,
    /// Also ask the project's language model about every case (one request each, through
    /// its connector's pipeline) and compare classifier, model and combination.
    #[arg(long)]
    model: bool,
    /// Requests to the model at once, with `--model`.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    #[command(flatten)]
    run: super::RunArgs,
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
    /// The day relative dates in `entities` are read against (default: today).
    today: Option<chrono::NaiveDate>,
    cases: Vec<EvalCase>,
}

/// Trains on the project's examples and evaluates.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let project = super::load_project(&args.project.config, &LoadOptions::default())?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let file: EvalFile = marked_yaml::from_yaml(0, &text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let started = std::time::Instant::now();
    let understanding = Understanding::train(&project).map_err(|e| anyhow::anyhow!("{e}"))?;
    let trained_in = started.elapsed();
    let classifier = understanding.classifier();
    let threshold = understanding.threshold();
    let mut report = switchboard_nlu::evaluate(classifier, threshold, &file.cases);
    let today = file
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    report.entities = score_entities(understanding.extractor(), today, &file.cases);
    if args.model {
        return with_model(&args, project, classifier, threshold, &file.cases, report).await;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let examples: usize = project.intents.values().map(|i| i.examples.len()).sum();
        println!(
            "trained on {examples} examples over {} intents in {:.1} ms; threshold {threshold:.2} ({})",
            project.intents.len(),
            trained_in.as_secs_f64() * 1000.0,
            if project.bot.confidence_threshold.is_some() {
                "bot.confidence_threshold"
            } else {
                "the default"
            }
        );
        let training = understanding_of::training(&project);
        let generated = near_misses(&training, 2);
        let accepted: Vec<&String> = generated
            .iter()
            .filter(|t| classifier.classify(t).accept(threshold).is_some())
            .collect();
        println!(
            "generated near misses: {} of {} turned away ({:.1}%){}",
            generated.len() - accepted.len(),
            generated.len(),
            (generated.len() - accepted.len()) as f32 * 100.0 / generated.len().max(1) as f32,
            if accepted.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> =
                    accepted.iter().take(3).map(|t| format!("{t:?}")).collect();
                format!("; taken: {}", shown.join(", "))
            }
        );
        match calibrate(&training, &project.bot.out_of_scope) {
            Some(c) => println!(
                "held-out calibration: threshold {:.2} balances the {} in-scope and {} out-of-scope examples held out best ({:.1}% balanced accuracy)",
                c.threshold,
                c.in_scope,
                c.out_of_scope,
                c.accuracy * 100.0
            ),
            None => println!(
                "held-out calibration: needs {CALIBRATION_MIN_OUT_OF_SCOPE} or more bot.out_of_scope examples to hold some out"
            ),
        }
        println!("{report}");
    }
    Ok(verdict(report.accuracy, args.fail_under))
}

/// Exit 1 when `accuracy` is below `--fail-under`.
fn verdict(accuracy: f32, fail_under: Option<f32>) -> ExitCode {
    let accuracy = accuracy * 100.0;
    if let Some(min) = fail_under
        && accuracy < min
    {
        eprintln!("accuracy {accuracy:.1}% is below --fail-under {min}%");
        return exit::FAILURE;
    }
    exit::OK
}

/// The model's answer to each case: an intent, `out_of_scope`, or `None` when it failed.
async fn ask_model(
    args: &Args,
    project: &Arc<switchboard_config::Project>,
    cases: &[EvalCase],
) -> anyhow::Result<(Vec<Option<String>>, Usage)> {
    let calls = switchboard_runtime::app::calls(project.clone(), &args.run.data_dir).await?;
    let model = Model::new(project, calls.pipeline.clone())
        .context("--model needs an llm section in the project (see docs/llm.md)")?;
    let system = match model.settings().system.as_ref() {
        Some(t) => switchboard_runtime::engine::respond::render(&calls.templates, t, &Map::new()),
        None => understand::default_system(project),
    };
    let schema = understand::schema(project);
    let budget = project
        .bot
        .turn_deadline
        .max(std::time::Duration::from_secs(10));
    let answers: Vec<(Option<String>, Usage)> = futures::stream::iter(cases.iter().enumerate())
        .map(|(i, case)| {
            let (model, system, schema) = (&model, &system, &schema);
            async move {
                let mut usage = Usage::default();
                let mut masks = Masks::default();
                let req = Request {
                    purpose: Purpose::Understand,
                    messages: understand::messages(project, system, Vec::new(), &case.text),
                    tools: Vec::new(),
                    schema: Some((understand::SCHEMA_NAME, schema.clone())),
                    stream: None,
                    deadline: tokio::time::Instant::now() + budget,
                    user_id: &format!("eval-{i}"),
                    trace_id: None,
                };
                let choice = match model.ask(req, &mut usage, &mut masks).await {
                    Ok(a) => a.content.and_then(|c| understand::read(&c, project)),
                    Err(e) => {
                        eprintln!("case {}: the model did not answer ({})", i + 1, e.outcome());
                        None
                    }
                };
                let label = choice.map(|c| c.intent.unwrap_or_else(|| OUT_OF_SCOPE.to_string()));
                (label, usage)
            }
        })
        .buffered(usize::from(args.concurrency))
        .collect()
        .await;
    calls.pipeline.flush_audit().await;
    let mut total = Usage::default();
    let mut labels = Vec::with_capacity(answers.len());
    for (label, u) in answers {
        total.model = u.model.clone();
        total.requests += u.requests;
        total.input_tokens += u.input_tokens;
        total.output_tokens += u.output_tokens;
        if let Some(c) = u.cost {
            *total.cost.get_or_insert(0.0) += c;
        }
        labels.push(label);
    }
    Ok((labels, total))
}

/// The three reports: classifier alone, model alone, combined.
async fn with_model(
    args: &Args,
    project: switchboard_config::Project,
    classifier: &Classifier,
    threshold: f32,
    cases: &[EvalCase],
    classifier_report: EvalReport,
) -> anyhow::Result<ExitCode> {
    let project = Arc::new(project);
    let (answers, usage) = ask_model(args, &project, cases).await?;
    let failed = answers.iter().filter(|a| a.is_none()).count();
    let intents: Vec<String> = classifier.intents().map(str::to_string).collect();
    let by_classifier: Vec<String> = cases
        .iter()
        .map(|c| match classifier.classify(&c.text).accept(threshold) {
            Some(s) => s.intent.clone(),
            None => OUT_OF_SCOPE.to_string(),
        })
        .collect();
    // A failed request counts as a wrong answer for the model alone.
    let by_model: Vec<String> = answers
        .iter()
        .map(|a| a.clone().unwrap_or_else(|| "(no answer)".to_string()))
        .collect();
    let always = project
        .llm
        .as_ref()
        .and_then(|l| l.understand)
        .is_some_and(|w| w == UnderstandWhen::Always);
    // As the chat turn does: the model when asked and answering, else the classifier.
    let combined: Vec<String> = by_classifier
        .iter()
        .zip(&answers)
        .map(|(c, m)| match m {
            Some(m) if always || c == OUT_OF_SCOPE => m.clone(),
            _ => c.clone(),
        })
        .collect();
    let model_report = switchboard_nlu::score(&intents, threshold, cases, &by_model);
    let combined_report = switchboard_nlu::score(&intents, threshold, cases, &combined);
    let when = if always { "always" } else { "unsure" };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "classifier": classifier_report,
                "model": model_report,
                "combined": combined_report,
                "understand_when": when,
                "model_failures": failed,
                "usage": usage,
            }))?
        );
    } else {
        println!("== classifier alone\n{classifier_report}");
        println!(
            "== model alone ({}; {failed} of {} requests failed)\n{model_report}",
            usage.model,
            cases.len()
        );
        println!("== combined (understand_when: {when})\n{combined_report}");
        let cost = usage
            .cost
            .map(|c| format!(", cost {c:.4}"))
            .unwrap_or_default();
        println!(
            "model usage: {} requests, {} tokens in, {} out{cost}",
            usage.requests, usage.input_tokens, usage.output_tokens
        );
    }
    Ok(verdict(combined_report.accuracy, args.fail_under))
}
