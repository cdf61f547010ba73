//! Messaging channels end to end: the demo project's WhatsApp, Telegram, Slack and SMS
//! channels served on 127.0.0.1:0, deliveries built and signed by each platform's own library
//! (`sign.py` through pywa, python-telegram-bot, slack_sdk and twilio), answers read from the
//! demo backend's fakes of the platforms' send APIs. Refusals, repeats, send failures, the
//! WhatsApp 24-hour window (on the channels' clock), proactive messages to the channel the
//! user last wrote from, order within a chat, and Slack acknowledged while the upstream hangs.

mod python;

use crate::common;
use python::{Signed, sign};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use switchboard_config::model::{ChannelKind, Verify};
use switchboard_demo_backend::DemoBackend;
use switchboard_runtime::app::Services;
use switchboard_runtime::channels::Channels;
use switchboard_runtime::storage::channels::QueueStatus;

/// The demo's channel secrets (`examples/store/secrets/`).
const WA_SECRET: &str = "demo-whatsapp-app-secret";
const WA_PHONE_ID: &str = "106540352242922";
const TG_SECRET: &str = "demo-telegram-secret-token";
const SLACK_SECRET: &str = "demo-slack-signing-secret";
const TWILIO_TOKEN: &str = "demo-twilio-auth-token";
/// Customer C42's phone number in the demo backend.
const AISHA: &str = "971500000042";

