//! The chat engine: one turn from a message to a reply backed by live data.
//!
//! ```text
//! load conversation -> understand -> decide (fill slots, confirm, or run steps)
//!     -> execute (step graph through the pipeline) -> respond -> save conversation
//! ```
//!
//! # How it works
//!
//! ```text
//! server/chat.rs POST /v1/chat (caller's Reach from inbound::reach)
//!   Engine::turn_as (validate request; no conversation_id:      engine/mod.rs
//!                    default_conversation, found by owner
//!                    (load_default), made with a v4 id on
//!                    first use; per-conversation lock)
//!     store.load; owner and Reach checked, else NotFound        storage/, engine/reach.rs
//!     Understanding::understand (classifier + entities)         engine/understand.rs
//!     dialogue::Turn::run: cancel / confirm / slot answer /     engine/dialogue.rs, words.rs
//!                          new intent / carry-over / fallback;
//!                          a value the entity does not know     engine/cues.rs
//!                          is asked about, not replaced by a
//!                          carried one
//!     respond::run_intent                                       engine/respond.rs
//!       execute::run: step graph, each step starts when its     engine/execute.rs
//!                     dependencies finish; every call goes
//!                     through Pipeline::call
//!       reply rendered (on_error by the failing outcome; an     template.rs
//!       `{escalate: INTENT}` entry runs that intent instead)
//!     store.save (optimistic version check)
//! ```
//!
//! Platform protocols join this path at "execute": `Engine::fulfill` (`engine/fulfill.rs`) takes
//! slot values the platform collected, validates them, asks for what is missing, asks an
//! intent's `confirm:` question until the platform's `confirmed` slot says yes, and runs
//! `respond::run_intent`; it keeps no conversation state of its own.
//!
//! `template.rs` registers every template of the project once (minijinja, fuel-limited); a
//! string that is exactly `{{ expr }}` keeps its JSON type, which is how request bodies stay valid
//! JSON.

mod agent;
pub mod connect;
mod cues;
mod dialogue;
pub mod execute;
pub mod fulfill;
mod hold;
mod model;
pub mod proactive;
mod reach;
pub mod respond;
pub mod tools;
pub mod understand;
pub mod words;

use crate::conversation::{Conversation, HistoryEntry, Role};
use crate::pipeline::{CallRecord, Pipeline};
use crate::storage::{ConversationStore, StoreError};
use crate::template::Templates;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use switchboard_config::Project;
use switchboard_config::model::OutcomeKind;
use tokio::time::Instant;
use understand::Understanding;

pub use reach::Reach;

/// Longest message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;

/// A user's message.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnRequest {
    /// Who is speaking (any stable id from the channel).
    pub user_id: String,
    /// What they said.
    pub text: String,
    /// The conversation to continue: an id the server returned earlier (an unknown id, or one
    /// belonging to another user, is not found). By default, the user's own conversation.
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// An id for this message, unique within the conversation (1 to 200 characters): a
    /// message sent again with the same id (a client's retry, a platform's redelivery) is
    /// not taken again; the replies it got are returned (without their calls). Default: none
    /// (every message is a new turn).
    #[serde(default)]
    pub message_id: Option<String>,
    /// Whether to answer with server-sent events: `delta` events with the words a language
    /// model writes for the reply as they arrive (`{"text"}`), `reset` when what was streamed
    /// is void (the template's reply follows), and last `turn`, the whole response (or
    /// `error`). Default: `false` (one JSON response).
    #[serde(default)]
    pub stream: bool,
}

/// The bot's answer to one message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TurnResponse {
    /// The conversation the turn belongs to.
    pub conversation_id: String,
    /// What the bot says.
    pub replies: Vec<ReplyText>,
    /// The intent served, if any.
    pub intent: Option<IntentInfo>,
    /// The conversation's slots after the turn.
    #[schema(value_type = Object)]
    pub slots: Map<String, Value>,
    /// Every upstream call the turn made.
    pub calls: Vec<CallSummary>,
    /// The language model's tokens (and their cost, with prices), when the turn asked it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<crate::llm::Usage>,
}

