//! The test vector published with the Standard Webhooks reference libraries.

use super::super::testing::{delivery, flipped, headers, secrets};
use super::super::{VerifyError, verify};
use std::time::Duration;
use switchboard_config::model::Verify;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const T: i64 = 1_614_265_330;
const BODY: &[u8] = br#"{"test": 2432232314}"#;
const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

fn check(list: &[&str], h: &[(&str, &str)], body: &[u8], now: i64) -> Result<(), VerifyError> {
    let scheme = Verify::StandardWebhooks {
        secrets: secrets(list),
        tolerance: Duration::from_secs(300),
    };
    let h = headers(h);
    verify(&scheme, &delivery(&h, body, now)).map(|_| ())
}

fn signed(sig: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", ID.to_string()),
        ("webhook-timestamp", T.to_string()),
        ("webhook-signature", sig.to_string()),
    ]
}

fn refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn the_published_vector_is_accepted() {
    let h = signed(SIG);
    assert_eq!(check(&[SECRET], &refs(&h), BODY, T), Ok(()));
    // Several signatures in one header (a sender mid-rotation): any one matching is enough.
    let h = signed(&format!("v1,bm9wZQ== {SIG}"));
    assert_eq!(check(&[SECRET], &refs(&h), BODY, T), Ok(()));
}

#[test]
fn tampering_wrong_secrets_old_timestamps_and_missing_headers_are_refused() {
    let h = signed(SIG);
    assert_eq!(
        check(&[SECRET], &refs(&h), &flipped(BODY), T),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&["whsec_dGhlIHdyb25nIHNlY3JldA=="], &refs(&h), BODY, T),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&[SECRET], &refs(&h), BODY, T + 3600),
        Err(VerifyError::Expired(Duration::from_secs(300)))
    );
    assert_eq!(
        check(&[SECRET], &refs(&h[..2]), BODY, T),
        Err(VerifyError::MissingHeader("webhook-signature"))
    );
}

#[test]
fn rotation_overlap_is_accepted() {
    let h = signed(SIG);
    assert_eq!(
        check(&["whsec_bmV3IHNlY3JldA==", SECRET], &refs(&h), BODY, T),
        Ok(())
    );
    // The prefix is optional, as in the reference libraries.
    assert_eq!(
        check(&["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], &refs(&h), BODY, T),
        Ok(())
    );
}
