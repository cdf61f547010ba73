//! `switchboard demo`: the demo backend and the demo bot on it, from the binary alone.

use super::RunArgs;
use crate::embedded;
use crate::exit;
use std::path::Path;
use std::process::ExitCode;
use switchboard_config::model::{ChannelKind, Verify};
use switchboard_demo_backend::{DemoBackend, Options, WebhookTarget};
use switchboard_runtime::server;

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address of the bot (chat API and web page).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Address of the demo backend.
    #[arg(long, default_value = "127.0.0.1:8081")]
    backend_listen: String,
    /// Serve the bot on a non-loopback address although the demo has no inbound auth
    /// (anyone who can reach the port can chat and read conversations).
    #[arg(long)]
    insecure_no_auth: bool,
    /// Put a language model in the demo bot: the base URL of any OpenAI-compatible API
    /// (`https://api.openai.com/v1`, Ollama's `http://localhost:11434/v1`, or the demo
    /// backend's offline stand-in `http://127.0.0.1:8081/model/v1`). Without it the demo
    /// uses its built-in classifier and templates only.
    #[arg(long, value_name = "URL")]
    llm_url: Option<String>,
    /// The model name sent to `--llm-url`.
    #[arg(long, default_value = "gpt-4o-mini", requires = "llm_url")]
    llm_model: String,
    /// `understand`: the model understands what the classifier is unsure of and words the
    /// replies; `agent`: the model picks the demo's tools itself (writes still need the
    /// user's yes).
    #[arg(long, value_enum, default_value_t = LlmMode::Understand, requires = "llm_url")]
    llm_mode: LlmMode,
    /// The environment variable holding the model API's key, sent as a bearer token when it
    /// is set.
    #[arg(long, default_value = "OPENAI_API_KEY", requires = "llm_url")]
    llm_key_env: String,
    #[command(flatten)]
    run: RunArgs,
}

/// How the demo uses the model of `--llm-url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LlmMode {
    Understand,
    Agent,
}

