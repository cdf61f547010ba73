//! Known-answer tests (RFC 4231) and the layout of the signed message.

use super::HmacSigner;
use crate::pipeline::request::PreparedRequest;
use switchboard_config::Secret;
use switchboard_config::model::{HmacAlgorithm, HmacEncoding, HmacSigning, SignedPart};

fn signer(secret: &str, algorithm: HmacAlgorithm, encoding: HmacEncoding) -> HmacSigner {
    HmacSigner::new(&HmacSigning {
        secret: Secret::from_reference(secret.into()),
        algorithm,
        encoding,
        sign: vec![
            SignedPart::Timestamp,
            SignedPart::Method,
            SignedPart::Path,
            SignedPart::Query,
            SignedPart::Body,
        ],
        separator: "|".into(),
        header: "X-Sig".into(),
        value: "{signature}".into(),
        timestamp_header: None,
    })
}

#[test]
fn rfc_4231_test_case_2() {
    let msg = b"what do ya want for nothing?";
    let s = signer("Jefe", HmacAlgorithm::Sha256, HmacEncoding::Hex);
    assert_eq!(
        s.signature(msg),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    let s = signer("Jefe", HmacAlgorithm::Sha512, HmacEncoding::Hex);
    assert_eq!(
        s.signature(msg),
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    );
}

#[test]
fn the_message_joins_the_parts_in_order() {
    let s = signer("k", HmacAlgorithm::Sha256, HmacEncoding::Base64);
    let req = PreparedRequest {
        method: http::Method::POST,
        url: reqwest::Url::parse("https://api.example.com/v1/pay%20me?b=2&a=1").unwrap(),
        headers: http::HeaderMap::new(),
        body: Some(bytes::Bytes::from_static(b"{\"x\":1}")),
    };
    assert_eq!(
        String::from_utf8(s.message(&req, 1_700_000_000)).unwrap(),
        "1700000000|POST|/v1/pay%20me|b=2&a=1|{\"x\":1}"
    );
}
