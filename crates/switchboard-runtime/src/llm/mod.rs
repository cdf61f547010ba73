//! A language model in the chat turn, reached like any upstream: every request is one call of
//! the `chat` operation of the project's `type: llm` connector, through the pipeline (auth,
//! timeouts within the turn's deadline, retries, breaker, rate limit, metrics, audit, SSRF
//! rules).
//!
//! # How it works
//!
//! ```text
//! engine (understand / agent / reply) -> Model::ask(Request, Usage, Masks)
//!   limits: the turn's tokens, the user's tokens today (daily.rs) -> OverBudget, nothing sent
//!   messages masked (telemetry::redact::Masks: PII and sensitive keys behind placeholders)
//!   body: model, messages, tools, response_format (JSON Schema), max_tokens, stream
//!   audit row kind model: the body's SHA-256 and size, never its text
//!   Pipeline::call(connector.chat) with a Tap when streaming -> Folder (pipeline/chat.rs)
//!     folds the chunks as they arrive; the words go to the turn's Sink, placeholders put back
//!   the record's completion -> Answer (content and tool calls unmasked), Usage counted,
//!   metrics switchboard_llm_* (telemetry/metrics.rs)
//! ```
//!
//! `understand.rs` builds the structured-output schema from the project's intents and slots
//! and reads the model's choice back. The modes themselves are the engine's: it decides when
//! to ask, what to do with the answer, and what to say when the model fails.

mod daily;
pub mod understand;

use crate::pipeline::chat::Folder;
use crate::pipeline::{CallContext, CallRecord, Pipeline, Tapped};
use crate::telemetry::metrics::LlmAsked;
use crate::telemetry::redact::{Masks, Redactor};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use switchboard_config::Project;
use switchboard_config::model::{CHAT_OPERATION, LlmSettings, OperationRef};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Why the model is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// To classify a message and fill slots.
    Understand,
    /// To choose tools or answer, in the agent's loop.
    Agent,
    /// To word a reply from the steps' data.
    Reply,
}

impl Purpose {
    /// Its name in metrics and the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Understand => "understand",
            Purpose::Agent => "agent",
            Purpose::Reply => "reply",
        }
    }
}

/// What a streaming turn hands its client while the model writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    /// More of the reply.
    Text(String),
    /// What was streamed so far is void (the model failed and the template answers, or an
    /// attempt was tried again); the turn's final replies follow.
    Reset,
}

/// Where a streaming turn's words go.
pub type Sink = mpsc::UnboundedSender<Delta>;

/// One request to the model.
#[derive(Debug)]
pub struct Request<'a> {
    /// Why.
    pub purpose: Purpose,
    /// The conversation so far, system prompt first (masked before sending).
    pub messages: Vec<Value>,
    /// Function tools the model may call (OpenAI's form).
    pub tools: Vec<Value>,
    /// A JSON Schema the answer must follow (structured output): its name and schema.
    pub schema: Option<(&'static str, Value)>,
    /// Where the answer's words stream to, if anywhere.
    pub stream: Option<&'a Sink>,
    /// The deadline of this request, within the turn's.
    pub deadline: Instant,
    /// The user the turn is for.
    pub user_id: &'a str,
    /// The turn's trace.
    pub trace_id: Option<String>,
}

/// A tool call the model asked for.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ToolCall {
    /// The model's id for it, echoed with the result.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments as the model wrote them (JSON text, placeholders put back).
    pub arguments: String,
}

/// The model's answer.
#[derive(Debug)]
pub struct Answer {
    /// What it said (placeholders put back), if anything.
    pub content: Option<String>,
    /// The tools it wants called.
    pub tool_calls: Vec<ToolCall>,
    /// Whether its words were streamed to the sink.
    pub streamed: bool,
    /// The call.
    pub record: CallRecord,
}

/// Why there is no answer.
#[derive(Debug)]
pub enum AskError {
    /// A limit was reached (`turn` or `day`); nothing was sent.
    OverBudget(&'static str),
    /// The call failed; see its record.
    Failed(CallRecord),
    /// The call was refused before anything was sent (the pipeline's words).
    NotSent(String),
}

impl AskError {
    /// The outcome's name for metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            AskError::OverBudget(_) => "over_budget",
            AskError::Failed(r) if r.is_ok() => "unreadable",
            AskError::Failed(r) => r.outcome.as_str(),
            AskError::NotSent(_) => "not_sent",
        }
    }
}

