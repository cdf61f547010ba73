//! Deciding what a message means for the conversation: answer a pending question, confirm
//! a write, fill slots, run an intent, or fall back.

use super::model::ModelTurn;
use super::understand::Understood;
use super::{Engine, IntentInfo, respond, words};
use crate::conversation::{Conversation, Pending};
use crate::pipeline::{CallContext, CallRecord};
use serde_json::{Map, Value, json};
use std::time::Duration;
use switchboard_config::model::Intent;
use switchboard_nlu::EntityMatch;
use tokio::time::Instant;

/// Said when the user answers a slot question with a no ("no wait", "not now").
const STOPPED: &str = "OK, I've stopped there. What else can I do for you?";

/// Words a starting message must have beyond the intent's examples to fill its free-text slot.
const FREE_TEXT_WORDS: usize = 2;

/// Time kept back from the turn deadline for rendering and saving.
pub(super) const DEADLINE_MARGIN: Duration = Duration::from_millis(50);

/// What a turn produced.
pub struct Outcome {
    pub replies: Vec<super::ReplyText>,
    pub intent: Option<IntentInfo>,
    pub calls: Vec<CallRecord>,
    /// Whether the fallback reply was said (no intent understood).
    pub fallback: bool,
}

/// One turn in progress.
pub struct Turn<'a, 'm> {
    engine: &'a Engine,
    conv: &'a mut Conversation,
    text: &'a str,
    understood: &'a Understood,
    started: Instant,
    turn_id: String,
    /// The language model's part (`reply` mode words the reply).
    mt: &'a mut ModelTurn<'m>,
    out: Outcome,
}

impl<'a, 'm> Turn<'a, 'm> {
    pub fn new(
        engine: &'a Engine,
        conv: &'a mut Conversation,
        text: &'a str,
        understood: &'a Understood,
        started: Instant,
        turn_id: String,
        mt: &'a mut ModelTurn<'m>,
    ) -> Turn<'a, 'm> {
        Turn {
            engine,
            conv,
            text,
            understood,
            started,
            turn_id,
            mt,
            out: Outcome {
                fallback: false,
                replies: Vec::new(),
                intent: None,
                calls: Vec::new(),
            },
        }
    }

    pub async fn run(mut self) -> Outcome {
        if words::is_cancel(self.text) {
            let had = self.conv.pending.take().is_some();
            self.say(if had {
                "OK, I've cancelled that. What else can I do for you?"
            } else {
                "OK. What else can I do for you?"
            });
            return self.out;
        }
        match self.conv.pending.clone() {
            Some(Pending::Confirm { intent }) => self.on_confirm_answer(&intent).await,
            Some(Pending::Slot {
                intent,
                slot,
                attempts,
            }) => self.on_slot_answer(&intent, &slot, attempts).await,
            // A tool call an agent proposed lapses when the dialogue takes the turn.
            Some(Pending::Tool { .. }) => {
                self.conv.pending = None;
                self.on_new_message().await;
            }
            None => self.on_new_message().await,
        }
        self.out
    }

    async fn on_new_message(&mut self) {
        // "and order 1002?": the message fills a slot of the last intent and reads as a
        // follow-up, so the user means that intent again, whatever else it resembles.
        if let Some(last) = self.conv.last_intent.clone()
            && self.is_follow_up_of(&last)
        {
            return self.serve(&last).await;
        }
        if let Some((name, confidence)) = &self.understood.intent {
            let name = name.clone();
            if !self.engine.project.intents.contains_key(&name)
                && let Some(talk) = switchboard_nlu::SmallTalk::named(&name)
            {
                return self.small_talk(talk, *confidence);
            }
            return self.serve(&name).await;
        }
        if !self.engine.project.intents.contains_key("help") && words::is_help(self.text) {
            return self.help();
        }
        self.fallback();
    }

    /// Whether this message continues the last intent with a new slot value.
    fn is_follow_up_of(&self, last: &str) -> bool {
        let fills = |name: &str| {
            self.engine.project.intents.get(name).is_some_and(|i| {
                i.slots.values().any(|s| {
                    s.entity
                        .as_deref()
                        .is_some_and(|e| self.understood.entity(e).is_some())
                })
            })
        };
        if !fills(last) {
            return false;
        }
        match &self.understood.intent {
            Some((predicted, _)) if predicted == last => true,
            Some((predicted, _)) => !fills(predicted) && words::is_follow_up(self.text),
            None => true,
        }
    }

