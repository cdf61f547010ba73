//! `agent` mode: the model gets the project's tools (the same definitions the tool gateway
//! offers) and runs a bounded loop: it asks for tool calls, the turn runs them through the
//! pipeline (several at once when it asks for several), hands back the results, and the model
//! answers. A tool that writes waits for the user: the turn stores the proposed call with its
//! exact arguments and asks yes or no; only the user's yes in a later message runs it (the
//! model cannot confirm for the user). Out of rounds or time, the turn says the fallback.

use super::dialogue::Outcome;
use super::model::{self, ModelTurn};
use super::tools::{Ran, check, run};
use super::{Engine, ReplyText, words};
use crate::catalog::ToolDef;
use crate::conversation::{Conversation, Pending};
use crate::llm::{AskError, Purpose, ToolCall};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

/// Said when the user declines a proposed tool call.
const DECLINED: &str = "OK, I haven't done that. What else can I do for you?";

/// Why the agent gave the turn back to the declarative dialogue.
pub(super) struct Unavailable;

/// Runs one agent turn. `Err` when the model could not be asked at all (down, over budget):
/// the caller lets the classifier and templates answer instead.
pub(super) async fn turn(
    engine: &Engine,
    conv: &mut Conversation,
    text: &str,
    mt: &mut ModelTurn<'_>,
    deadline: Instant,
) -> Result<Outcome, Unavailable> {
    let mut out = Outcome {
        replies: Vec::new(),
        intent: None,
        calls: Vec::new(),
        fallback: false,
    };
    let mut transcript = match conv.pending.take() {
        Some(Pending::Tool {
            tool,
            arguments,
            call_id,
            mut transcript,
        }) => match words::yes_no(text) {
            Some(true) => {
                let result = match engine.tool(&tool) {
                    Some(def) => {
                        let ran = run(engine, def, &arguments, Some(&conv.user_id)).await;
                        collect(&mut out, &ran);
                        payload(mt, &ran)
                    }
                    None => json!({"outcome": "unknown_tool"}).to_string(),
                };
                transcript.push(tool_message(&call_id, result));
                transcript
            }
            Some(false) => {
                say(&mut out, DECLINED);
                return Ok(out);
            }
            // Anything else: the proposal lapses and this is a new request.
            None => fresh(engine, conv, text),
        },
        other => {
            conv.pending = other.filter(|p| !matches!(p, Pending::Tool { .. }));
            if conv.pending.is_some() {
                // A declarative question is pending (from a turn the model was down for).
                return Err(Unavailable);
            }
            fresh(engine, conv, text)
        }
    };
    let tools: Vec<Value> = engine.catalog().all().iter().map(ToolDef::openai).collect();
    let rounds = engine
        .project
        .llm
        .as_ref()
        .map_or(1, |l| l.limits.tool_rounds);
    let mut round = 0;
    loop {
        // The last round offers no tools: the model must answer with what it has.
        let offered = if round < rounds {
            tools.clone()
        } else {
            Vec::new()
        };
        let answer = match mt
            .ask(
                Purpose::Agent,
                transcript.clone(),
                offered,
                None,
                true,
                deadline,
            )
            .await
        {
            Ok(a) => a,
            Err(AskError::OverBudget(_) | AskError::NotSent(_))
                if round == 0 && out.calls.is_empty() =>
            {
                return Err(Unavailable);
            }
            Err(AskError::Failed(r)) if round == 0 && out.calls.is_empty() && !r.is_ok() => {
                return Err(Unavailable);
            }
            Err(_) => return Ok(fallback(engine, conv, out)),
        };
        if answer.tool_calls.is_empty() {
            match answer.content.filter(|c| !c.trim().is_empty()) {
                Some(c) => say(&mut out, c.trim()),
                None => return Ok(fallback(engine, conv, out)),
            }
            return Ok(out);
        }
        if round >= rounds {
            return Ok(fallback(engine, conv, out));
        }
        round += 1;
        transcript.push(assistant_calls(
            answer.content.as_deref(),
            &answer.tool_calls,
        ));
        // Reads run now, together; the first write is proposed to the user.
        let mut now = Vec::new();
        let mut proposed: Option<(&ToolDef, Map<String, Value>, &ToolCall)> = None;
        let mut results: Vec<(String, String)> = Vec::new();
        for call in &answer.tool_calls {
            let Some(def) = engine.tool(&call.name) else {
                results.push((call.id.clone(), json!({"outcome": "unknown_tool", "message": format!("there is no tool {:?}", call.name)}).to_string()));
                continue;
            };
            let args = match serde_json::from_str::<Value>(&call.arguments) {
                Ok(Value::Object(m)) => m,
                _ => {
                    results.push((call.id.clone(), json!({"outcome": "invalid_arguments", "message": "the arguments are not a JSON object"}).to_string()));
                    continue;
                }
            };
            if let Err(message) = check(engine, def, &args) {
                results.push((
                    call.id.clone(),
                    json!({"outcome": "invalid_arguments", "message": message}).to_string(),
                ));
            } else if def.confirm {
                if proposed.is_none() {
                    proposed = Some((def, args, call));
                } else {
                    results.push((call.id.clone(), json!({"outcome": "not_run", "message": "one change at a time: propose it again after the user answers"}).to_string()));
                }
            } else {
                now.push((call, def, args));
            }
        }
        let user = conv.user_id.clone();
        let ran = futures::future::join_all(
            now.iter()
                .map(|(_, def, args)| run(engine, def, args, Some(&user))),
        )
        .await;
        for ((call, _, _), r) in now.iter().zip(&ran) {
            collect(&mut out, r);
            results.push((call.id.clone(), payload(mt, r)));
        }
        // Results in the order the model asked for them.
        for call in &answer.tool_calls {
            if let Some(at) = results.iter().position(|(id, _)| *id == call.id) {
                let (id, content) = results.remove(at);
                transcript.push(tool_message(&id, content));
            }
        }
        if let Some((def, args, call)) = proposed {
            let question = confirmation(def, &args);
            conv.pending = Some(Pending::Tool {
                tool: def.name.clone(),
                arguments: args,
                call_id: call.id.clone(),
                transcript,
            });
            out.replies.push(ReplyText {
                text: question,
                options: vec![words::YES.to_string(), words::NO.to_string()],
            });
            return Ok(out);
        }
    }
}