/// Tokens one turn used, and what they cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Usage {
    /// The model asked.
    pub model: String,
    /// Requests sent.
    pub requests: u32,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// What they cost at the configured prices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
}

impl Usage {
    fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

/// The project's model.
pub struct Model {
    settings: LlmSettings,
    op: OperationRef,
    pipeline: Arc<Pipeline>,
    redactor: Redactor,
    daily: daily::Daily,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("model", &self.settings.model)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// The project's model, when it has an `llm` section.
    pub fn new(project: &Project, pipeline: Arc<Pipeline>) -> Option<Model> {
        let settings = project.llm.clone()?;
        Some(Model {
            op: OperationRef {
                connector: settings.connector.clone(),
                operation: CHAT_OPERATION.to_string(),
            },
            redactor: Redactor::from_project(project),
            daily: daily::Daily::default(),
            settings,
            pipeline,
        })
    }

    /// The section's settings.
    pub fn settings(&self) -> &LlmSettings {
        &self.settings
    }

    /// The redaction policy applied to what the model reads.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Asks the model. Every message's text is masked with `masks` first; the answer's text
    /// and tool arguments come back unmasked. `usage` collects the turn's tokens.
    pub async fn ask(
        &self,
        req: Request<'_>,
        usage: &mut Usage,
        masks: &mut Masks,
    ) -> Result<Answer, AskError> {
        let limits = &self.settings.limits;
        let over = if usage.tokens() >= u64::from(limits.tokens_per_turn) {
            Some("turn")
        } else if limits
            .tokens_per_user_per_day
            .is_some_and(|max| self.daily.used(req.user_id) >= max)
        {
            Some("day")
        } else {
            None
        };
        if let Some(which) = over {
            self.count(req.purpose, "over_budget", 0, 0);
            return Err(AskError::OverBudget(which));
        }
        let body = self.body(&req, masks);
        let text = body.to_string();
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        let mut args = Map::new();
        args.insert("request".into(), body);

        let started = Instant::now();
        let streaming = req.stream.filter(|_| self.settings.stream);
        let (tap, mut tapped) = mpsc::unbounded_channel();
        let call_ctx = CallContext {
            deadline: req.deadline,
            user_id: Some(req.user_id.to_string()),
            untrusted_user: false,
            trace_id: req.trace_id.clone(),
            tap: streaming.is_some().then_some(tap),
        };
        let call = async move {
            let result = self.pipeline.call(&self.op, &args, &call_ctx).await;
            drop(call_ctx);
            result
        };
        let view: &Masks = masks;
        let relay = async {
            let Some(sink) = streaming else {
                return false;
            };
            let mut folder = Folder::default();
            let mut held = String::new();
            let mut any = false;
            while let Some(t) = tapped.recv().await {
                match t {
                    Tapped::Start => {
                        if any {
                            let _ = sink.send(Delta::Reset);
                        }
                        folder = Folder::default();
                        held.clear();
                    }
                    Tapped::Chunk(bytes) => {
                        held.push_str(&folder.push(&bytes));
                        // A placeholder cut in two waits for its end before it is put back.
                        let upto = Masks::open_placeholder(&held).unwrap_or(held.len());
                        if upto > 0 {
                            let out = view.unmask(&held[..upto]);
                            held.drain(..upto);
                            any = true;
                            let _ = sink.send(Delta::Text(out));
                        }
                    }
                }
            }
            if !held.is_empty() {
                any = true;
                let _ = sink.send(Delta::Text(view.unmask(&held)));
            }
            any
        };
        let (result, streamed) = tokio::join!(call, relay);
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                self.count(req.purpose, "not_sent", 0, 0);
                return Err(AskError::NotSent(e.to_string()));
            }
        };
        let (input, output) = tokens(&record);
        usage.model.clone_from(&self.settings.model);
        usage.requests += 1;
        usage.input_tokens += input;
        usage.output_tokens += output;
        let cost = self
            .settings
            .prices
            .map(|p| (input as f64 * p.input + output as f64 * p.output) / 1_000_000.0);
        if let Some(c) = cost {
            *usage.cost.get_or_insert(0.0) += c;
        }
        self.daily.add(req.user_id, input + output);
        let answer = read(&record, view);
        let outcome = match (&answer, record.is_ok()) {
            (Some(_), _) => "ok",
            (None, true) => "unreadable",
            (None, false) => record.outcome.as_str(),
        };
        LlmAsked {
            model: &self.settings.model,
            purpose: req.purpose.as_str(),
            outcome,
            input,
            output,
            cost,
        }
        .emit(self.pipeline.telemetry());
        if let Some(audit) = self.pipeline.audit() {
            audit.model_row(
                &self.settings.connector,
                req.purpose.as_str(),
                outcome,
                started.elapsed(),
                Some(req.user_id),
                &digest,
                text.len(),
                (input, output),
            );
        }
        match answer {
            Some((content, tool_calls)) => Ok(Answer {
                content,
                tool_calls,
                streamed,
                record,
            }),
            None => {
                if streamed && let Some(sink) = streaming {
                    let _ = sink.send(Delta::Reset);
                }
                Err(AskError::Failed(record))
            }
        }
    }

    fn count(&self, purpose: Purpose, outcome: &'static str, input: u64, output: u64) {
        LlmAsked {
            model: &self.settings.model,
            purpose: purpose.as_str(),
            outcome,
            input,
            output,
            cost: None,
        }
        .emit(self.pipeline.telemetry());
    }

    /// The request body, as OpenAI's chat-completions API takes it.
    fn body(&self, req: &Request<'_>, masks: &mut Masks) -> Value {
        let messages: Vec<Value> = req
            .messages
            .iter()
            .map(|m| {
                let mut m = m.clone();
                // The operator's instructions are not user data; everything else is.
                if m["role"] != "system" {
                    if let Some(Value::String(text)) = m.get_mut("content") {
                        *text = self.redactor.mask_text(text, masks);
                    }
                    if let Some(Value::Array(calls)) = m.get_mut("tool_calls") {
                        for c in calls {
                            if let Some(Value::String(a)) = c.pointer_mut("/function/arguments") {
                                *a = self.redactor.mask_text(a, masks);
                            }
                        }
                    }
                }
                m
            })
            .collect();
        let mut body = json!({
            "model": self.settings.model,
            "messages": messages,
            "max_tokens": self.settings.limits.max_tokens,
        });
        if let Some(t) = self.settings.temperature {
            body["temperature"] = json!(t);
        }
        if !req.tools.is_empty() {
            body["tools"] = Value::Array(req.tools.clone());
            body["tool_choice"] = json!("auto");
            body["parallel_tool_calls"] = json!(true);
        }
        if let Some((name, schema)) = &req.schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": { "name": name, "schema": schema, "strict": true },
            });
        }
        if req.stream.is_some() && self.settings.stream {
            body["stream"] = json!(true);
            body["stream_options"] = json!({ "include_usage": true });
        }
        body
    }
}

/// The tokens a completion says it used.
fn tokens(record: &CallRecord) -> (u64, u64) {
    let usage = record.body.as_ref().and_then(|b| b.get("usage"));
    let n = |k: &str| {
        usage
            .and_then(|u| u.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    (n("prompt_tokens"), n("completion_tokens"))
}

/// The first choice's words and tool calls, unmasked; `None` when the call failed or the
/// completion has no message.
fn read(record: &CallRecord, masks: &Masks) -> Option<(Option<String>, Vec<ToolCall>)> {
    if !record.is_ok() {
        return None;
    }
    let message = record.body.as_ref()?.pointer("/choices/0/message")?;
    let content = message
        .get("content")
        .and_then(Value::as_str)
        .map(|c| masks.unmask(c));
    let tool_calls: Vec<ToolCall> = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some(ToolCall {
                id: c.get("id")?.as_str()?.to_string(),
                name: c.pointer("/function/name")?.as_str()?.to_string(),
                arguments: masks.unmask(c.pointer("/function/arguments")?.as_str().unwrap_or("{}")),
            })
        })
        .collect();
    if content.is_none() && tool_calls.is_empty() {
        return None;
    }
    Some((content, tool_calls))
}
