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

/// Load options that read the embedded files instead of the disk.
pub fn demo_load_options() -> LoadOptions {
    LoadOptions {
        read_file: Arc::new(|path: &Path| {
            let wanted = normalise(path);
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
