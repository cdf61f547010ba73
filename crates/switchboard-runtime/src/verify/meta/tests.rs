//! Meta signs like GitHub (same header, app secret); the handshake echoes the challenge only
//! for the right token.

use super::super::testing::{delivery, flipped, headers, secrets};
use super::super::{VerifyError, verify};
use super::handshake;
use switchboard_config::Secret;
use switchboard_config::model::Verify;

const SECRET: &str = "It's a Secret to Everybody";
const BODY: &[u8] = b"Hello, World!";
const SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

fn check(list: &[&str], sig: Option<&str>, body: &[u8]) -> Result<(), VerifyError> {
    let scheme = Verify::Meta {
        secrets: secrets(list),
        verify_token: Secret::from_reference("tok".into()),
    };
    let h = match sig {
        Some(s) => headers(&[("X-Hub-Signature-256", s)]),
        None => headers(&[]),
    };
    verify(&scheme, &delivery(&h, body, 0)).map(|_| ())
}

#[test]
fn signatures() {
    assert_eq!(check(&[SECRET], Some(SIG), BODY), Ok(()));
    assert_eq!(check(&["old", SECRET], Some(SIG), BODY), Ok(()), "rotation");
    assert_eq!(
        check(&[SECRET], Some(SIG), &flipped(BODY)),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&["wrong"], Some(SIG), BODY),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&[SECRET], None, BODY),
        Err(VerifyError::MissingHeader("x-hub-signature-256"))
    );
}

#[test]
fn the_handshake_echoes_the_challenge_for_the_right_token_only() {
    let token = Secret::from_reference("meatyhamhock".into());
    assert_eq!(
        handshake(
            &token,
            Some("subscribe"),
            Some("meatyhamhock"),
            Some("1158201444")
        ),
        Some("1158201444")
    );
    assert_eq!(
        handshake(&token, Some("subscribe"), Some("meatyhamhoc"), Some("1")),
        None
    );
    assert_eq!(
        handshake(&token, Some("unsubscribe"), Some("meatyhamhock"), Some("1")),
        None
    );
    assert_eq!(handshake(&token, Some("subscribe"), None, Some("1")), None);
}