/// One reply message.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ReplyText {
    /// The text.
    pub text: String,
    /// Answers to offer as quick-reply buttons (a yes-or-no question's `yes` and `no`):
    /// messaging channels show them as the platform's buttons; a web client may too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// The intent served and the classifier's confidence in it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IntentInfo {
    /// Its name.
    pub name: String,
    /// The classifier's confidence in it, in [0, 1].
    pub confidence: f32,
    /// `model` when the language model chose it (`llm` understand mode); absent when the
    /// classifier did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
}

/// An upstream call as the chat API reports it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallSummary {
    /// `connector.operation`.
    pub operation: String,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The classified outcome: `ok`, `not_found`, `bad_request`, `unauthorized`,
    /// `forbidden`, `conflict`, `rate_limited`, `unavailable`, `timeout`, `invalid_response`.
    #[schema(value_type = String)]
    pub outcome: OutcomeKind,
    /// Milliseconds.
    pub latency_ms: f64,
    /// Whether the cache answered.
    pub cached: bool,
    /// Whether the cached answer was past its ttl, served because the upstream failed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// Attempts made (0 when the cache answered or nothing was sent).
    pub attempts: u32,
    /// Why nothing was sent or no wait was made: `circuit_open`, `rate_limit_queue`,
    /// `retry_after_too_long`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

impl From<&CallRecord> for CallSummary {
    fn from(r: &CallRecord) -> Self {
        CallSummary {
            operation: r.operation.clone(),
            status: r.status,
            outcome: r.outcome,
            latency_ms: (r.latency_ms * 1000.0).round() / 1000.0,
            cached: r.cached,
            stale: r.stale,
            attempts: r.attempts,
            reason: r.reason,
        }
    }
}

/// Why a turn could not be taken. Upstream failures are not here: they become replies.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// The request itself is wrong (empty text, too long, bad ids).
    #[error("{0}")]
    Invalid(String),
    /// The conversation does not exist (or belongs to someone else).
    #[error("{0}")]
    NotFound(String),
    /// Another turn changed the conversation at the same time.
    #[error("{0}")]
    Conflict(String),
    /// The conversation store failed.
    #[error("{0}")]
    Storage(String),
    /// A service the turn needs (the shared state) cannot be reached now.
    #[error("{0}")]
    Unavailable(String),
}

impl From<StoreError> for TurnError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => TurnError::Conflict(format!("{e}; send the message again")),
            other => TurnError::Storage(other.to_string()),
        }
    }
}

/// What a user said, as a turn takes it.
struct Said<'a> {
    user_id: &'a str,
    text: &'a str,
    message_id: Option<&'a str>,
}

/// The answer a message with this id got, if the conversation has taken it already: the bot's
/// messages that followed it.
fn answered(conv: &Conversation, message_id: &str) -> Option<TurnResponse> {
    let at = conv
        .history
        .iter()
        .position(|h| h.role == Role::User && h.id.as_deref() == Some(message_id))?;
    let said = &conv.history[at];
    let replies = conv.history[at + 1..]
        .iter()
        .take_while(|h| h.role == Role::Bot && h.id.is_none())
        .map(|h| ReplyText {
            text: h.text.clone(),
            options: Vec::new(),
        })
        .collect();
    Some(TurnResponse {
        conversation_id: conv.id.clone(),
        replies,
        intent: said.intent.as_ref().map(|name| IntentInfo {
            name: name.clone(),
            confidence: 1.0,
            source: None,
        }),
        slots: conv.slots.clone(),
        calls: Vec::new(),
        usage: None,
    })
}

