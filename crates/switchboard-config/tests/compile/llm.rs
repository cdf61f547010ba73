//! The `llm` section and `type: llm` connectors.

use crate::common::{check, project};
use switchboard_config::model::{CHAT_OPERATION, UnderstandWhen};

#[test]
fn a_model_connector_gets_its_chat_operation_and_the_section_its_defaults() {
    let p = project(
        "connectors:
  openai:
    type: llm
    base_url: https://api.openai.com/v1
    auth: { type: bearer, token: \"${env:API_KEY}\" }
intents:
  hi:
    examples: [hello, hi there, good morning]
    reply: Hi
    llm_reply: false
llm:
  connector: openai
  model: gpt-4o-mini
",
    );
    let chat = &p.connectors["openai"].operations[CHAT_OPERATION];
    assert!(chat.chat_completions);
    assert_eq!(chat.path.source, "/chat/completions");
    assert_eq!(chat.method, switchboard_config::model::Method::Post);
    assert_eq!(
        chat.policy.idempotency_key.as_deref(),
        Some("Idempotency-Key"),
        "so a 429 or 5xx is tried again"
    );
    assert_eq!(
        p.connectors["openai"].tools,
        Some(false),
        "a model is no tool"
    );
    let llm = p.llm.as_ref().unwrap();
    assert_eq!(llm.understand, Some(UnderstandWhen::Unsure));
    assert!(!llm.agent && !llm.reply && llm.stream);
    assert_eq!(llm.limits.tool_rounds, 4);
    assert_eq!(llm.limits.max_tokens, 512);
    assert_eq!(llm.reply_timeout, std::time::Duration::from_secs(3));
    assert_eq!(p.intents["hi"].llm_reply, Some(false));
}

#[test]
fn mistakes_in_the_llm_section_are_errors_with_their_place() {
    check(
        "connectors:
  api:
    base_url: https://api.example.com
    operations:
      a: { path: /a }
  model:
    type: llm
    base_url: https://api.openai.com/v1
    operations:
      chat: { path: /chat }
intents:
  hi:
    examples: [hello, hi there, good morning]
    reply: Hi
llm:
  connector: api
  model: \" \"
  modes: [understand, agent]
  temperature: 3
  limits: { tool_rounds: 0 }
  prices: { input: -1, output: 1 }
",
        "switchboard.yaml:10:7: a type: llm connector's one operation, \"chat\", is built in (it posts to /chat/completions); remove operations
         switchboard.yaml:16:14: connector \"api\" is not a language model; give it type: llm (its chat operation is then built in)
         switchboard.yaml:17:10: model must name the provider's model, such as gpt-4o-mini
         switchboard.yaml:18:11: modes understand and agent exclude each other: an agent understands the message itself; keep one
         switchboard.yaml:19:16: temperature must be between 0 and 2, found 3
         switchboard.yaml:20:26: tool_rounds must be more than 0
         switchboard.yaml:21:20: a price must be 0 or more, found -1",
    );
}

#[test]
fn an_unknown_connector_gets_a_suggestion_and_llm_reply_needs_the_section() {
    check(
        "connectors:
  openai:
    type: llm
    base_url: https://api.openai.com/v1
intents:
  hi:
    examples: [hello, hi there, good morning]
    reply: Hi
llm:
  connector: opneai
  model: m
",
        "switchboard.yaml:10:14: llm uses connector \"opneai\", which is not defined (did you mean \"openai\"?)",
    );
    check(
        "intents:
  hi:
    examples: [hello, hi there, good morning]
    reply: Hi
    llm_reply: true
",
        "switchboard.yaml:2:3: intent \"hi\" has llm_reply: true but the project has no llm section; add llm: { connector, model }",
    );
}

#[test]
fn a_model_not_on_https_is_a_warning() {
    check(
        "connectors:
  local:
    type: llm
    base_url: http://127.0.0.1:11434/v1
intents:
  hi:
    examples: [hello, hi there, good morning]
    reply: Hi
llm:
  connector: local
  model: llama3.1
",
        "switchboard.yaml:10:14: warning: the model connector \"local\" is not on HTTPS (http://127.0.0.1:11434/v1): users' messages and your data travel to it unencrypted; use https:// unless the model runs on this machine",
    );
}