/// A model answers more slowly than the demo backend: the turn gets time for one model call
/// and the steps.
const MODEL_TURN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs both until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let listener = super::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    // The demo has no inbound auth: off loopback anyone could chat as any user and read
    // every conversation, so it refuses as `serve` does.
    if !addr.ip().is_loopback() {
        if !args.insecure_no_auth {
            anyhow::bail!(
                "refusing to serve the demo on {addr}: it has no inbound auth, so anyone who can reach it could chat and read conversations; listen on 127.0.0.1, or pass --insecure-no-auth"
            );
        }
        eprintln!("warning: serving the demo on {addr} with no inbound auth (--insecure-no-auth)");
    }
    let backend_listener = super::bind(&args.backend_listen).await?;
    let backend_addr = backend_listener.local_addr()?;

    let model = args.llm_url.clone().map(|url| embedded::DemoModel {
        url,
        model: args.llm_model.clone(),
        agent: args.llm_mode == LlmMode::Agent,
        key_env: Some(args.llm_key_env.clone()),
    });
    let mut project = super::load_project(
        Path::new(embedded::DEMO_PROJECT),
        &embedded::with_model(model),
    )?;
    if project.llm.is_some() {
        project.bot.turn_deadline = project.bot.turn_deadline.max(MODEL_TURN_DEADLINE);
    }
    // Every connector points at the demo backend: the store API, and each channel's send
    // API at the backend's fake of its platform. Twilio signs the URL it posts to, so the
    // SMS channel verifies against the address the bot really listens on.
    let model_connector = project.llm.as_ref().map(|l| l.connector.clone());
    for connector in project.connectors.values_mut() {
        if Some(&connector.name) == model_connector.as_ref() {
            continue;
        }
        let channel = project
            .channels
            .values()
            .find(|c| c.connector == connector.name);
        connector.base_url = match channel {
            Some(c) => format!("http://{backend_addr}/platforms/{}", c.kind.as_str()),
            None => format!("http://{backend_addr}/api/v2"),
        };
    }
    for channel in project.channels.values_mut() {
        if let ChannelKind::Twilio {
            verify: Verify::Twilio { url, .. },
            ..
        } = &mut channel.kind
        {
            *url = format!("http://{addr}/v1/channels/{}", channel.name);
        }
    }
    let services = args.run.build(project).await?;

    // The backend posts Stripe-signed payment and refund events to the bot's webhook source.
    let webhook_url = format!("http://{addr}/v1/webhooks/payments");
    let backend = DemoBackend::new(Options {
        webhook: Some(WebhookTarget {
            url: webhook_url.clone(),
            secret: embedded::demo_webhook_secret().to_string(),
        }),
        ..Options::default()
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut backend_stop = stop_rx.clone();
    let backend_task = tokio::spawn(backend.serve(backend_listener, async move {
        let _ = backend_stop.wait_for(|s| *s).await;
    }));

    println!("Switchboard demo is running.");
    println!("  web chat:      http://{addr}/");
    println!(
        "  chat API:      curl -s http://{addr}/v1/chat -d '{{\"user_id\":\"u1\",\"text\":\"where is my order 1001?\"}}' -H 'content-type: application/json'"
    );
    println!("  dashboard:     http://{addr}/dashboard (metrics at http://{addr}/metrics)");
    println!(
        "  demo backend:  http://{backend_addr}/api/v2 (X-Api-Key: demo-key), stats at http://{backend_addr}/admin/stats"
    );
    if let Some(rasa) = &services.project().rasa {
        println!(
            "  rasa actions:  http://{addr}{} (action_endpoint in Rasa's endpoints.yml, header X-Platform-Token: {})",
            rasa.path,
            embedded::demo_platform_token()
        );
    }
    if let Some(df) = &services.project().dialogflow {
        println!(
            "  dialogflow:    http://{addr}{} (ES), http://{addr}{} (CX), header X-Platform-Token: {}",
            df.es_path,
            df.cx_path,
            embedded::demo_platform_token()
        );
    }
    println!(
        "  webhooks:      http://{addr}/v1/webhooks/payments (stripe scheme, demo signing secret {})",
        embedded::demo_webhook_secret()
    );
    println!(
        "                 a refund in the web chat is followed by a proactive message; to settle a payment:\n                 curl -s -X POST http://{backend_addr}/admin/payments/PAY-1002/settle -d '{{\"user_id\":\"USER\"}}' (USER: the web chat's user, top right)"
    );
    println!(
        "                 proactive messages as server-sent events: curl -N http://{addr}/v1/users/USER/events"
    );
    println!(
        "  security:      the API is open (no inbound auth) because it listens on {}; requests must name a loopback host (Host: localhost or 127.0.0.1); the demo connectors call the backend over http on loopback, which their configuration allows",
        if addr.ip().is_loopback() {
            "loopback"
        } else {
            "a non-loopback address (--insecure-no-auth): anyone who can reach it can chat"
        }
    );
    if let Some(wa) = services
        .project()
        .channels
        .values()
        .find(|c| matches!(c.kind, ChannelKind::Whatsapp { .. }))
    {
        let body = demo_whatsapp_message(wa);
        let signature = switchboard_runtime::verify::meta_sign(
            embedded::demo_whatsapp_app_secret(),
            body.as_bytes(),
        );
        println!(
            "  channels:      WhatsApp, Telegram, Slack and SMS at http://{addr}/v1/channels/NAME; their send APIs are faked by the backend. A signed WhatsApp message from customer C42:\n                 curl -s http://{addr}/v1/channels/{} -H 'content-type: application/json' -H 'X-Hub-Signature-256: {signature}' -d '{body}'\n                 and the bot's answer as WhatsApp received it: curl -s http://{backend_addr}/admin/channels/whatsapp/sent",
            wa.name
        );
    }
    if let Some(llm) = &services.project().llm {
        let connector = &services.project().connectors[&llm.connector];
        println!(
            "  model:         {} at {} ({}); docs/llm.md says what each mode does",
            llm.model,
            connector.base_url,
            if llm.agent {
                "agent: the model picks the tools"
            } else {
                "understand when the classifier is unsure, and word the replies"
            }
        );
    }
    println!("Press Ctrl-C to stop.");

    let mut server_stop = stop_rx;
    let served = server::serve(listener, services.state(), async move {
        tokio::select! {
            () = super::shutdown_signal() => {}
            _ = server_stop.wait_for(|s| *s) => {}
        }
    })
    .await;
    let _ = stop_tx.send(true);
    let _ = backend_task.await;
    services.pipeline().flush_audit().await;
    served?;
    Ok(exit::OK)
}

/// A WhatsApp Cloud API delivery as Meta sends it: customer C42 (+971 50 000 0042) asks about
/// an order. The message id is new on every start, so the printed command works once per
/// run (a repeat is recognised and dropped, as a real redelivery would be).
fn demo_whatsapp_message(channel: &switchboard_config::model::Channel) -> String {
    let ChannelKind::Whatsapp {
        phone_number_id, ..
    } = &channel.kind
    else {
        return String::new();
    };
    let now = chrono::Utc::now().timestamp();
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": phone_number_id },
            "contacts": [{ "profile": { "name": "Aisha Khan" }, "wa_id": "971500000042" }],
            "messages": [{ "from": "971500000042", "id": format!("wamid.DEMO{now}"), "timestamp": now.to_string(),
                           "type": "text", "text": { "body": "where is my order 1001?" } }]
        }}]}]
    })
    .to_string()
}
