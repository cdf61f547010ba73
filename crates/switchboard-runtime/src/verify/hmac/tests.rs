//! The generic scheme, checked with GitHub's documented example (hex, `sha256=` prefix), RFC
//! 4231's test case 2 for SHA-512 ("Jefe" / "what do ya want for nothing?"), and a timestamped
//! variant.

use super::super::testing::{delivery, flipped, headers, secrets};
use super::super::{VerifyError, hmac_sha256, verify};
use hmac::Mac;
use std::time::Duration;
use switchboard_config::model::{HmacAlgorithm, HmacSpec, SignatureEncoding, Verify};

fn spec(list: &[&str], algorithm: HmacAlgorithm, prefix: &str, ts: bool) -> Verify {
    Verify::Hmac(HmacSpec {
        secrets: secrets(list),
        header: "x-signature".into(),
        algorithm,
        encoding: SignatureEncoding::Hex,
        prefix: prefix.into(),
        timestamp_header: ts.then(|| "x-timestamp".to_string()),
        tolerance: Duration::from_secs(300),
    })
}

fn check(v: &Verify, h: &[(&str, &str)], body: &[u8], now: i64) -> Result<(), VerifyError> {
    let h = headers(h);
    verify(v, &delivery(&h, body, now)).map(|_| ())
}

#[test]
fn github_s_example_through_the_generic_scheme() {
    let v = spec(
        &["It's a Secret to Everybody"],
        HmacAlgorithm::Sha256,
        "sha256=",
        false,
    );
    let h = [(
        "X-Signature",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )];
    assert_eq!(check(&v, &h, b"Hello, World!", 0), Ok(()));
    assert_eq!(
        check(&v, &h, &flipped(b"Hello, World!"), 0),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check(&v, &[], b"Hello, World!", 0),
        Err(VerifyError::MissingHeader("signature or timestamp"))
    );
}

#[test]
fn rfc_4231_sha512() {
    let v = spec(&["wrong", "Jefe"], HmacAlgorithm::Sha512, "", false);
    let h = [(
        "X-Signature",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    )];
    assert_eq!(check(&v, &h, b"what do ya want for nothing?", 0), Ok(()));
    let v = spec(&["wrong"], HmacAlgorithm::Sha512, "", false);
    assert_eq!(
        check(&v, &h, b"what do ya want for nothing?", 0),
        Err(VerifyError::Mismatch)
    );
}

#[test]
fn timestamped_signatures() {
    let v = spec(&["k"], HmacAlgorithm::Sha256, "", true);
    let sig = hex::encode(
        hmac_sha256(b"k", &[b"1000.", b"{}"])
            .finalize()
            .into_bytes(),
    );
    let h = [("X-Signature", sig.as_str()), ("X-Timestamp", "1000")];
    assert_eq!(check(&v, &h, b"{}", 1100), Ok(()));
    assert_eq!(
        check(&v, &h, b"{}", 2000),
        Err(VerifyError::Expired(Duration::from_secs(300)))
    );
    let h = [("X-Signature", sig.as_str()), ("X-Timestamp", "1001")];
    assert_eq!(check(&v, &h, b"{}", 1000), Err(VerifyError::Mismatch));
}