/// A loaded project, ready to chat.
pub struct Engine {
    project: Arc<Project>,
    templates: Arc<Templates>,
    pipeline: Arc<Pipeline>,
    understanding: Understanding,
    store: Arc<dyn ConversationStore>,
    /// The language model, when the project has an `llm` section.
    model: Option<crate::llm::Model>,
    /// The tools an agent may call (the tool gateway's catalog).
    catalog: crate::catalog::Catalog,
    /// One lock per conversation with a turn in progress, so two messages of one
    /// conversation are taken in order within this instance (across instances, the fleet's
    /// lock in shared state; without it, the store's version check refuses the second).
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("intents", &self.project.intents.len())
            .finish()
    }
}

impl Engine {
    /// Trains the models and wires the engine to its pipeline and store.
    pub fn new(
        project: Arc<Project>,
        templates: Arc<Templates>,
        pipeline: Arc<Pipeline>,
        store: Arc<dyn ConversationStore>,
    ) -> Result<Engine, understand::UnderstandingError> {
        let understanding = Understanding::train(&project)?;
        let model = crate::llm::Model::new(&project, pipeline.clone());
        let catalog = crate::catalog::Catalog::new(&project);
        Ok(Engine {
            project,
            templates,
            pipeline,
            understanding,
            store,
            model,
            catalog,
            locks: Mutex::new(HashMap::new()),
        })
    }

    /// The project.
    pub fn project(&self) -> &Arc<Project> {
        &self.project
    }

    /// The pipeline.
    pub fn pipeline(&self) -> &Arc<Pipeline> {
        &self.pipeline
    }

    /// The trained models.
    pub fn understanding(&self) -> &Understanding {
        &self.understanding
    }

    /// The compiled templates.
    pub fn templates(&self) -> &Arc<Templates> {
        &self.templates
    }

    /// The language model, when the project has one.
    pub fn model(&self) -> Option<&crate::llm::Model> {
        self.model.as_ref()
    }

    /// The tools the project offers (to the gateway's agents and to its own agent mode).
    pub fn catalog(&self) -> &crate::catalog::Catalog {
        &self.catalog
    }

    /// A tool by name.
    pub fn tool(&self, name: &str) -> Option<&crate::catalog::ToolDef> {
        self.catalog.get(name)
    }

    /// The conversation store.
    pub fn store(&self) -> &Arc<dyn ConversationStore> {
        &self.store
    }

    /// The id of the user's default conversation: the one a turn naming no conversation
    /// continues and proactive messages join. It is found by its owner and created on first
    /// use, empty, with a random id, so nobody can compute it or take it first.
    ///
    /// A conversation an earlier version kept under the id it derived from the user id is
    /// adopted when it belongs to this user, so an upgrade keeps everyone's history.
    pub async fn default_conversation(&self, user_id: &str) -> Result<String, StoreError> {
        for _ in 0..proactive::SAVE_TRIES {
            if let Some(c) = self.store.load_default(user_id).await? {
                return Ok(c.id);
            }
            let mut conv = match self.store.load(&legacy_default_id(user_id)).await? {
                Some(c) if c.user_id == user_id => c,
                _ => Conversation::start(user_id.to_string()),
            };
            conv.default = true;
            match self.store.save(&mut conv).await {
                Ok(()) => return Ok(conv.id),
                // Another turn or instance made it first: read it back.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(
            "the user's default conversation kept changing".into(),
        ))
    }

    /// Takes one turn for a caller that reaches every conversation (the CLI, the open API).
    pub async fn turn(&self, req: TurnRequest) -> Result<TurnResponse, TurnError> {
        self.turn_as(req, &Reach::Any).await
    }

    /// Takes one turn within the caller's reach.
    ///
    /// A named conversation must exist, belong to `user_id` and be within reach; otherwise the
    /// turn is `NotFound`, so a client can neither choose a new conversation's id (and take
    /// one someone else will use) nor learn that an id exists. A turn naming none continues
    /// the user's default conversation, or, for a caller reaching only conversations started
    /// for it, starts a new one with a random id.
    pub async fn turn_as(
        &self,
        req: TurnRequest,
        reach: &Reach,
    ) -> Result<TurnResponse, TurnError> {
        self.turn_streaming(req, reach, None).await
    }