    async fn on_confirm_answer(&mut self, intent_name: &str) {
        let Some(intent) = self.engine.project.intents.get(intent_name) else {
            self.conv.pending = None;
            return self.fallback();
        };
        match words::yes_no(self.text) {
            Some(true) => {
                self.conv.pending = None;
                self.note_intent(intent_name);
                self.execute(intent).await;
            }
            Some(false) => {
                self.conv.pending = None;
                self.note_intent(intent_name);
                self.clear_transient_slots(intent);
                self.say(super::fulfill::DECLINED);
            }
            None => {
                if let Some(other) = self.other_intent(intent_name) {
                    self.conv.pending = None;
                    return self.serve(&other).await;
                }
                self.note_intent(intent_name);
                let question = intent
                    .confirm
                    .as_ref()
                    .map(|c| self.render(c))
                    .unwrap_or_default();
                self.ask_yes_no(&format!("Please answer yes or no. {question}"));
            }
        }
    }

    async fn on_slot_answer(&mut self, intent_name: &str, slot_name: &str, attempts: u32) {
        let Some(intent) = self.engine.project.intents.get(intent_name) else {
            self.conv.pending = None;
            return self.fallback();
        };
        let Some(slot) = intent.slots.get(slot_name) else {
            self.conv.pending = None;
            return self.serve(intent_name).await;
        };
        // "no wait", "not now": the user does not want to go on; never a slot's value.
        if words::yes_no(self.text) == Some(false) {
            self.conv.pending = None;
            self.note_intent(intent_name);
            self.clear_transient_slots(intent);
            return self.say(STOPPED);
        }
        let candidate = match &slot.entity {
            Some(entity) => self
                .understood
                .entity(entity)
                .cloned()
                .or_else(|| self.in_context(intent_name, slot_name, entity)),
            None => Some(Value::String(self.text.to_string())),
        };
        let Some(candidate) = candidate else {
            if let Some(other) = self.other_intent(intent_name) {
                self.conv.pending = None;
                return self.serve(&other).await;
            }
            let reason = format!("I couldn't find {} in that.", a_slot(slot_name));
            return self.reask(intent, slot_name, attempts, &reason);
        };
        match respond::check_slot(slot_name, slot, &candidate) {
            Ok(value) => {
                self.conv.slots.insert(slot_name.to_string(), value);
                self.conv.pending = None;
                self.continue_intent(intent).await;
            }
            Err(reason) => self.reask(intent, slot_name, attempts, &reason),
        }
    }

    /// Starts serving an intent chosen from this message.
    async fn serve(&mut self, name: &str) {
        let Some(intent) = self.engine.project.intents.get(name) else {
            return self.fallback();
        };
        self.note_intent(name);
        // Entities in this message fill (or replace) the intent's slots. A value the user
        // gave replaces a carried one, or is asked about again with the reason: a refused
        // value never leaves the old one in place.
        for (slot_name, found) in assign_entities(intent, self.understood) {
            let Some(slot) = intent.slots.get(&slot_name) else {
                continue;
            };
            match respond::check_slot(&slot_name, slot, &found) {
                Ok(v) => {
                    self.conv.slots.insert(slot_name, v);
                }
                Err(reason) => {
                    self.conv.slots.remove(&slot_name);
                    return self.reask(intent, &slot_name, 0, &reason);
                }
            }
        }
        // Values the model found fill what the entities did not.
        for (slot_name, found) in &self.understood.model_slots {
            let Some(slot) = intent.slots.get(slot_name) else {
                continue;
            };
            if self.conv.slots.get(slot_name).is_some_and(|v| !v.is_null())
                && slot
                    .entity
                    .as_deref()
                    .is_some_and(|e| self.understood.entity(e).is_some())
            {
                continue;
            }
            if let Ok(v) = respond::check_slot(slot_name, slot, found) {
                self.conv.slots.insert(slot_name.clone(), v);
            }
        }
        if !self.understood.by_model
            && let Some((slot_name, word)) = self.unrecognized_value(intent)
        {
            self.conv.slots.remove(&slot_name);
            let reason = format!("I couldn't use \"{word}\" as {}.", a_slot(&slot_name));
            return self.reask(intent, &slot_name, 0, &reason);
        }
        self.fill_free_text(intent);
        self.continue_intent(intent).await;
    }

    /// Asks for the next missing slot, asks for confirmation, or runs the steps.
    async fn continue_intent(&mut self, intent: &Intent) {
        self.note_intent(&intent.name);
        for (slot_name, slot) in &intent.slots {
            let present = self.conv.slots.get(slot_name).is_some_and(|v| !v.is_null());
            if present {
                continue;
            }
            if let Some(default) = &slot.default {
                self.conv.slots.insert(slot_name.clone(), default.clone());
            } else if let Some(ask) = &slot.ask {
                self.conv.pending = Some(Pending::Slot {
                    intent: intent.name.clone(),
                    slot: slot_name.clone(),
                    attempts: 0,
                });
                let q = self.render(ask);
                self.say(&q);
                return;
            }
        }
        if let Some(confirm) = &intent.confirm {
            self.conv.pending = Some(Pending::Confirm {
                intent: intent.name.clone(),
            });
            let q = self.render(confirm);
            self.ask_yes_no(&q);
            return;
        }
        self.execute(intent).await;
    }