/// The messages a new request starts from: the system prompt with the agent's rules, the
/// recent history, the message.
fn fresh(engine: &Engine, conv: &Conversation, text: &str) -> Vec<Value> {
    let base = context(conv);
    let system = format!(
        "{}\n\nUse the tools to answer with live data; never invent data a tool could give. Call several tools at once when they do not depend on each other. Tools that change something are shown to the user for a yes or no before they run. If you cannot help, say so briefly.",
        model::system_prompt(&engine.project, &engine.templates, &base)
    );
    let mut messages = vec![json!({ "role": "system", "content": system })];
    messages.extend(model::history_messages(&conv.history));
    messages.push(json!({ "role": "user", "content": text }));
    messages
}

/// What the bot-wide templates see.
fn context(conv: &Conversation) -> Map<String, Value> {
    let mut base = Map::new();
    base.insert("slots".into(), Value::Object(conv.slots.clone()));
    base.insert("user".into(), json!({ "id": conv.user_id }));
    base.insert("conversation".into(), json!({ "id": conv.id }));
    base
}

fn assistant_calls(content: Option<&str>, calls: &[ToolCall]) -> Value {
    json!({
        "role": "assistant",
        "content": content,
        "tool_calls": calls.iter().map(|c| json!({
            "id": c.id,
            "type": "function",
            "function": { "name": c.name, "arguments": c.arguments },
        })).collect::<Vec<_>>(),
    })
}

fn tool_message(call_id: &str, content: String) -> Value {
    json!({ "role": "tool", "tool_call_id": call_id, "content": content })
}

/// A tool's result as the model reads it, with personal data behind placeholders.
fn payload(mt: &mut ModelTurn<'_>, ran: &Ran) -> String {
    let mut p = ran.payload();
    if let Some(model) = mt.model {
        model.redactor().mask_json(&mut p, &mut mt.masks);
    }
    p.to_string()
}

fn collect(out: &mut Outcome, ran: &Ran) {
    match ran {
        Ran::Called { record, .. } => out.calls.push(record.clone()),
        Ran::Intent(f) => out.calls.extend(f.calls.iter().cloned()),
        Ran::Invalid(_) => {}
    }
}

/// The question that asks the user to allow a write.
fn confirmation(def: &ToolDef, args: &Map<String, Value>) -> String {
    let shown: Vec<String> = args
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| format!("{} {}", k.replace('_', " "), super::respond::display(v)))
        .collect();
    let what = def.description.trim_end_matches('.');
    if shown.is_empty() {
        format!("I'd like to do this: {what}. Shall I go ahead?")
    } else {
        format!(
            "I'd like to do this: {what} ({}). Shall I go ahead?",
            shown.join(", ")
        )
    }
}

fn say(out: &mut Outcome, text: &str) {
    out.replies.push(ReplyText {
        text: text.to_string(),
        options: Vec::new(),
    });
}

fn fallback(engine: &Engine, conv: &Conversation, mut out: Outcome) -> Outcome {
    let base = context(conv);
    let text = super::respond::render(&engine.templates, &engine.project.bot.fallback, &base);
    out.fallback = true;
    say(&mut out, &text);
    out
}
