//! The web chat page in a real headless browser (Debian's `chromium`): it is the project's
//! page (name, greeting, example prompts from the project file, nothing of the demo), it shows
//! a user's conversation again when opened, and it does not show end users the classifier's
//! confidence. Skips, loudly, only when chromium is not installed (CI installs it).

use crate::browser::{chromium, dump_dom, dump_dom_until};
use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_runtime::engine::{Engine, TurnRequest};
use switchboard_runtime::server::{self, AppState};

const PROJECT: &str = r#"
bot:
  name: Acme Helpdesk
  greeting: Hi, I'm the Acme helpdesk. I can look up tickets.
connectors:
  desk:
    base_url: BACKEND
    operations:
      ticket:
        path: /tickets/{id}
        inputs: { id: string }
intents:
  hello:
    examples: [hello there, hi, good morning]
    reply: "Hello from <b>Acme</b>!"
  ticket_status:
    examples: [status of ticket 9999, what's happening with ticket 1234, any news on ticket 4321]
    slots:
      ticket: { entity: number, ask: "Which ticket?" }
    steps:
      t: { call: desk.ticket, with: { id: "{{ slots.ticket }}" } }
    reply: "Ticket {{ slots.ticket }} is open."
"#;

async fn serve(engine: Arc<Engine>) -> SocketAddr {
    let app = server::router(AppState::with_engine(engine));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve_app(
        listener,
        app,
        server::HEADER_READ_TIMEOUT,
        std::future::pending(),
    ));
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_is_the_projects_and_shows_the_conversation_again() {
    let Some(browser) = chromium() else {
        eprintln!(
            "\n\n!!!!! SKIPPED: the web page browser test needs Debian's `chromium` \
             (apt-get install -y chromium); .ci/run installs it. !!!!!\n\n"
        );
        return;
    };
    let (project, _dir) = common::inline_project(PROJECT, "127.0.0.1:9".parse().unwrap());
    let (engine, _data) = common::engine(project).await;
    let addr = serve(engine.clone()).await;

    // A first visit: the project's name, greeting and examples; nothing of the demo.
    let dom = dump_dom(browser, format!("http://{addr}/"), 2_000, None).await;
    assert!(dom.contains("<title>Acme Helpdesk</title>"), "{dom}");
    assert!(dom.contains(GREETING), "{dom}");
    assert!(
        dom.contains("placeholder=\"Try: status of ticket 9999\""),
        "{dom}"
    );
    for demo in ["Ask me about an order", "where is my order"] {
        assert!(!dom.contains(demo), "nothing of the demo: {dom}");
    }

    // The user chatted earlier (in this browser or through the API); the page opened on
    // their conversation shows it again, text as text.
    let turn = |text: &str| {
        engine.turn(TurnRequest {
            user_id: "web-ada".into(),
            text: text.into(),
            conversation_id: None,
            message_id: None,
            stream: false,
        })
    };
    turn("hello there").await.unwrap();
    let res = turn("what's happening with my ticket?").await.unwrap();
    let url = format!(
        "http://{addr}/#user=web-ada&conversation={}",
        res.conversation_id
    );
    let dom = dump_dom_until(browser, url, 2_000, |dom| {
        dom.contains("<div class=\"msg bot\">Which ticket?</div>")
    })
    .await;
    for (class, said) in [
        ("msg me", "hello there"),
        ("msg bot", "Hello from &lt;b&gt;Acme&lt;/b&gt;!"),
        ("msg me", "what's happening with my ticket?"),
        ("msg bot", "Which ticket?"),
    ] {
        let shown = format!("<div class=\"{class}\">{said}</div>");
        assert!(dom.contains(&shown), "{shown}: {dom}");
    }
    assert!(
        !dom.contains(GREETING),
        "history instead of the greeting: {dom}"
    );
}

/// The greeting as the page shows it (the page's data holds the same text, so the element
/// is what counts).
const GREETING: &str =
    "<div class=\"msg bot\">Hi, I'm the Acme helpdesk. I can look up tickets.</div>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_users_see_replies_without_the_classifiers_confidence() {
    let Some(browser) = chromium() else {
        eprintln!(
            "\n\n!!!!! SKIPPED: the web page browser test needs Debian's `chromium` \
             (apt-get install -y chromium); .ci/run installs it. !!!!!\n\n"
        );
        return;
    };
    let (project, _dir) = common::inline_project(PROJECT, "127.0.0.1:9".parse().unwrap());
    let (engine, _data) = common::engine(project).await;
    let addr = serve(engine).await;

    // A link that asks a question: the page sends it and shows the reply, and nothing about
    // how the message was classified.
    let reply = "<div class=\"msg bot\">Hello from &lt;b&gt;Acme&lt;/b&gt;!</div>";
    let dom = dump_dom_until(
        browser,
        format!("http://{addr}/#user=web-bo&ask=hello%20there"),
        3_000,
        |dom| dom.contains(reply),
    )
    .await;
    assert!(dom.contains(reply), "{dom}");
    assert!(!dom.contains("class=\"meta\""), "{dom}");

    // `#debug` is for the bot's builders: intent and confidence.
    let dom = dump_dom_until(
        browser,
        format!("http://{addr}/#user=web-cy&ask=hello%20there&debug"),
        3_000,
        |dom| dom.contains("class=\"meta\">"),
    )
    .await;
    let meta = dom
        .split("class=\"meta\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("a meta line: {dom}"));
    assert!(meta.starts_with("hello ") && meta.ends_with('%'), "{meta}");
}