    async fn execute(&mut self, intent: &Intent) {
        let budget = self
            .engine
            .project
            .bot
            .turn_deadline
            .saturating_sub(DEADLINE_MARGIN);
        let call_ctx = CallContext {
            deadline: self.started + budget,
            user_id: Some(self.conv.user_id.clone()),
            untrusted_user: false,
            // Every call of the turn joins one trace: the turn id's 128 bits.
            trace_id: Some(self.turn_id.replace('-', "")),
            tap: None,
        };
        let mut ran = respond::run_intent(
            &self.engine.pipeline,
            &self.engine.templates,
            intent,
            self.base_context(),
            &call_ctx,
        )
        .await;
        let words_by_model = self
            .engine
            .model()
            .is_some_and(|m| intent.llm_reply.unwrap_or(m.settings().reply));
        if words_by_model && ran.failure.is_none() {
            let base = self.base_context();
            if let Some(text) = self
                .mt
                .word(
                    &self.engine.project,
                    &self.engine.templates,
                    intent,
                    &base,
                    &ran,
                    self.text,
                    call_ctx.deadline,
                )
                .await
            {
                ran.text = text;
            }
        }
        self.out.calls.extend(ran.calls);
        self.conv.last_intent = Some(intent.name.clone());
        self.clear_transient_slots(intent);
        self.say(&ran.text);
    }

    fn reask(&mut self, intent: &Intent, slot_name: &str, attempts: u32, reason: &str) {
        let attempts = attempts + 1;
        if attempts >= self.engine.project.bot.max_ask_attempts {
            self.conv.pending = None;
            self.say(&format!(
                "{reason} Let's leave that for now. What else can I do for you?"
            ));
            return;
        }
        self.conv.pending = Some(Pending::Slot {
            intent: intent.name.clone(),
            slot: slot_name.to_string(),
            attempts,
        });
        let ask = intent
            .slots
            .get(slot_name)
            .and_then(|s| s.ask.as_ref())
            .map(|a| self.render(a))
            .unwrap_or_default();
        self.say(format!("{reason} {ask}").trim());
    }

    /// A value this message gives for one of the intent's slots that the slot's entity did
    /// not recognise ("weather in Tokyo" when the city list has no Tokyo).
    fn unrecognized_value(&self, intent: &Intent) -> Option<(String, String)> {
        // Most turns find every slot's entity, and end here.
        let mut missing = intent.slots.iter().filter(|(_, slot)| {
            slot.entity
                .as_deref()
                .is_some_and(|e| self.understood.entity(e).is_none())
        });
        let first = missing.next()?;
        // Words another slot of the intent takes are not this slot's; a built-in such as
        // `number` finding "12" does not make "ticket 12" a ticket.
        let taken: Vec<&EntityMatch> = self
            .understood
            .entities
            .iter()
            .filter(|m| {
                intent
                    .slots
                    .values()
                    .any(|s| s.entity.as_deref() == Some(m.entity.as_str()))
            })
            .collect();
        let cues = self.engine.understanding().cues();
        std::iter::once(first).chain(missing).find_map(|(name, _)| {
            cues.unrecognized(&intent.name, name, self.text, &taken)
                .map(|word| (name.clone(), word.to_string()))
        })
    }

    /// The message that starts an intent with one free-text slot ("my laptop is broken, open
    /// a ticket") fills that slot when it says more than the intent's examples do.
    fn fill_free_text(&mut self, intent: &Intent) {
        let mut free = intent.slots.iter().filter(|(_, s)| s.entity.is_none());
        let (Some((name, slot)), None) = (free.next(), free.next()) else {
            return;
        };
        if self.conv.slots.get(name).is_some_and(|v| !v.is_null())
            || self
                .engine
                .understanding()
                .cues()
                .unfamiliar_words(&intent.name, self.text)
                < FREE_TEXT_WORDS
        {
            return;
        }
        if let Ok(value) = respond::check_slot(name, slot, &Value::String(self.text.to_string())) {
            self.conv.slots.insert(name.clone(), value);
        }
    }

    /// A bare answer read after the words that introduce the slot's value in the examples.
    fn in_context(&self, intent: &str, slot: &str, entity: &str) -> Option<Value> {
        let understanding = self.engine.understanding();
        let today = chrono::Utc::now().date_naive();
        understanding
            .cues()
            .in_context(intent, slot, self.text)
            .iter()
            .find_map(|reading| understanding.find(entity, reading, today))
    }

