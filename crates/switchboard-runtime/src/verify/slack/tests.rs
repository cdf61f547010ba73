//! The example of Slack's "Verifying requests from Slack" page.

use super::super::testing::{delivery, flipped, headers, secrets};
use super::super::{VerifyError, verify};
use std::time::Duration;
use switchboard_config::model::Verify;

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const T: i64 = 1_531_420_618;
const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

fn check(list: &[&str], h: &[(&str, &str)], body: &[u8], now: i64) -> Result<(), VerifyError> {
    let scheme = Verify::Slack {
        secrets: secrets(list),
        tolerance: Duration::from_secs(300),
    };
    let h = headers(h);
    verify(&scheme, &delivery(&h, body, now)).map(|_| ())
}

const TS: &str = "1531420618";

#[test]
fn the_documented_example_is_accepted() {
    let h = [
        ("X-Slack-Request-Timestamp", TS),
        ("X-Slack-Signature", SIG),
    ];
    assert_eq!(check(&[SECRET], &h, BODY, T + 60), Ok(()));
    assert_eq!(
        check(&["rotated-in", SECRET], &h, BODY, T),
        Ok(()),
        "rotation"
    );
}

#[test]
fn refusals() {
    let h = [
        ("X-Slack-Request-Timestamp", TS),
        ("X-Slack-Signature", SIG),
    ];
    assert_eq!(
        check(&[SECRET], &h, &flipped(BODY), T),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&["8f742231b10e8888abcd99yyyzzz85a6"], &h, BODY, T),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&[SECRET], &h, BODY, T + 301),
        Err(VerifyError::Expired(Duration::from_secs(300)))
    );
    assert_eq!(
        check(&[SECRET], &h[1..], BODY, T),
        Err(VerifyError::MissingHeader("x-slack-request-timestamp"))
    );
    // The timestamp is part of what is signed: a fresh timestamp on an old signature fails.
    let replay = [
        ("X-Slack-Request-Timestamp", "1531420619"),
        ("X-Slack-Signature", SIG),
    ];
    assert_eq!(
        check(&[SECRET], &replay, BODY, T),
        Err(VerifyError::Mismatch)
    );
}
