//! A real headless browser for the page tests: Debian's `chromium`, run once per page load
//! with a virtual time budget, returning the DOM (or a screenshot).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The chromium binary, when installed. Tests that need it skip loudly without it (CI
/// installs it).
pub fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Runs chromium headless on `url`; returns the DOM after `budget_ms` of virtual time.
pub async fn dump_dom(
    browser: &'static str,
    url: String,
    budget_ms: u32,
    screenshot: Option<&Path>,
) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--virtual-time-budget={budget_ms}"));
    match screenshot {
        Some(path) => {
            cmd.arg(format!("--screenshot={}", path.display()))
                .arg("--window-size=1280,900");
        }
        None => {
            cmd.arg("--dump-dom");
        }
    }
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        cmd.arg(url).kill_on_drop(true).output(),
    )
    .await
    .expect("chromium finishes within 60 s")
    .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Loads `url` until `ready` holds for its DOM, doubling the virtual time budget each time
/// (four loads at most), and returns the last DOM. Virtual time runs on even while the
/// page's fetches to the server under test wait for a loaded machine; a page whose data has
/// not arrived yet is loaded again rather than judged on a budget that was too short.
pub async fn dump_dom_until(
    browser: &'static str,
    url: String,
    budget_ms: u32,
    ready: impl Fn(&str) -> bool,
) -> String {
    let mut budget = budget_ms;
    let mut dom = String::new();
    for _ in 0..4 {
        dom = dump_dom(browser, url.clone(), budget, None).await;
        if ready(&dom) {
            break;
        }
        budget *= 2;
    }
    dom
}