    /// Another intent the user clearly switched to, while a question was pending.
    fn other_intent(&self, current: &str) -> Option<String> {
        self.understood
            .intent
            .as_ref()
            .filter(|(n, _)| n != current)
            .map(|(n, _)| n.clone())
    }

    fn help(&mut self) {
        let bot = &self.engine.project.bot;
        let text = match &bot.help {
            Some(h) => self.render(h),
            None => {
                let lines: Vec<String> = self
                    .engine
                    .project
                    .intents
                    .values()
                    .filter_map(|i| i.description.as_ref().map(|d| format!("- {d}")))
                    .collect();
                format!("Here is what I can help with:\n{}", lines.join("\n"))
            }
        };
        self.out.intent = Some(IntentInfo {
            name: "help".into(),
            confidence: 1.0,
            source: None,
        });
        self.say(&text);
    }

    /// Built-in small talk the project has no intent for, answered in the user's language.
    fn small_talk(&mut self, talk: &switchboard_nlu::SmallTalk, confidence: f32) {
        self.out.intent = Some(IntentInfo {
            name: talk.name.into(),
            confidence,
            source: None,
        });
        let text = talk.reply(self.conv.language.as_deref());
        self.say(text);
    }

    fn fallback(&mut self) {
        self.out.fallback = true;
        let fallback = self.engine.project.bot.fallback.clone();
        let text = self.render(&fallback);
        self.say(&text);
    }

    fn clear_transient_slots(&mut self, intent: &Intent) {
        for (name, slot) in &intent.slots {
            if !slot.carry_over {
                self.conv.slots.remove(name);
            }
        }
    }

    fn note_intent(&mut self, name: &str) {
        self.out.intent = Some(IntentInfo {
            name: name.to_string(),
            confidence: self.understood.confidence_of(name),
            source: self.understood.by_model.then_some("model"),
        });
    }

    fn base_context(&self) -> Map<String, Value> {
        context(self.conv, &self.turn_id)
    }

    fn render(&self, t: &switchboard_config::model::Template) -> String {
        respond::render(&self.engine.templates, t, &self.base_context())
    }

    fn say(&mut self, text: &str) {
        self.out.replies.push(super::ReplyText {
            text: text.to_string(),
            options: Vec::new(),
        });
    }

    /// Asks a yes-or-no question: channels with buttons show the two answers as buttons.
    fn ask_yes_no(&mut self, text: &str) {
        self.out.replies.push(super::ReplyText {
            text: text.to_string(),
            options: vec![words::YES.to_string(), words::NO.to_string()],
        });
    }
}

/// What a turn's templates see besides `steps`: slots, user, conversation and turn.
pub(super) fn context(conv: &Conversation, turn_id: &str) -> Map<String, Value> {
    let mut ctx = Map::new();
    ctx.insert("slots".into(), Value::Object(conv.slots.clone()));
    ctx.insert("user".into(), json!({ "id": conv.user_id }));
    ctx.insert(
        "conversation".into(),
        json!({ "id": conv.id, "language": conv.language }),
    );
    ctx.insert("turn".into(), json!({ "id": turn_id }));
    ctx
}

/// Pairs entity mentions with the intent's slots. When several slots take the same entity
/// ("from USD to INR"), mentions go to them in order (one inside an amount first); with fewer
/// mentions than slots, the slots that have a default give way first ("the euro rate" fills
/// the target, not the base).
fn assign_entities(intent: &Intent, understood: &Understood) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for slot in intent.slots.values() {
        let Some(entity) = slot.entity.as_deref() else {
            continue;
        };
        if seen.contains(&entity) {
            continue;
        }
        seen.push(entity);
        let mut mentions: Vec<_> = understood
            .entities
            .iter()
            .filter(|m| m.entity == entity)
            .collect();
        // In order, except that a mention inside an amount comes first: "how many rupees is
        // 100 dirhams" converts from dirhams, whatever is named before.
        let in_amount = |m: &EntityMatch| {
            understood
                .entities
                .iter()
                .any(|a| a.entity == "amount" && a.start <= m.start && m.end <= a.end)
        };
        mentions.sort_by_key(|m| (!in_amount(m), m.start));
        let slots: Vec<(&String, &switchboard_config::model::Slot)> = intent
            .slots
            .iter()
            .filter(|(_, s)| s.entity.as_deref() == Some(entity))
            .collect();
        let mut to_skip = slots.len().saturating_sub(mentions.len());
        let receivers = slots.into_iter().filter(|(_, s)| {
            if to_skip > 0 && s.default.is_some() {
                to_skip -= 1;
                false
            } else {
                true
            }
        });
        for ((name, _), mention) in receivers.zip(mentions) {
            out.push((name.clone(), mention.value.clone()));
        }
    }
    out
}

fn a_slot(name: &str) -> String {
    let words = name.replace('_', " ");
    let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {words}")
}
