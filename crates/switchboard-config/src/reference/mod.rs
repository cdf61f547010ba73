//! Generates the project-file reference (`docs/reference.md`) and the JSON Schema for editors
//! (`docs/switchboard.schema.json`) from the raw types' doc comments, so the docs cannot drift
//! from the code: a test regenerates both and fails when the checked-in copies differ.

mod examples;
mod probe;
mod render;

use render::Renderer;

use crate::raw::{
    RawAlerts, RawAudit, RawAuth, RawBot, RawCache, RawChannel, RawChannelIdentity,
    RawCircuitBreaker, RawConnector, RawConnectorTelemetry, RawDialogflow, RawEntity,
    RawHealthCheck, RawInbound, RawInboundAuth, RawInboundConnections, RawInboundJwt,
    RawInboundKey, RawInboundLimit, RawInboundLimits, RawInboundStreams, RawInputSpec, RawIntent,
    RawLlm, RawLlmLimits, RawLlmPrices, RawObjectives, RawOperation, RawPoller, RawProject,
    RawRasa, RawRasaAction, RawRateLimit, RawRedact, RawReplyVariant, RawResponse, RawRetry,
    RawSlot, RawState, RawStep, RawStorage, RawTelemetry, RawToolSpec, RawTools, RawVerify,
    RawWebhookRoute, RawWebhookSource, RawWhatsappTemplate, RawWhenDown,
};
use serde_json::Value;
use std::fmt::Write;

/// The JSON Schema of a project file.
pub fn schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<RawProject>().to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), "Switchboard project file".into());
    }
    schema
}

/// The JSON Schema of a project file, pretty-printed.
pub fn json_schema() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// One section of the reference: a raw type's keys, with prose and an example.
struct Section {
    title: &'static str,
    /// The schema definition (`None` for the top level).
    def: Option<&'static str>,
    /// Keys in declaration order; for tagged enums, one list per variant.
    keys: Keys,
    intro: &'static str,
    example: &'static str,
}

