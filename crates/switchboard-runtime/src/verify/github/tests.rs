//! GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".

use super::super::testing::{delivery, flipped, headers, secrets};
use super::super::{VerifyError, verify};
use switchboard_config::model::Verify;

const SECRET: &str = "It's a Secret to Everybody";
const BODY: &[u8] = b"Hello, World!";
const SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

fn check(list: &[&str], sig: Option<&str>, body: &[u8]) -> Result<(), VerifyError> {
    let scheme = Verify::Github {
        secrets: secrets(list),
    };
    let h = match sig {
        Some(s) => headers(&[("X-Hub-Signature-256", s)]),
        None => headers(&[]),
    };
    verify(&scheme, &delivery(&h, body, 0)).map(|_| ())
}

#[test]
fn the_documented_example_is_accepted() {
    assert_eq!(check(&[SECRET], Some(SIG), BODY), Ok(()));
    assert_eq!(
        check(
            &[SECRET],
            Some(&SIG.to_uppercase().replace("SHA256=", "sha256=")),
            BODY
        ),
        Ok(())
    );
}

#[test]
fn refusals() {
    assert_eq!(
        check(&[SECRET], Some(SIG), &flipped(BODY)),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&["It's a secret to everybody"], Some(SIG), BODY),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&[SECRET], None, BODY),
        Err(VerifyError::MissingHeader("x-hub-signature-256"))
    );
    assert_eq!(
        check(&[SECRET], Some("sha1=abcd"), BODY),
        Err(VerifyError::Malformed("x-hub-signature-256"))
    );
}

#[test]
fn rotation_overlap_is_accepted() {
    assert_eq!(check(&["new secret", SECRET], Some(SIG), BODY), Ok(()));
}