    /// [`Engine::turn_as`], with the words a language model writes for the reply handed to
    /// `sink` as they arrive (the response still carries the whole reply, stored once).
    pub async fn turn_streaming(
        &self,
        req: TurnRequest,
        reach: &Reach,
        sink: Option<&crate::llm::Sink>,
    ) -> Result<TurnResponse, TurnError> {
        let started = Instant::now();
        let user_id =
            crate::user_id::check(&req.user_id).map_err(|e| TurnError::Invalid(e.to_string()))?;
        if let Reach::User(subject) = reach
            && subject != user_id
        {
            return Err(TurnError::Invalid(
                "user_id must be the token's subject".into(),
            ));
        }
        if req.text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(TurnError::Invalid(format!(
                "text is too long: at most {MAX_MESSAGE_CHARS} characters"
            )));
        }
        let text = understand::clean_text(&req.text);
        if text.is_empty() {
            return Err(TurnError::Invalid("text must not be empty".into()));
        }
        let message_id = req.message_id.as_deref().map(str::trim);
        if message_id.is_some_and(|id| {
            id.is_empty() || id.chars().count() > 200 || id.chars().any(char::is_control)
        }) {
            return Err(TurnError::Invalid(
                "message_id must be 1 to 200 characters without control characters".into(),
            ));
        }
        let (conversation_id, create) = match req.conversation_id {
            Some(id) => {
                let id = id.trim().to_string();
                if id.is_empty()
                    || id.len() > 100
                    || !id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return Err(TurnError::Invalid(
                        "conversation_id must be 1 to 100 letters, digits, '-' or '_'".into(),
                    ));
                }
                (id, false)
            }
            None if reach.uses_default() => (self.default_conversation(user_id).await?, false),
            None => (uuid::Uuid::new_v4().to_string(), true),
        };

        let held = self
            .hold(
                &conversation_id,
                started + self.project.bot.turn_deadline,
                true,
            )
            .await?;
        // Every log line of the turn carries its conversation id (and, from the server's
        // span, the request id).
        let span = tracing::info_span!("turn", conversation_id = %conversation_id);
        let result = tracing::Instrument::instrument(
            self.turn_locked(
                Said {
                    user_id,
                    text: &text,
                    message_id,
                },
                &conversation_id,
                create,
                reach,
                started,
                sink,
            ),
            span,
        )
        .await;
        self.let_go(held).await;
        result
    }

    async fn turn_locked(
        &self,
        said: Said<'_>,
        conversation_id: &str,
        create: bool,
        reach: &Reach,
        started: Instant,
        sink: Option<&crate::llm::Sink>,
    ) -> Result<TurnResponse, TurnError> {
        let Said {
            user_id,
            text,
            message_id,
        } = said;
        let mut conv = match self.store.load(conversation_id).await? {
            Some(c) if c.user_id == user_id && reach.reaches(&c) => c,
            None if create => Conversation::new(conversation_id.to_string(), user_id.to_string()),
            // Someone else's conversation, one out of reach, and an id nobody was given are
            // all reported as missing, not as forbidden, so ids cannot be probed.
            _ => {
                return Err(TurnError::NotFound(format!(
                    "conversation {conversation_id} not found"
                )));
            }
        };
        if let Some(earlier) = message_id.and_then(|id| answered(&conv, id)) {
            return Ok(earlier);
        }
        let limit = self.project.bot.history_limit;
        let now = chrono::Utc::now();
        let mut understood = self.understanding.understand(text, now.date_naive());
        if let Some(language) = self.understanding.language(text, conv.language.as_deref()) {
            conv.language = Some(language);
        }
        let turn_id = uuid::Uuid::new_v4().to_string();
        let mut mt = model::ModelTurn::new(
            self.model.as_ref(),
            sink,
            user_id,
            &turn_id.replace('-', ""),
        );
        let deadline = started
            + self
                .project
                .bot
                .turn_deadline
                .saturating_sub(dialogue::DEADLINE_MARGIN);
        let agent = self.model.as_ref().is_some_and(|m| m.settings().agent);
        let mut outcome = None;
        if agent {
            outcome = agent::turn(self, &mut conv, text, &mut mt, deadline)
                .await
                .ok();
        } else if self.asks_model(&conv, text, &understood) {
            let base = dialogue::context(&conv, &turn_id);
            if let Some(choice) = mt
                .understand(
                    &self.project,
                    &self.templates,
                    &base,
                    &conv.history,
                    text,
                    deadline,
                )
                .await
            {
                understood.adopt(choice);
            }
        }
        let outcome = match outcome {
            Some(o) => o,
            None => {
                dialogue::Turn::new(
                    self,
                    &mut conv,
                    text,
                    &understood,
                    started,
                    turn_id,
                    &mut mt,
                )
                .run()
                .await
            }
        };
        let usage = mt.usage();
        if let Some(u) = &usage {
            crate::telemetry::metrics::LlmTurn {
                model: &u.model,
                input: u.input_tokens,
                output: u.output_tokens,
            }
            .emit(self.pipeline.telemetry());
        }

        conv.push_history(
            HistoryEntry {
                role: Role::User,
                text: text.to_string(),
                at: now,
                intent: understood.intent.as_ref().map(|(n, _)| n.clone()),
                id: message_id.map(str::to_string),
            },
            limit,
        );
        for r in &outcome.replies {
            conv.push_history(
                HistoryEntry {
                    role: Role::Bot,
                    text: r.text.clone(),
                    at: chrono::Utc::now(),
                    intent: outcome.intent.as_ref().map(|i| i.name.clone()),
                    id: None,
                },
                limit,
            );
        }
        conv.updated_at = chrono::Utc::now();
        self.store.save(&mut conv).await?;
        let intent = outcome.intent.as_ref().map(|i| i.name.as_str());
        crate::telemetry::metrics::TurnTaken {
            intent,
            fallback: outcome.fallback,
            latency: started.elapsed(),
        }
        .emit(self.pipeline.telemetry());
        crate::telemetry::events::TurnEvent {
            conversation_id: &conv.id,
            intent,
            fallback: outcome.fallback,
            calls: outcome.calls.len(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        }
        .emit();

        Ok(TurnResponse {
            conversation_id: conv.id.clone(),
            replies: outcome.replies,
            intent: outcome.intent,
            slots: conv.slots.clone(),
            calls: outcome.calls.iter().map(CallSummary::from).collect(),
            usage,
        })
    }

    /// Whether `understand` mode asks the model about this message: a new request (no
    /// question pending, not a cancel), and either always or when the classifier is unsure.
    fn asks_model(
        &self,
        conv: &Conversation,
        text: &str,
        understood: &understand::Understood,
    ) -> bool {
        let Some(when) = self.model.as_ref().and_then(|m| m.settings().understand) else {
            return false;
        };
        if conv.pending.is_some() || words::is_cancel(text) {
            return false;
        }
        when == switchboard_config::model::UnderstandWhen::Always || understood.intent.is_none()
    }

    /// Loads a conversation for display, if it exists and is within the caller's reach.
    pub async fn conversation(
        &self,
        id: &str,
        reach: &Reach,
    ) -> Result<Option<Conversation>, TurnError> {
        Ok(self.store.load(id).await?.filter(|c| reach.reaches(c)))
    }
}

/// The id earlier versions gave a user's default conversation (a UUIDv5 of the user id, before
/// migration 0002). Only read, to adopt such a conversation as the default of the user who owns
/// it; new conversations never get it, since anyone could compute it.
fn legacy_default_id(user_id: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("switchboard:user:{user_id}").as_bytes(),
    )
    .to_string()
}
