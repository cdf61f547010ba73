//! The example of Twilio's webhook security page (auth token `12345`), in its two published
//! forms: the current docs' (Caller +14158675310) and twilio-node's test fixture (+14158675309).

use super::super::testing::{delivery, flipped, headers, secrets};
use super::super::{VerifyError, verify};
use switchboard_config::model::Verify;

const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

fn body(caller: &str) -> Vec<u8> {
    // Deliberately not in sorted order, and with `+` encoded as Twilio's form posts do.
    let c = caller.replace('+', "%2B");
    format!("To=%2B18005551212&Digits=1234&From={c}&CallSid=CA1234567890ABCDE&Caller={c}")
        .into_bytes()
}

fn check(list: &[&str], sig: Option<&str>, body: &[u8]) -> Result<(), VerifyError> {
    let scheme = Verify::Twilio {
        secrets: secrets(list),
        url: URL.into(),
    };
    let h = match sig {
        Some(s) => headers(&[("X-Twilio-Signature", s)]),
        None => headers(&[]),
    };
    verify(&scheme, &delivery(&h, body, 0)).map(|_| ())
}

#[test]
fn the_documented_examples_are_accepted() {
    assert_eq!(
        check(
            &["12345"],
            Some("GvWf1cFY/Q7PnoempGyD5oXAezc="),
            &body("+14158675310")
        ),
        Ok(())
    );
    assert_eq!(
        check(
            &["12345"],
            Some("RSOYDt4T1cUTdK1PDd93/VVr8B8="),
            &body("+14158675309")
        ),
        Ok(())
    );
    assert_eq!(
        check(
            &["67890", "12345"],
            Some("GvWf1cFY/Q7PnoempGyD5oXAezc="),
            &body("+14158675310")
        ),
        Ok(()),
        "rotation"
    );
}

#[test]
fn refusals() {
    let b = body("+14158675310");
    let sig = Some("GvWf1cFY/Q7PnoempGyD5oXAezc=");
    assert_eq!(
        check(&["12345"], sig, &flipped(&b)),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(check(&["12346"], sig, &b), Err(VerifyError::Mismatch));
    assert_eq!(
        check(&["12345"], None, &b),
        Err(VerifyError::MissingHeader("x-twilio-signature"))
    );
}

/// Vectors computed once with twilio-python's `RequestValidator("12345").compute_signature`
/// (sorted names, each name's distinct values sorted), for forms that repeat a pair.
#[test]
fn repeated_pairs_verify_as_twilios_validator_computes_them() {
    let repeated = b"To=%2B18005551212&Media=a&From=%2B14158675310&Media=a&MessageSid=SM1";
    assert_eq!(
        check(&["12345"], Some("Qk40AwYXH5Ey6ZOAti/rqlwpzHg="), repeated),
        Ok(())
    );
    // A signer that kept the repeat (every pair, sorted) is accepted as before.
    assert_eq!(
        check(&["12345"], Some("R1t0iq5DVaN9fnI3mfftWkeG3Yc="), repeated),
        Ok(())
    );
    let unordered = b"Media=b&Body=hi&Media=a&Media=b";
    assert_eq!(
        check(&["12345"], Some("DwuH2q4JzIa7f1ucy5eqQvKj3b0="), unordered),
        Ok(())
    );
    // The same signature does not cover a form with another value.
    assert_eq!(
        check(
            &["12345"],
            Some("DwuH2q4JzIa7f1ucy5eqQvKj3b0="),
            b"Media=b&Body=hi&Media=a&Media=c"
        ),
        Err(VerifyError::Mismatch)
    );
}
