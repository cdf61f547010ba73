//! Running an intent's steps as a graph: each step starts as soon as the steps it reads have
//! finished, so independent steps run concurrently and a chain runs in order.
//!
//! A failing required step stops the turn (steps still in flight are dropped, which cancels
//! their requests); a failing optional step leaves null and the rest goes on.

use crate::pipeline::{CallContext, CallRecord, Pipeline};
use crate::template::{Templates, context};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use minijinja::Value as JinjaValue;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::collections::HashSet;
use switchboard_config::model::{Intent, OutcomeKind, Step};

/// The step that made the turn fail, and how.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The step's name.
    pub step: String,
    /// Its outcome.
    pub outcome: OutcomeKind,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The call's machine-readable reason, such as `not_connected` (see `CallRecord::reason`).
    pub reason: Option<&'static str>,
    /// The step's connector.
    pub connector: String,
}

/// What running the steps produced.
#[derive(Debug, Default)]
pub struct Executed {
    /// Results by step name: extracted data for steps that succeeded, null for optional steps
    /// that failed; skipped steps are absent.
    pub results: Map<String, Value>,
    /// Every call made, in completion order.
    pub calls: Vec<CallRecord>,
    /// Set when a required step failed.
    pub failure: Option<Failure>,
    /// The template context the steps saw, with every result: what the reply is rendered in.
    pub context: StepContext,
}

impl Executed {
    /// Records a step's result, in the results and in the context later steps see.
    fn set_result(&mut self, step: &str, value: Value) {
        self.context.set_step(step, &value);
        self.results.insert(step.to_string(), value);
    }
}

/// A turn's template context, converted to template values once: the base when the steps
/// start, each result when it arrives. A step's context is then a map of shared values (cheap
/// to clone), not a copy of the turn's JSON converted again for every level of the graph.
#[derive(Debug, Default)]
pub struct StepContext {
    base: BTreeMap<String, JinjaValue>,
    steps: BTreeMap<String, JinjaValue>,
}

impl StepContext {
    /// The context of `base` (every key but `steps`).
    pub fn new(base: &Map<String, Value>) -> StepContext {
        StepContext {
            base: base.iter().map(|(k, v)| (k.clone(), context(v))).collect(),
            steps: BTreeMap::new(),
        }
    }

    fn set_step(&mut self, name: &str, result: &Value) {
        self.steps.insert(name.to_string(), context(result));
    }

    /// The context as templates see it: the base, and `steps` with the results so far.
    pub fn value(&self) -> JinjaValue {
        let mut map = self.base.clone();
        map.insert("steps".into(), JinjaValue::from(self.steps.clone()));
        JinjaValue::from(map)
    }
}

/// Runs every step of an intent. `base` is the template context without `steps`.
pub async fn run(
    intent: &Intent,
    pipeline: &Pipeline,
    templates: &Templates,
    base: &Map<String, Value>,
    call_ctx: &CallContext,
) -> Executed {
    let mut out = Executed {
        context: StepContext::new(base),
        ..Executed::default()
    };
    let mut done: HashSet<&str> = HashSet::new();
    let mut pending: Vec<&Step> = intent.steps.values().collect();
    let mut running = FuturesUnordered::new();

    loop {
        // Start (or skip) every step whose dependencies have all finished. Skipping can
        // unblock further steps, so repeat until nothing changes.
        loop {
            let ready: Vec<&Step> = pending
                .iter()
                .copied()
                .filter(|s| s.depends_on.iter().all(|d| done.contains(d.as_str())))
                .collect();
            if ready.is_empty() {
                break;
            }
            pending.retain(|s| !ready.iter().any(|r| r.name == s.name));
            let ctx = out.context.value();
            let mut skipped_any = false;
            for step in ready {
                match prepare(step, templates, &ctx) {
                    Prepared::Skip => {
                        done.insert(step.name.as_str());
                        skipped_any = true;
                    }
                    Prepared::Call(args) => running.push(Box::pin(async move {
                        let result = pipeline.call(&step.call, &args, call_ctx).await;
                        (step, result)
                    })),
                    Prepared::Failed(reason) => {
                        tracing::warn!(target: "switchboard::turn", intent = %intent.name, step = %step.name, %reason, "step could not be prepared");
                        if step.optional {
                            out.set_result(&step.name, Value::Null);
                            done.insert(step.name.as_str());
                            skipped_any = true;
                        } else {
                            out.failure = Some(Failure {
                                step: step.name.clone(),
                                outcome: OutcomeKind::BadRequest,
                                status: None,
                                reason: None,
                                connector: step.call.connector.clone(),
                            });
                            return out;
                        }
                    }
                }
            }
            if !skipped_any {
                break;
            }
        }

        let Some((step, result)) = running.next().await else {
            break;
        };
        done.insert(step.name.as_str());
        match result {
            Ok(record) => {
                let ok = record.is_ok();
                let (outcome, status, reason) = (record.outcome, record.status, record.reason);
                if ok {
                    out.set_result(&step.name, record.data.clone());
                } else if step.optional {
                    out.set_result(&step.name, Value::Null);
                }
                out.calls.push(record);
                if !ok && !step.optional {
                    out.failure = Some(Failure {
                        step: step.name.clone(),
                        outcome,
                        status,
                        reason,
                        connector: step.call.connector.clone(),
                    });
                    return out;
                }
            }
            Err(e) => {
                // A refused call is the request's fault, as an upstream would have said.
                tracing::warn!(target: "switchboard::turn", intent = %intent.name, step = %step.name, error = %e, "step refused before sending");
                if step.optional {
                    out.set_result(&step.name, Value::Null);
                } else {
                    out.failure = Some(Failure {
                        step: step.name.clone(),
                        outcome: OutcomeKind::BadRequest,
                        status: None,
                        reason: None,
                        connector: step.call.connector.clone(),
                    });
                    return out;
                }
            }
        }
    }
    out
}

enum Prepared {
    Skip,
    Call(Map<String, Value>),
    Failed(String),
}

fn prepare(step: &Step, templates: &Templates, ctx: &JinjaValue) -> Prepared {
    if let Some(cond) = &step.when {
        match templates.test(cond, ctx) {
            Ok(false) => return Prepared::Skip,
            Ok(true) => {}
            Err(e) => return Prepared::Failed(e.to_string()),
        }
    }
    match templates.values(&step.with, ctx) {
        Ok(args) => Prepared::Call(args),
        Err(e) => Prepared::Failed(e.to_string()),
    }
}
