//! The web chat page at `/`: static HTML and JavaScript embedded in the binary, no build
//! step and nothing loaded from elsewhere. The page is the project's: its name, greeting and
//! example prompts come from the project file (`bot.name`, `bot.greeting`, the intents' first
//! examples), written into the page as JSON data.

use crate::engine::Engine;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::json;
use std::sync::Arc;
use switchboard_config::Project;

const INDEX: &str = include_str!("web/index.html");

/// Where the page's data goes.
const SLOT: &str = "/*BOT*/{}";

/// How many example prompts the page offers.
const EXAMPLES: usize = 3;

/// Serves the page.
#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, description = "The web chat page", content_type = "text/html", body = String)))]
pub async fn index(State(engine): State<Arc<Engine>>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        page(engine.project()),
    )
}

/// The page with the project's data in it.
fn page(project: &Project) -> String {
    let bot = &project.bot;
    // Intents that do something first: their examples show what the bot is for.
    let (acting, talking): (Vec<_>, Vec<_>) =
        project.intents.values().partition(|i| !i.steps.is_empty());
    let examples: Vec<&str> = acting
        .iter()
        .chain(&talking)
        .filter_map(|i| i.examples.first().map(String::as_str))
        .take(EXAMPLES)
        .collect();
    render(&json!({
        "name": bot.name,
        "greeting": bot.greeting,
        "examples": examples,
    }))
}

/// The page with `data` in its script element, `<` escaped so no text of the project (a
/// greeting with `</script>` in it) can close the element.
fn render(data: &serde_json::Value) -> String {
    INDEX.replace(SLOT, &data.to_string().replace('<', "\\u003c"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_has_a_place_for_the_project_data() {
        assert_eq!(super::INDEX.matches(super::SLOT).count(), 1);
    }

    #[test]
    fn project_text_cannot_close_the_script_element() {
        let page = super::render(&serde_json::json!({
            "greeting": "hi </script><script>alert(1)</script>"
        }));
        assert_eq!(page.matches("</script>").count(), 1, "only the page's own");
        assert!(
            page.contains(r#""greeting":"hi \u003c/script>\u003cscript>alert(1)\u003c/script>""#)
        );
    }
}
