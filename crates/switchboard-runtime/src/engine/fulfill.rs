//! Fulfilment for other bot platforms: run one intent with slot values the platform already
//! collected, without our own understanding or dialogue state. Rasa actions and Dialogflow
//! webhooks join the chat turn here, at "execute", and make no HTTP calls of their own.

use super::{Engine, respond};
use crate::pipeline::{CallContext, CallRecord};
use serde_json::{Map, Value, json};
use std::time::Duration;
use switchboard_config::model::{Intent, OutcomeKind};
use tokio::time::Instant;

/// What is said when the user answers no to a confirmation question.
pub(crate) const DECLINED: &str = "OK, I won't go ahead. Anything else I can do?";

/// An intent to run with the platform's slot values.
#[derive(Debug, Clone)]
pub struct FulfillRequest {
    /// The intent to run.
    pub intent: String,
    /// The platform's user or session id.
    pub user_id: String,
    /// Whether the platform is trusted to say who the user is (`trust_user_ids`): only then
    /// may the intent use that user's connected accounts and minted JWTs, or get a link to
    /// connect one.
    pub trust_user_id: bool,
    /// Slot values from the platform (unknown names are ignored; null means not set).
    pub slots: Map<String, Value>,
    /// Time allowed, all calls included (a platform's webhook deadline, minus a margin).
    pub deadline: Duration,
}

/// What the platform should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Fulfilled {
    /// The steps ran (or failed with an error reply); `replies` says the result.
    Done {
        /// The failing outcome, when a required step failed.
        failure: Option<OutcomeKind>,
    },
    /// A required slot has no value: ask for it.
    MissingSlot {
        /// The slot.
        slot: String,
    },
    /// A slot's value failed validation: the value should be cleared and asked for again.
    InvalidSlot {
        /// The slot.
        slot: String,
    },
    /// The intent has a `confirm:` question and the platform's `confirmed` slot does not say
    /// yes yet: the question is the reply, and nothing ran.
    Confirm,
    /// The platform's `confirmed` slot says no: nothing ran.
    Declined,
}

/// The platform slot (Rasa slot, Dialogflow parameter) that carries the user's answer to an
/// intent's `confirm:` question. It is cleared in every answer to a confirmed intent, so a yes
/// confirms one run only.
pub const CONFIRM_SLOT: &str = "confirmed";

/// What a confirmation slot's value says: `true`, `"yes"`, `"sure, go ahead"` are yes;
/// `false`, `"no"`, `"not now"` are no; anything else (or nothing) is no answer yet.
fn answer(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => super::words::yes_no(s),
        _ => None,
    }
}

/// The result of a fulfilment.
#[derive(Debug, Clone)]
pub struct FulfillResponse {
    /// What happened.
    pub status: Fulfilled,
    /// What to say.
    pub replies: Vec<String>,
    /// The intent's slots after validation and conversion (only the intent's own slots, and
    /// [`CONFIRM_SLOT`] as null once a confirmation was asked, answered or used).
    pub slots: Map<String, Value>,
    /// Step results by name, for platforms that store them (Dialogflow output contexts).
    pub results: Map<String, Value>,
    /// Every upstream call made.
    pub calls: Vec<CallRecord>,
}

/// Why a fulfilment could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FulfillError {
    /// The project has no such intent.
    #[error("unknown intent {0}")]
    UnknownIntent(String),
    /// The platform's user or session id breaks the user id rules (a 400 for the caller).
    #[error(transparent)]
    InvalidUser(#[from] crate::user_id::UserIdError),
}

impl Engine {
    /// Runs an intent with given slot values. Stateless: the platform keeps the conversation.
    ///
    /// An intent with a `confirm:` question never runs unconfirmed: once its slots are
    /// complete, the question is the reply ([`Fulfilled::Confirm`]) until the platform calls
    /// again with [`CONFIRM_SLOT`] saying yes (a no is [`Fulfilled::Declined`]).
    ///
    /// Once the question was asked, answered or the steps ran, the returned `slots` hold
    /// [`CONFIRM_SLOT`] as null, so the platform clears the answer and a yes confirms one run.
    pub async fn fulfill(&self, req: FulfillRequest) -> Result<FulfillResponse, FulfillError> {
        crate::user_id::check(&req.user_id)?;
        let intent = self
            .project
            .intents
            .get(&req.intent)
            .ok_or_else(|| FulfillError::UnknownIntent(req.intent.clone()))?;
        let mut out = self.fulfill_intent(intent, req).await;
        let asked = !matches!(
            out.status,
            Fulfilled::MissingSlot { .. } | Fulfilled::InvalidSlot { .. }
        );
        if intent.confirm.is_some() && asked {
            out.slots.insert(CONFIRM_SLOT.to_string(), Value::Null);
        }
        Ok(out)
    }

