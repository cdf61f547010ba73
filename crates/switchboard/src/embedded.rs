//! The demo project, embedded so `switchboard demo` needs nothing but the binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard_config::LoadOptions;

/// The file name the embedded project is reported under.
pub const DEMO_PROJECT: &str = "demo/switchboard.yaml";

const FILES: &[(&str, &str)] = &[
    (
        "demo/switchboard.yaml",
        include_str!("../../../examples/store/switchboard.yaml"),
    ),
    (
        "demo/secrets/store-api-key",
        include_str!("../../../examples/store/secrets/store-api-key"),
    ),
    (
        "demo/secrets/payments-webhook-secret",
        include_str!("../../../examples/store/secrets/payments-webhook-secret"),
    ),
    (
        "demo/secrets/platform-token",
        include_str!("../../../examples/store/secrets/platform-token"),
    ),
    (
        "demo/secrets/whatsapp-access-token",
        include_str!("../../../examples/store/secrets/whatsapp-access-token"),
    ),
    (
        "demo/secrets/whatsapp-app-secret",
        include_str!("../../../examples/store/secrets/whatsapp-app-secret"),
    ),
    (
        "demo/secrets/whatsapp-verify-token",
        include_str!("../../../examples/store/secrets/whatsapp-verify-token"),
    ),
    (
        "demo/secrets/telegram-bot-token",
        include_str!("../../../examples/store/secrets/telegram-bot-token"),
    ),
    (
        "demo/secrets/telegram-secret-token",
        include_str!("../../../examples/store/secrets/telegram-secret-token"),
    ),
    (
        "demo/secrets/slack-bot-token",
        include_str!("../../../examples/store/secrets/slack-bot-token"),
    ),
    (
        "demo/secrets/slack-signing-secret",
        include_str!("../../../examples/store/secrets/slack-signing-secret"),
    ),
    (
        "demo/secrets/twilio-auth-token",
        include_str!("../../../examples/store/secrets/twilio-auth-token"),
    ),
];

/// The demo's webhook signing secret (a documented demo value, not a secret): the demo
/// backend signs payment events with it and the demo bot verifies them.
pub fn demo_webhook_secret() -> &'static str {
    include_str!("../../../examples/store/secrets/payments-webhook-secret").trim_end()
}

/// The demo's Rasa and Dialogflow token (`X-Platform-Token`), a documented demo value.
pub fn demo_platform_token() -> &'static str {
    include_str!("../../../examples/store/secrets/platform-token").trim_end()
}

/// The demo WhatsApp channel's app secret (a documented demo value): `switchboard demo`
/// signs the message its printed `curl` posts with it.
pub fn demo_whatsapp_app_secret() -> &'static str {
    include_str!("../../../examples/store/secrets/whatsapp-app-secret").trim_end()
}

/// How `switchboard demo --llm-url` puts a language model in the demo bot.
#[derive(Debug, Clone)]
pub struct DemoModel {
    /// The OpenAI-compatible base URL (`…/v1`).
    pub url: String,
    /// The model name sent in each request.
    pub model: String,
    /// `understand` (the model understands when the classifier is unsure and words replies)
    /// or `agent` (the model runs the tool loop).
    pub agent: bool,
    /// The environment variable holding the API key; no auth when it is not set.
    pub key_env: Option<String>,
}

/// The file the model's connector is declared in, included by the demo project.
const MODEL_FILE: &str = "demo/llm.yaml";

/// Load options that read the embedded files instead of the disk, with a `type: llm` connector and an `llm` section
/// added when a model is given. They are written as project text, so the model goes
/// through the same loader and checks as a user's project.
pub fn with_model(model: Option<DemoModel>) -> LoadOptions {
    let extra = model.map(|m| model_files(&m));
    LoadOptions {
        read_file: Arc::new(move |path: &Path| {
            let wanted = normalise(path);
            if let Some((main_tail, connector)) = &extra {
                if wanted == Path::new(MODEL_FILE) {
                    return Ok(connector.clone());
                }
                if wanted == Path::new(DEMO_PROJECT) {
                    return Ok(format!("{}{main_tail}", FILES[0].1));
                }
            }
            FILES
                .iter()
                .find(|(name, _)| Path::new(name) == wanted)
                .map(|(_, text)| (*text).to_string())
                .ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("{} is not part of the demo", path.display()),
                    )
                })
        }),
        ..LoadOptions::default()
    }
}

/// The text appended to the demo project (`include` and `llm`, both absent from it) and the
/// included file declaring the model's connector. Values are written as JSON strings, which
/// YAML reads as double-quoted scalars, so no URL or name can break out of its key.
fn model_files(m: &DemoModel) -> (String, String) {
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    let auth = match &m.key_env {
        Some(name) if std::env::var_os(name).is_some() => format!(
            "\n    auth: {{ type: bearer, token: {} }}",
            quote(&format!("${{env:{name}}}"))
        ),
        _ => String::new(),
    };
    // The user named this address, so a name resolving to a private address (Ollama on
    // `localhost`, a vLLM on the LAN) is allowed, and so is plain http off loopback.
    let connector = format!(
        "connectors:\n  model:\n    type: llm\n    base_url: {}{auth}\n    timeout: 25s\n    allow_private_network: true\n    allow_insecure_http: true\n",
        quote(&m.url)
    );
    let modes = if m.agent {
        "[agent]"
    } else {
        "[understand, reply]\n  understand_when: unsure"
    };
    let main_tail = format!(
        "\ninclude: [llm.yaml]\nllm:\n  connector: model\n  model: {}\n  modes: {modes}\n  reply_timeout: 10s\n  system: \"You are the shop assistant of the demo store. Be brief and friendly.\"\n",
        quote(&m.model)
    );
    (main_tail, connector)
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