/// The demo bot with its channels, served; its backend; where Twilio posts.
struct ChannelBot {
    url: String,
    services: Services,
    backend: DemoBackend,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn bot() -> ChannelBot {
    let (backend_addr, backend) = common::backend().await;
    bot_on(backend_addr, backend, |_| {}).await
}

async fn bot_on(
    backend_addr: SocketAddr,
    backend: DemoBackend,
    change: impl FnOnce(&mut switchboard_config::Project),
) -> ChannelBot {
    let mut project = common::store_project(backend_addr);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Twilio signs the URL it posts to: the one this bot listens on.
    for c in project.channels.values_mut() {
        if let ChannelKind::Twilio {
            verify: Verify::Twilio { url: signed, .. },
            ..
        } = &mut c.kind
        {
            *signed = format!("{url}/v1/channels/{}", c.name);
        }
    }
    change(&mut project);
    let dir = tempfile::tempdir().unwrap();
    let services = switchboard_runtime::app::build(project, dir.path(), None)
        .await
        .expect("services build");
    tokio::spawn(switchboard_runtime::server::serve(
        listener,
        services.state(),
        std::future::pending(),
    ));
    ChannelBot {
        url,
        services,
        backend,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl ChannelBot {
    fn channels(&self) -> &std::sync::Arc<Channels> {
        self.services
            .channels
            .as_ref()
            .expect("the demo has channels")
    }

    async fn post(&self, channel: &str, d: &Signed) -> (u16, String) {
        let mut req = self
            .http
            .post(format!("{}/v1/channels/{channel}", self.url))
            .body(d.body.clone());
        for (k, v) in &d.headers {
            req = req.header(k, v);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// Waits until the fake of `platform` has been sent `n` messages (at most 20 s).
    async fn sent(&self, platform: &str, n: usize) -> Vec<Value> {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let sent = self.backend.sent(platform);
            if sent.len() >= n {
                return sent;
            }
            assert!(
                Instant::now() < until,
                "{platform}: {} of {n} messages sent: {sent:?}",
                sent.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until a stored message is settled, and returns how.
    async fn settled(&self, channel: &str, id: &str) -> QueueStatus {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let status = self.channels().store().status(channel, id).await.unwrap();
            if let Some(s) = status.filter(|s| *s != QueueStatus::Pending) {
                return s;
            }
            assert!(Instant::now() < until, "{channel} {id} is still {status:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn metric(&self, needle: &str) -> f64 {
        let text = self
            .http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find(|l| l.starts_with(needle))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }
}

fn whatsapp(id: &str, from: &str, text: &str) -> Signed {
    sign(&[
        "whatsapp",
        "--app-secret",
        WA_SECRET,
        "--phone-number-id",
        WA_PHONE_ID,
        "--from",
        from,
        "--id",
        id,
        "--text",
        text,
    ])
}

fn telegram(update_id: u32, chat: &str, text: &str) -> Signed {
    sign(&[
        "telegram",
        "--secret-token",
        TG_SECRET,
        "--update-id",
        &update_id.to_string(),
        "--chat-id",
        chat,
        "--text",
        text,
    ])
}

fn slack(event_id: &str, text: &str, extra: &[&str]) -> Signed {
    let mut args = vec![
        "slack",
        "--signing-secret",
        SLACK_SECRET,
        "--event-id",
        event_id,
        "--team",
        "T0001",
        "--user",
        "U0001",
        "--channel",
        "D0001",
        "--text",
        text,
    ];
    args.extend_from_slice(extra);
    sign(&args)
}

fn sms(bot: &ChannelBot, sid: &str, text: &str) -> Signed {
    sign(&[
        "twilio",
        "--auth-token",
        TWILIO_TOKEN,
        "--url",
        &format!("{}/v1/channels/sms", bot.url),
        "--sid",
        sid,
        "--from",
        "+971500000043",
        "--to",
        "+15550001111",
        "--text",
        text,
    ])
}

#[tokio::test]
async fn a_whatsapp_message_is_answered_on_whatsapp_as_the_customer_it_maps_to() {
    let bot = bot().await;
    let (status, body) = bot
        .post(
            "whatsapp",
            &whatsapp("wamid.A1", AISHA, "where is my order 1001?"),
        )
        .await;
    assert_eq!((status, body.as_str()), (200, r#"{"ok":true}"#));
    let sent = bot.sent("whatsapp", 1).await;
    assert_eq!(sent[0]["to"], AISHA);
    assert_eq!(sent[0]["phone_number_id"], WA_PHONE_ID);
    let text = sent[0]["text"].as_str().unwrap();
    // The phone number found customer C42 (Aisha): the reply greets her by name.
    assert!(text.contains("Aisha") && text.contains("1001"), "{text}");
    assert_eq!(bot.settled("whatsapp", "wamid.A1").await, QueueStatus::Done);
    assert_eq!(
        bot.metric(
            r#"switchboard_channel_messages_total{channel="whatsapp",kind="reply",outcome="sent"}"#
        )
        .await,
        1.0
    );
}

#[tokio::test]
async fn a_whatsapp_status_callback_is_counted_and_never_a_message() {
    let bot = bot().await;
    let d = sign(&[
        "whatsapp",
        "--app-secret",
        WA_SECRET,
        "--phone-number-id",
        WA_PHONE_ID,
        "--from",
        AISHA,
        "--id",
        "wamid.OUT1",
        "--status",
        "read",
    ]);
    assert_eq!(bot.post("whatsapp", &d).await.0, 200);
    assert_eq!(
        bot.metric(r#"switchboard_channel_statuses_total{channel="whatsapp",status="read"}"#)
            .await,
        1.0
    );
    assert_eq!(
        bot.channels()
            .store()
            .status("whatsapp", "wamid.OUT1")
            .await
            .unwrap(),
        None
    );
    assert!(bot.backend.sent("whatsapp").is_empty());
}

#[tokio::test]
async fn the_whatsapp_handshake_answers_only_the_verify_token() {
    let bot = bot().await;
    let get = |token: &str| {
        bot.http
            .get(format!("{}/v1/channels/whatsapp", bot.url))
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let ok = get("demo-whatsapp-verify-token").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(get("wrong").await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_telegram_message_and_a_tapped_button_are_answered_in_the_chat() {
    let bot = bot().await;
    // A confirmation question comes with Yes and No as an inline keyboard.
    let (status, _) = bot
        .post(
            "telegram",
            &telegram(1001, "424242", "I want a refund for PAY-1001"),
        )
        .await;
    assert_eq!(status, 200);
    let sent = bot.sent("telegram", 1).await;
    assert_eq!(sent[0]["to"], 424242);
    let keyboard = &sent[0]["message"]["reply_markup"]["inline_keyboard"];
    assert_eq!(keyboard[0][0]["text"], "Yes", "{}", sent[0]);
    assert_eq!(keyboard[1][0]["callback_data"], "No");
    // The user taps "No": a callback query, answered in the same chat.
    let tap = sign(&[
        "telegram",
        "--secret-token",
        TG_SECRET,
        "--update-id",
        "1002",
        "--chat-id",
        "424242",
        "--text",
        sent[0]["text"].as_str().unwrap(),
        "--callback-data",
        "No",
    ]);
    assert_eq!(bot.post("telegram", &tap).await.0, 200);
    let sent = bot.sent("telegram", 2).await;
    assert_eq!(sent[1]["to"], 424242);
    assert!(
        sent[1]["text"].as_str().unwrap().contains("won't"),
        "{}",
        sent[1]
    );
    // No refund was made.
    assert_eq!(
        bot.backend
            .stats()
            .calls(switchboard_demo_backend::Route::Refunds),
        0
    );
}

#[tokio::test]
async fn a_slack_message_in_a_thread_is_answered_in_the_thread_and_the_bots_own_is_ignored() {
    let bot = bot().await;
    let d = slack(
        "Ev1",
        "<@U0BOT> where is my order 1003?",
        &["--thread-ts", "1700000000.000100"],
    );
    assert_eq!(bot.post("slack", &d).await.0, 200);
    let sent = bot.sent("slack", 1).await;
    assert_eq!(sent[0]["to"], "D0001");
    assert_eq!(sent[0]["thread_ts"], "1700000000.000100");
    assert!(
        sent[0]["text"].as_str().unwrap().contains("1003"),
        "{}",
        sent[0]
    );
    // The bot's own message (bot_id) is acknowledged and not answered.
    let own = slack(
        "Ev2",
        "Your order 1003 was delivered.",
        &["--bot-id", "B0001"],
    );
    assert_eq!(bot.post("slack", &own).await.0, 200);
    assert_eq!(
        bot.channels().store().status("slack", "Ev2").await.unwrap(),
        None
    );
    // url_verification is answered with its challenge.
    let v = sign(&[
        "slack-url-verification",
        "--signing-secret",
        SLACK_SECRET,
        "--challenge",
        "abc123XYZ",
    ]);
    let (status, body) = bot.post("slack", &v).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({ "challenge": "abc123XYZ" })
    );
}

#[tokio::test]
async fn slack_is_acknowledged_in_well_under_three_seconds_while_the_upstream_takes_ten() {
    let bot = bot().await;
    bot.backend.set_delay_ms(10_000);
    let d = slack("Ev10", "where is my order 1001?", &[]);
    let started = Instant::now();
    assert_eq!(bot.post("slack", &d).await.0, 200);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "acknowledged after {took:?}");
    // The turn runs after the acknowledgement: the order lookup times out and the user gets
    // the intent's error reply, once the backend answers again.
    bot.backend.set_delay_ms(0);
    let sent = bot.sent("slack", 1).await;
    assert!(!sent[0]["text"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn an_sms_is_answered_through_the_messages_api_and_acknowledged_with_empty_twiml() {
    let bot = bot().await;
    let (status, body) = bot
        .post(
            "sms",
            &sms(
                &bot,
                "SM00000000000000000000000000000001",
                "where is my order 1002?",
            ),
        )
        .await;
    assert_eq!(status, 200);
    // Twilio's own library's empty answer and ours mean the same: no <Message>.
    let twiml = sign(&["twiml-empty"]).body;
    let normal = |s: &str| s.replace(' ', "");
    assert_eq!(normal(&body), normal(&twiml));
    let sent = bot.sent("twilio", 1).await;
    assert_eq!(sent[0]["to"], "+971500000043");
    assert_eq!(sent[0]["from"], "+15550001111");
    let text = sent[0]["text"].as_str().unwrap();
    // +971500000043 is customer C43 (Omar).
    assert!(text.contains("Omar") && text.contains("1002"), "{text}");
    // A status callback is counted, never a message.
    let status_cb = sign(&[
        "twilio",
        "--auth-token",
        TWILIO_TOKEN,
        "--url",
        &format!("{}/v1/channels/sms", bot.url),
        "--sid",
        "SM00000000000000000000000000000002",
        "--from",
        "+15550001111",
        "--to",
        "+971500000043",
        "--status",
        "delivered",
    ]);
    assert_eq!(bot.post("sms", &status_cb).await.0, 200);
    assert_eq!(
        bot.metric(r#"switchboard_channel_statuses_total{channel="sms",status="delivered"}"#)
            .await,
        1.0
    );
}

#[tokio::test]
async fn tampered_unsigned_stale_and_misaddressed_deliveries_are_refused_with_nothing_run() {
    let bot = bot().await;
    let mut tampered = whatsapp("wamid.T1", AISHA, "where is my order 1001?");
    tampered.body = tampered.body.replace("1001", "1003");
    let mut unsigned = telegram(7, "5", "hi");
    unsigned
        .headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("x-telegram-bot-api-secret-token"));
    let mut wrong_secret = telegram(8, "5", "hi");
    for (k, v) in &mut wrong_secret.headers {
        if k.eq_ignore_ascii_case("x-telegram-bot-api-secret-token") {
            *v = "another-secret".into();
        }
    }
    let stale_ts = (chrono::Utc::now().timestamp() - 600).to_string();
    let stale = slack("Ev20", "hi", &["--timestamp", &stale_ts]);
    // Signed for another URL (a proxy that rewrote it, or a replay to another bot).
    let elsewhere = sign(&[
        "twilio",
        "--auth-token",
        TWILIO_TOKEN,
        "--url",
        "https://elsewhere.example/v1/channels/sms",
        "--sid",
        "SM00000000000000000000000000000009",
        "--from",
        "+15551234567",
        "--to",
        "+15550001111",
        "--text",
        "hi",
    ]);
    for (channel, d) in [
        ("whatsapp", &tampered),
        ("telegram", &unsigned),
        ("telegram", &wrong_secret),
        ("slack", &stale),
        ("sms", &elsewhere),
    ] {
        let (status, body) = bot.post(channel, d).await;
        assert_eq!(status, 401, "{channel}: {body}");
        assert!(body.contains("bad_signature"), "{body}");
    }
    let store = bot.channels().store();
    for (channel, id) in [
        ("whatsapp", "wamid.T1"),
        ("telegram", "7"),
        ("telegram", "8"),
        ("slack", "Ev20"),
        ("sms", "SM00000000000000000000000000000009"),
    ] {
        assert_eq!(
            store.status(channel, id).await.unwrap(),
            None,
            "{channel} {id}"
        );
    }
    assert_eq!(bot.backend.stats().total, 0, "nothing reached an upstream");
    assert_eq!(
        bot.metric(
            r#"switchboard_channel_deliveries_total{channel="telegram",receipt="rejected"}"#
        )
        .await,
        2.0
    );
}

#[tokio::test]
async fn repeated_deliveries_are_answered_once() {
    let bot = bot().await;
    let wa = whatsapp("wamid.R1", AISHA, "where is my order 1001?");
    let first = slack("Ev30", "where is my order 1001?", &[]);
    // Slack's retry of the same event: a new signature, the same event_id.
    let retry = slack("Ev30", "where is my order 1001?", &["--retry-num", "1"]);
    for _ in 0..3 {
        assert_eq!(bot.post("whatsapp", &wa).await.0, 200);
    }
    assert_eq!(bot.post("slack", &first).await.0, 200);
    assert_eq!(bot.post("slack", &retry).await.0, 200);
    assert_eq!(bot.settled("whatsapp", "wamid.R1").await, QueueStatus::Done);
    assert_eq!(bot.settled("slack", "Ev30").await, QueueStatus::Done);
    assert_eq!(bot.backend.sent("whatsapp").len(), 1);
    assert_eq!(bot.backend.sent("slack").len(), 1);
    assert_eq!(
        bot.metric(
            r#"switchboard_channel_deliveries_total{channel="whatsapp",receipt="duplicate"}"#
        )
        .await,
        2.0
    );
}

#[tokio::test]
async fn a_failing_send_api_is_retried_and_when_it_gives_up_counted_and_audited() {
    let bot = bot().await;
    // Two 503s: the pipeline's retries get the reply through.
    bot.backend
        .set_fault("whatsapp_send=503:2".parse().unwrap());
    assert_eq!(
        bot.post(
            "whatsapp",
            &whatsapp("wamid.F1", AISHA, "where is my order 1001?")
        )
        .await
        .0,
        200
    );
    assert_eq!(bot.sent("whatsapp", 1).await.len(), 1);
    assert_eq!(bot.settled("whatsapp", "wamid.F1").await, QueueStatus::Done);
    assert_eq!(
        bot.metric(
            r#"switchboard_upstream_retries_total{connector="channel_whatsapp",operation="send"}"#
        )
        .await,
        2.0
    );
    // Down for good: the message is given up on, counted and audited; the turn is not rerun.
    bot.backend.set_fault("whatsapp_send=500".parse().unwrap());
    assert_eq!(
        bot.post(
            "whatsapp",
            &whatsapp("wamid.F2", AISHA, "where is my order 1003?")
        )
        .await
        .0,
        200
    );
    assert_eq!(
        bot.settled("whatsapp", "wamid.F2").await,
        QueueStatus::Failed
    );
    assert_eq!(
        bot.metric(r#"switchboard_channel_messages_total{channel="whatsapp",kind="reply",outcome="failed"}"#)
            .await,
        1.0
    );
    bot.services.pipeline().flush_audit().await;
    let audit: Value = bot
        .http
        .get(format!("{}/v1/admin/audit?limit=1000", bot.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let failed: Vec<&Value> = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["connector"] == "channel_whatsapp" && r["status"] == 500)
        .collect();
    assert_eq!(failed.len(), 3, "three attempts audited: {audit}");
    assert_eq!(
        bot.backend
            .stats()
            .calls(switchboard_demo_backend::Route::Orders),
        2,
        "each turn ran once"
    );
}

/// Posts a Stripe-signed payment event for `user` to the demo's payments webhook.
async fn payment_for(bot: &ChannelBot, id: &str, user: &str) {
    let body = json!({
        "id": id, "type": "payment_intent.succeeded", "created": chrono::Utc::now().timestamp(),
        "data": { "object": { "id": "PAY-9", "amount": 1250, "currency": "aed", "metadata": { "user_id": user } } }
    })
    .to_string();
    let signature = switchboard_runtime::verify::stripe_sign(
        "whsec_switchboard_demo_payments",
        chrono::Utc::now().timestamp(),
        body.as_bytes(),
    );
    let res = bot
        .http
        .post(format!("{}/v1/webhooks/payments", bot.url))
        .header("Stripe-Signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn proactive_messages_follow_the_whatsapp_window_at_23_59_and_24_01() {
    let bot = bot().await;
    assert_eq!(
        bot.post("whatsapp", &whatsapp("wamid.W1", AISHA, "hi"))
            .await
            .0,
        200
    );
    bot.sent("whatsapp", 1).await;
    let clock = bot.channels().clock();
    // 23:59 after her message: free text.
    clock.advance(Duration::from_secs(23 * 3600 + 59 * 60));
    payment_for(&bot, "evt_w1", "C42").await;
    let sent = bot.sent("whatsapp", 2).await;
    assert_eq!(sent[1]["type"], "text", "{}", sent[1]);
    assert!(sent[1]["text"].as_str().unwrap().contains("Payment PAY-9"));
    // 24:01: outside the window, the configured template with the text as its parameter.
    clock.advance(Duration::from_secs(2 * 60));
    payment_for(&bot, "evt_w2", "C42").await;
    let sent = bot.sent("whatsapp", 3).await;
    assert_eq!(sent[2]["type"], "template", "{}", sent[2]);
    assert_eq!(sent[2]["message"]["template"]["name"], "order_update");
    assert!(sent[2]["text"].as_str().unwrap().contains("Payment PAY-9"));
}

#[tokio::test]
async fn outside_the_window_without_a_template_nothing_is_sent_and_it_is_counted() {
    let (addr, backend) = common::backend().await;
    let bot = bot_on(addr, backend, |p| {
        if let Some(ChannelKind::Whatsapp { template, .. }) =
            p.channels.get_mut("whatsapp").map(|c| &mut c.kind)
        {
            *template = None;
        }
    })
    .await;
    assert_eq!(
        bot.post("whatsapp", &whatsapp("wamid.N1", AISHA, "hi"))
            .await
            .0,
        200
    );
    bot.sent("whatsapp", 1).await;
    bot.channels()
        .clock()
        .advance(Duration::from_secs(24 * 3600 + 60));
    payment_for(&bot, "evt_n1", "C42").await;
    assert_eq!(
        bot.settled("whatsapp", "proactive:payments:evt_n1").await,
        QueueStatus::Failed
    );
    assert_eq!(
        bot.backend.sent("whatsapp").len(),
        1,
        "no message outside the window"
    );
    assert_eq!(
        bot.metric(r#"switchboard_channel_messages_total{channel="whatsapp",kind="proactive",outcome="outside_window"}"#)
            .await,
        1.0
    );
}

#[tokio::test]
async fn a_proactive_message_goes_to_the_channel_the_user_last_wrote_from() {
    let bot = bot().await;
    // Omar writes by SMS, then the payment webhook names him (C43).
    assert_eq!(
        bot.post(
            "sms",
            &sms(&bot, "SM00000000000000000000000000000003", "hello")
        )
        .await
        .0,
        200
    );
    bot.sent("twilio", 1).await;
    payment_for(&bot, "evt_p1", "C43").await;
    let sent = bot.sent("twilio", 2).await;
    assert!(
        sent[1]["text"].as_str().unwrap().contains("Payment PAY-9"),
        "{}",
        sent[1]
    );
    // A user who never wrote from a channel gets it only in the conversation.
    payment_for(&bot, "evt_p2", "web-user-1").await;
    payment_for(&bot, "evt_p3", "C43").await;
    bot.sent("twilio", 3).await;
    assert!(bot.backend.sent("whatsapp").is_empty());
}

#[tokio::test]
async fn messages_of_one_chat_are_answered_in_the_order_they_were_sent() {
    let bot = bot().await;
    let orders = ["1001", "1002", "1003", "1001", "1003", "1002"];
    for (i, order) in orders.iter().enumerate() {
        let d = telegram(
            2000 + i as u32,
            "777",
            &format!("where is my order {order}?"),
        );
        assert_eq!(bot.post("telegram", &d).await.0, 200);
    }
    let sent = bot.sent("telegram", orders.len()).await;
    let answered: Vec<&str> = sent
        .iter()
        .map(|s| {
            let t = s["text"].as_str().unwrap();
            orders.iter().find(|o| t.contains(*o)).copied().unwrap_or(t)
        })
        .collect();
    assert_eq!(answered, orders);
}