    async fn fulfill_intent(&self, intent: &Intent, req: FulfillRequest) -> FulfillResponse {
        let started = Instant::now();
        let mut slots = Map::new();
        let mut out = FulfillResponse {
            status: Fulfilled::Done { failure: None },
            replies: Vec::new(),
            slots: Map::new(),
            results: Map::new(),
            calls: Vec::new(),
        };
        let base = |slots: &Map<String, Value>| {
            let mut ctx = Map::new();
            ctx.insert("slots".into(), Value::Object(slots.clone()));
            ctx.insert("user".into(), json!({ "id": req.user_id }));
            ctx.insert("conversation".into(), json!({ "id": req.user_id }));
            ctx.insert(
                "turn".into(),
                json!({ "id": uuid::Uuid::new_v4().to_string() }),
            );
            ctx
        };
        for (name, slot) in &intent.slots {
            let given = req.slots.get(name).filter(|v| !v.is_null());
            match (given, &slot.default) {
                (Some(v), _) => match respond::check_slot(name, slot, v) {
                    Ok(v) => {
                        slots.insert(name.clone(), v);
                    }
                    Err(reason) => {
                        let ask = slot
                            .ask
                            .as_ref()
                            .map(|a| respond::render(&self.templates, a, &base(&slots)))
                            .unwrap_or_default();
                        out.replies
                            .push(format!("{reason} {ask}").trim().to_string());
                        out.status = Fulfilled::InvalidSlot { slot: name.clone() };
                        out.slots = slots;
                        return out;
                    }
                },
                (None, Some(d)) => {
                    slots.insert(name.clone(), d.clone());
                }
                (None, None) => {
                    if let Some(ask) = &slot.ask {
                        out.replies
                            .push(respond::render(&self.templates, ask, &base(&slots)));
                        out.status = Fulfilled::MissingSlot { slot: name.clone() };
                        out.slots = slots;
                        return out;
                    }
                }
            }
        }
        if let Some(question) = &intent.confirm {
            match answer(req.slots.get(CONFIRM_SLOT)) {
                Some(true) => {}
                Some(false) => {
                    out.replies.push(DECLINED.to_string());
                    out.status = Fulfilled::Declined;
                    out.slots = slots;
                    return out;
                }
                None => {
                    out.replies
                        .push(respond::render(&self.templates, question, &base(&slots)));
                    out.status = Fulfilled::Confirm;
                    out.slots = slots;
                    return out;
                }
            }
        }
        let call_ctx = CallContext {
            deadline: started + req.deadline,
            user_id: Some(req.user_id.clone()),
            untrusted_user: !req.trust_user_id,
            trace_id: Some(uuid::Uuid::new_v4().simple().to_string()),
            tap: None,
        };
        let ran = respond::run_intent(
            &self.pipeline,
            &self.templates,
            intent,
            base(&slots),
            &call_ctx,
        )
        .await;
        out.status = Fulfilled::Done {
            failure: ran.failure.as_ref().map(|f| f.outcome),
        };
        out.replies.push(ran.text);
        out.results = ran.results;
        out.calls = ran.calls;
        out.slots = slots;
        out
    }
}

/// One slot value checked against the intent's rules, for platforms that validate form input
/// before running anything (Rasa's `validate_<form>` actions).
#[derive(Debug, Clone, PartialEq)]
pub struct SlotCheck {
    /// The slot.
    pub slot: String,
    /// The value to keep (converted, such as `"42"` to `42` for a number input), or `None`
    /// when the value was rejected and must be cleared.
    pub value: Option<Value>,
    /// What to say for a rejected value: why, and the slot's question again.
    pub reply: Option<String>,
}

impl Engine {
    /// Checks the given values of an intent's slots without running any step. Names that are
    /// not slots of the intent, and null values, are skipped.
    pub fn validate_slots(
        &self,
        intent: &str,
        user_id: &str,
        given: &Map<String, Value>,
    ) -> Result<Vec<SlotCheck>, FulfillError> {
        crate::user_id::check(user_id)?;
        let intent = self
            .project
            .intents
            .get(intent)
            .ok_or_else(|| FulfillError::UnknownIntent(intent.to_string()))?;
        let mut ctx = Map::new();
        ctx.insert("slots".into(), Value::Object(given.clone()));
        ctx.insert("user".into(), json!({ "id": user_id }));
        ctx.insert("conversation".into(), json!({ "id": user_id }));
        let mut out = Vec::new();
        for (name, slot) in &intent.slots {
            let Some(v) = given.get(name).filter(|v| !v.is_null()) else {
                continue;
            };
            let check = match respond::check_slot(name, slot, v) {
                Ok(value) => SlotCheck {
                    slot: name.clone(),
                    value: Some(value),
                    reply: None,
                },
                Err(reason) => {
                    let ask = slot
                        .ask
                        .as_ref()
                        .map(|a| respond::render(&self.templates, a, &ctx))
                        .unwrap_or_default();
                    SlotCheck {
                        slot: name.clone(),
                        value: None,
                        reply: Some(format!("{reason} {ask}").trim().to_string()),
                    }
                }
            };
            out.push(check);
        }
        Ok(out)
    }
}