enum Keys {
    Struct(&'static [&'static str]),
    Tagged(Vec<(&'static str, &'static [&'static str])>),
}

fn sections() -> Vec<Section> {
    use examples as ex;
    use probe::keys;
    let tagged = |variants: &[&'static str],
                  f: fn(Option<&'static str>) -> &'static [&'static str]| {
        Keys::Tagged(variants.iter().map(|v| (*v, f(Some(v)))).collect())
    };
    vec![
        Section {
            title: "Project file",
            def: None,
            keys: Keys::Struct(keys::<RawProject>(None)),
            intro: ex::PROJECT_INTRO,
            example: ex::PROJECT,
        },
        Section {
            title: "bot",
            def: Some("Bot"),
            keys: Keys::Struct(keys::<RawBot>(None)),
            intro: "",
            example: ex::BOT,
        },
        Section {
            title: "storage",
            def: Some("Storage"),
            keys: tagged(&["sqlite", "postgres"], keys::<RawStorage>),
            intro: "",
            example: ex::STORAGE,
        },
        Section {
            title: "state",
            def: Some("State"),
            keys: Keys::Struct(keys::<RawState>(None)),
            intro: ex::STATE_INTRO,
            example: ex::STATE,
        },
        Section {
            title: "state.when_down",
            def: Some("WhenDown"),
            keys: Keys::Struct(keys::<RawWhenDown>(None)),
            intro: "",
            example: ex::STATE_WHEN_DOWN,
        },
        Section {
            title: "connectors",
            def: Some("Connector"),
            keys: Keys::Struct(keys::<RawConnector>(None)),
            intro: ex::CONNECTORS_INTRO,
            example: ex::CONNECTORS,
        },
        Section {
            title: "auth",
            def: Some("Auth"),
            keys: tagged(
                &[
                    "none",
                    "api_key",
                    "bearer",
                    "basic",
                    "oauth2_client_credentials",
                    "oauth2_authorization_code",
                    "jwt",
                    "hmac",
                ],
                keys::<RawAuth>,
            ),
            intro: "",
            example: ex::AUTH,
        },
        Section {
            title: "operations",
            def: Some("Operation"),
            keys: Keys::Struct(keys::<RawOperation>(None)),
            intro: ex::OPERATIONS_INTRO,
            example: ex::OPERATIONS,
        },
        Section {
            title: "inputs",
            def: Some("InputSpec"),
            keys: Keys::Struct(keys::<RawInputSpec>(None)),
            intro: ex::INPUTS_INTRO,
            example: ex::INPUTS,
        },
        Section {
            title: "response",
            def: Some("Response"),
            keys: Keys::Struct(keys::<RawResponse>(None)),
            intro: "",
            example: ex::RESPONSE,
        },
        Section {
            title: "retry",
            def: Some("Retry"),
            keys: Keys::Struct(keys::<RawRetry>(None)),
            intro: ex::POLICIES_INTRO,
            example: ex::RETRY,
        },
        Section {
            title: "circuit_breaker",
            def: Some("CircuitBreaker"),
            keys: Keys::Struct(keys::<RawCircuitBreaker>(None)),
            intro: "",
            example: ex::CIRCUIT_BREAKER,
        },
        Section {
            title: "rate_limit",
            def: Some("RateLimit"),
            keys: Keys::Struct(keys::<RawRateLimit>(None)),
            intro: "",
            example: ex::RATE_LIMIT,
        },
        Section {
            title: "cache",
            def: Some("Cache"),
            keys: Keys::Struct(keys::<RawCache>(None)),
            intro: ex::CACHE_INTRO,
            example: ex::CACHE,
        },
        Section {
            title: "alerts",
            def: Some("Alerts"),
            keys: Keys::Struct(keys::<RawAlerts>(None)),
            intro: "",
            example: ex::ALERTS,
        },
        Section {
            title: "entities",
            def: Some("Entity"),
            keys: Keys::Struct(keys::<RawEntity>(None)),
            intro: "",
            example: ex::ENTITIES,
        },
        Section {
            title: "intents",
            def: Some("Intent"),
            keys: Keys::Struct(keys::<RawIntent>(None)),
            intro: ex::INTENTS_INTRO,
            example: ex::INTENTS,
        },
        Section {
            title: "slots",
            def: Some("Slot"),
            keys: Keys::Struct(keys::<RawSlot>(None)),
            intro: "",
            example: ex::SLOTS,
        },
        Section {
            title: "steps",
            def: Some("Step"),
            keys: Keys::Struct(keys::<RawStep>(None)),
            intro: ex::STEPS_INTRO,
            example: ex::STEPS,
        },
        Section {
            title: "replies",
            def: Some("ReplyVariant"),
            keys: Keys::Struct(keys::<RawReplyVariant>(None)),
            intro: ex::REPLIES_INTRO,
            example: ex::REPLIES,
        },
        Section {
            title: "rasa",
            def: Some("Rasa"),
            keys: Keys::Struct(keys::<RawRasa>(None)),
            intro: ex::RASA_INTRO,
            example: ex::RASA,
        },
        Section {
            title: "rasa actions",
            def: Some("RasaAction"),
            keys: Keys::Struct(keys::<RawRasaAction>(None)),
            intro: "",
            example: ex::RASA_ACTIONS,
        },
        Section {
            title: "dialogflow",
            def: Some("Dialogflow"),
            keys: Keys::Struct(keys::<RawDialogflow>(None)),
            intro: ex::DIALOGFLOW_INTRO,
            example: ex::DIALOGFLOW,
        },
        Section {
            title: "telemetry",
            def: Some("Telemetry"),
            keys: Keys::Struct(keys::<RawTelemetry>(None)),
            intro: ex::TELEMETRY_INTRO,
            example: ex::TELEMETRY,
        },
        Section {
            title: "telemetry audit",
            def: Some("Audit"),
            keys: Keys::Struct(keys::<RawAudit>(None)),
            intro: "",
            example: ex::TELEMETRY_AUDIT,
        },
        Section {
            title: "telemetry redact",
            def: Some("Redact"),
            keys: Keys::Struct(keys::<RawRedact>(None)),
            intro: "",
            example: ex::TELEMETRY_REDACT,
        },
        Section {
            title: "telemetry connectors",
            def: Some("ConnectorTelemetry"),
            keys: Keys::Struct(keys::<RawConnectorTelemetry>(None)),
            intro: "",
            example: ex::TELEMETRY_CONNECTORS,
        },
        Section {
            title: "health_check",
            def: Some("HealthCheck"),
            keys: Keys::Struct(keys::<RawHealthCheck>(None)),
            intro: "",
            example: "",
        },
        Section {
            title: "objectives",
            def: Some("Objectives"),
            keys: Keys::Struct(keys::<RawObjectives>(None)),
            intro: "",
            example: "",
        },
        Section {
            title: "platform auth",
            def: Some("InboundAuth"),
            keys: tagged(&["basic", "header"], keys::<RawInboundAuth>),
            intro: "",
            example: ex::PLATFORM_AUTH,
        },
        Section {
            title: "inbound",
            def: Some("Inbound"),
            keys: Keys::Struct(keys::<RawInbound>(None)),
            intro: ex::INBOUND_INTRO,
            example: ex::INBOUND,
        },
        Section {
            title: "inbound api_keys",
            def: Some("InboundKey"),
            keys: Keys::Struct(keys::<RawInboundKey>(None)),
            intro: "",
            example: ex::INBOUND_KEYS,
        },
        Section {
            title: "inbound jwt",
            def: Some("InboundJwt"),
            keys: Keys::Struct(keys::<RawInboundJwt>(None)),
            intro: "",
            example: ex::INBOUND_JWT,
        },
        Section {
            title: "inbound rate_limit",
            def: Some("InboundLimits"),
            keys: Keys::Struct(keys::<RawInboundLimits>(None)),
            intro: "",
            example: ex::INBOUND_LIMITS,
        },
        Section {
            title: "inbound rate",
            def: Some("InboundLimit"),
            keys: Keys::Struct(keys::<RawInboundLimit>(None)),
            intro: "",
            example: ex::INBOUND_RATE,
        },
        Section {
            title: "inbound connections",
            def: Some("InboundConnections"),
            keys: Keys::Struct(keys::<RawInboundConnections>(None)),
            intro: ex::INBOUND_CONNECTIONS_INTRO,
            example: ex::INBOUND_CONNECTIONS,
        },
        Section {
            title: "inbound streams",
            def: Some("InboundStreams"),
            keys: Keys::Struct(keys::<RawInboundStreams>(None)),
            intro: "",
            example: ex::INBOUND_STREAMS,
        },
        Section {
            title: "webhooks",
            def: Some("WebhookSource"),
            keys: Keys::Struct(keys::<RawWebhookSource>(None)),
            intro: ex::WEBHOOKS_INTRO,
            example: ex::WEBHOOKS,
        },
        Section {
            title: "webhook routes",
            def: Some("WebhookRoute"),
            keys: Keys::Struct(keys::<RawWebhookRoute>(None)),
            intro: ex::WEBHOOK_ROUTES_INTRO,
            example: ex::WEBHOOK_ROUTES,
        },
        Section {
            title: "webhook verification",
            def: Some("WebhookVerify"),
            keys: tagged(
                &[
                    "stripe",
                    "standard_webhooks",
                    "github",
                    "shopify",
                    "slack",
                    "twilio",
                    "meta",
                    "hmac",
                ],
                keys::<RawVerify>,
            ),
            intro: ex::WEBHOOK_VERIFY_INTRO,
            example: ex::WEBHOOK_VERIFY,
        },
        Section {
            title: "pollers",
            def: Some("Poller"),
            keys: Keys::Struct(keys::<RawPoller>(None)),
            intro: ex::POLLERS_INTRO,
            example: ex::POLLERS,
        },
        Section {
            title: "channels",
            def: Some("Channel"),
            keys: tagged(
                &["whatsapp", "telegram", "slack", "twilio"],
                keys::<RawChannel>,
            ),
            intro: ex::CHANNELS_INTRO,
            example: ex::CHANNELS,
        },
        Section {
            title: "channel identity",
            def: Some("ChannelIdentity"),
            keys: Keys::Struct(keys::<RawChannelIdentity>(None)),
            intro: ex::CHANNEL_IDENTITY_INTRO,
            example: ex::CHANNEL_IDENTITY,
        },
        Section {
            title: "whatsapp template",
            def: Some("WhatsappTemplate"),
            keys: Keys::Struct(keys::<RawWhatsappTemplate>(None)),
            intro: "",
            example: ex::WHATSAPP_TEMPLATE,
        },
        Section {
            title: "tools",
            def: Some("Tools"),
            keys: Keys::Struct(keys::<RawTools>(None)),
            intro: ex::TOOLS_INTRO,
            example: ex::TOOLS,
        },
        Section {
            title: "tool",
            def: Some("ToolSpec"),
            keys: Keys::Struct(keys::<RawToolSpec>(None)),
            intro: ex::TOOL_INTRO,
            example: ex::TOOL,
        },
        Section {
            title: "llm",
            def: Some("Llm"),
            keys: Keys::Struct(keys::<RawLlm>(None)),
            intro: ex::LLM_INTRO,
            example: ex::LLM,
        },
        Section {
            title: "llm.limits",
            def: Some("LlmLimits"),
            keys: Keys::Struct(keys::<RawLlmLimits>(None)),
            intro: "",
            example: ex::LLM_LIMITS,
        },
        Section {
            title: "llm.prices",
            def: Some("LlmPrices"),
            keys: Keys::Struct(keys::<RawLlmPrices>(None)),
            intro: "",
            example: ex::LLM_PRICES,
        },
    ]
}

/// The markdown reference.
pub fn markdown() -> String {
    let r = Renderer { schema: schema() };
    let sections = sections();
    let mut out = String::new();
    out.push_str(examples::HEADER.trim_start());
    out.push_str("\n## Contents\n\n");
    for s in &sections {
        let _ = writeln!(out, "- [{}](#{})", s.title, anchor(s.title));
    }
    for t in [
        "Durations",
        "Templates",
        "Expressions",
        "Value templates",
        "Secret references",
        "JSONPath",
        "Outcomes",
    ] {
        let _ = writeln!(out, "- [{t}](#{})", anchor(t));
    }
    out.push('\n');
    for s in &sections {
        r.section(&mut out, s);
    }
    r.value_types(&mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A GitHub heading anchor.
fn anchor(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The ```yaml blocks of a markdown text that start with `# project`: complete projects.
pub fn project_examples(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim() == "```yaml" => current = Some(String::new()),
            Some(block) if line.trim() == "```" => {
                if block.starts_with("# project") {
                    out.push(std::mem::take(block));
                }
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    out
}
