//! Key handling that does not need a server.

use super::JwtMinter;
use crate::pipeline::auth::AuthError;
use indexmap::IndexMap;
use std::time::Duration;
use switchboard_config::Secret;
use switchboard_config::model::{JwtAlgorithm, JwtMinting};

fn settings(algorithm: JwtAlgorithm, key: &str) -> JwtMinting {
    let mut claims = IndexMap::new();
    claims.insert("sub".to_string(), "user-{{ user.id }}".to_string());
    JwtMinting {
        algorithm,
        key: Secret::from_reference(key.into()),
        claims,
        ttl: Duration::from_secs(60),
        key_id: None,
    }
}

#[test]
fn a_key_that_is_not_pem_is_refused_without_echoing_it() {
    let err = JwtMinter::new(&settings(
        JwtAlgorithm::Rs256,
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
    ))
    .unwrap_err();
    let AuthError::Setup(msg) = err else {
        panic!("expected a setup error")
    };
    assert!(!msg.contains("c2VjcmV0"), "{msg}");
}

#[tokio::test]
async fn tokens_are_cached_per_user() {
    let m = JwtMinter::new(&settings(
        JwtAlgorithm::Hs256,
        "0123456789abcdef0123456789abcdef",
    ))
    .unwrap();
    let a = m.token(Some("a")).await.unwrap();
    let again = m.token(Some("a")).await.unwrap();
    let b = m.token(Some("b")).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &again));
    assert_ne!(a, b);
}
