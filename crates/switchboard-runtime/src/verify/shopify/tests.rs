//! Shopify's construction (base64 HMAC-SHA256 of the raw body) against a vector computed
//! outside this code (secret `test-webhook-secret`, a Shopify-shaped order body).

use super::super::testing::{delivery, flipped, headers, secrets};
use super::super::{VerifyError, verify};
use switchboard_config::model::Verify;

const SECRET: &str = "test-webhook-secret";
const BODY: &[u8] = br#"{"id":1234567890,"email":"customer@example.com","total_price":"123.45"}"#;
const SIG: &str = "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw=";

fn check(list: &[&str], sig: Option<&str>, body: &[u8]) -> Result<(), VerifyError> {
    let scheme = Verify::Shopify {
        secrets: secrets(list),
    };
    let h = match sig {
        Some(s) => headers(&[("X-Shopify-Hmac-Sha256", s)]),
        None => headers(&[]),
    };
    verify(&scheme, &delivery(&h, body, 0)).map(|_| ())
}

#[test]
fn vector_rotation_and_refusals() {
    assert_eq!(check(&[SECRET], Some(SIG), BODY), Ok(()));
    assert_eq!(
        check(&["next-secret", SECRET], Some(SIG), BODY),
        Ok(()),
        "rotation"
    );
    assert_eq!(
        check(&[SECRET], Some(SIG), &flipped(BODY)),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&["test-webhook-secreT"], Some(SIG), BODY),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&[SECRET], None, BODY),
        Err(VerifyError::MissingHeader("x-shopify-hmac-sha256"))
    );
    assert_eq!(
        check(&[SECRET], Some("not base64!"), BODY),
        Err(VerifyError::Malformed("x-shopify-hmac-sha256"))
    );
}
