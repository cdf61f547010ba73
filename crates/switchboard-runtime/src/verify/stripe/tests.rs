//! Stripe's documented construction, checked against an independently computed vector (the
//! secret `whsec_test_secret` and payload of stripe-python's webhook tests), plus refusals.

use super::super::testing::{delivery, flipped, headers, secrets};
use super::super::{VerifyError, verify as verify_any};
use super::sign;
use std::time::Duration;
use switchboard_config::model::Verify;

const SECRET: &str = "whsec_test_secret";
const BODY: &[u8] = br#"{"id": "evt_test_webhook", "object": "event"}"#;
const T: i64 = 1_492_774_577;
/// HMAC-SHA256("whsec_test_secret", "1492774577." + BODY), computed outside this code.
const V1: &str = "c137b1b62277d523cf8fed4dfbd0170a9a5b8a380e00cc3711d4bf0652f2ce7a";

fn scheme(list: &[&str]) -> Verify {
    Verify::Stripe {
        secrets: secrets(list),
        tolerance: Duration::from_secs(300),
    }
}

fn check(list: &[&str], header: Option<&str>, body: &[u8], now: i64) -> Result<(), VerifyError> {
    let h = match header {
        Some(v) => headers(&[("Stripe-Signature", v)]),
        None => headers(&[]),
    };
    verify_any(&scheme(list), &delivery(&h, body, now)).map(|_| ())
}

#[test]
fn the_vector_is_accepted() {
    assert_eq!(sign(SECRET, T, BODY), format!("t={T},v1={V1}"));
    let header = format!(
        "t={T},v1={V1},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
    );
    assert_eq!(check(&[SECRET], Some(&header), BODY, T + 10), Ok(()));
}

#[test]
fn tampering_and_wrong_secrets_are_refused() {
    let header = format!("t={T},v1={V1}");
    assert_eq!(
        check(&[SECRET], Some(&header), &flipped(BODY), T),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&["whsec_other"], Some(&header), BODY, T),
        Err(VerifyError::Mismatch)
    );
    let other_t = format!("t={},v1={V1}", T + 1);
    assert_eq!(
        check(&[SECRET], Some(&other_t), BODY, T),
        Err(VerifyError::Mismatch)
    );
}

#[test]
fn old_timestamps_and_missing_headers_are_refused() {
    let header = format!("t={T},v1={V1}");
    assert_eq!(
        check(&[SECRET], Some(&header), BODY, T + 301),
        Err(VerifyError::Expired(Duration::from_secs(300)))
    );
    assert_eq!(
        check(&[SECRET], None, BODY, T),
        Err(VerifyError::MissingHeader("stripe-signature"))
    );
    assert_eq!(
        check(&[SECRET], Some(&format!("t={T}")), BODY, T),
        Err(VerifyError::Malformed("stripe-signature"))
    );
}

#[test]
fn rotation_overlap_is_accepted() {
    // Old and new secret both configured; Stripe signs with either, or with both at once.
    let old = sign("whsec_old", T, BODY);
    let new = sign("whsec_new", T, BODY);
    assert_eq!(
        check(&["whsec_new", "whsec_old"], Some(&old), BODY, T),
        Ok(())
    );
    assert_eq!(
        check(&["whsec_new", "whsec_old"], Some(&new), BODY, T),
        Ok(())
    );
    let both = format!("{new},v1={}", old.rsplit("v1=").next().unwrap());
    assert_eq!(check(&["whsec_old"], Some(&both), BODY, T), Ok(()));
}
