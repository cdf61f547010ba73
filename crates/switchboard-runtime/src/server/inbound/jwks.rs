//! JWT bearer verification against a JWKS.
//!
//! Only asymmetric keys from the JWKS are used, and a token is checked only with a key whose
//! algorithm equals the token's `alg`: `alg: none` does not parse, and an HS256 token signed
//! with an RSA public key finds no HS256 key (no algorithm confusion). `jku`, `x5u` and any
//! other header that points at keys are ignored: keys come from configuration only.

use crate::pipeline::ssrf;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use std::sync::RwLock;
use std::time::Duration;
use switchboard_config::model::{JwksSource, JwtVerification, Scope};
use tokio::time::Instant;

use super::Principal;

/// Least time between two fetches of a remote JWKS.
const REFETCH_EVERY: Duration = Duration::from_secs(60);
/// Largest JWKS read.
const MAX_JWKS_BYTES: usize = 256 * 1024;

struct Key {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

/// Verifies bearer tokens.
pub struct JwksVerifier {
    settings: JwtVerification,
    keys: RwLock<Vec<Key>>,
    fetched: tokio::sync::Mutex<Option<Instant>>,
    client: Option<(reqwest::Client, reqwest::Url)>,
}

impl std::fmt::Debug for JwksVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksVerifier")
            .field("issuer", &self.settings.issuer)
            .finish_non_exhaustive()
    }
}

/// The keys of a JWKS document that can verify tokens.
fn parse(text: &str) -> Vec<Key> {
    let Ok(set) = serde_json::from_str::<JwkSet>(text) else {
        tracing::warn!(target: "switchboard::inbound", "the JWKS is not valid JSON Web Key Set JSON");
        return Vec::new();
    };
    let mut out = Vec::new();
    for jwk in &set.keys {
        let by_type = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
            AlgorithmParameters::EllipticCurve(p) => match p.curve {
                EllipticCurve::P256 => Some(Algorithm::ES256),
                EllipticCurve::P384 => Some(Algorithm::ES384),
                _ => None,
            },
            AlgorithmParameters::OctetKeyPair(_) => Some(Algorithm::EdDSA),
            // Symmetric keys are never accepted from a JWKS.
            _ => None,
        };
        let alg = match jwk.common.key_algorithm {
            Some(ka) => Algorithm::try_from(ka).ok(),
            None => by_type,
        };
        let Some(alg) = alg.filter(|a| {
            by_type.is_some()
                && !matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
        }) else {
            continue;
        };
        if let Ok(key) = DecodingKey::from_jwk(jwk) {
            out.push(Key {
                kid: jwk.common.key_id.clone(),
                alg,
                key,
            });
        }
    }
    out
}

impl JwksVerifier {
    /// A verifier; a JWKS file is parsed now, a URL is fetched later.
    pub fn new(settings: &JwtVerification) -> JwksVerifier {
        let (keys, client) = match &settings.jwks {
            JwksSource::Inline(text) => (parse(text), None),
            JwksSource::Url(u) => {
                let client = reqwest::Url::parse(u).ok().and_then(|url| {
                    ssrf::client_builder(&url, settings.allow_private_network, false)
                        .timeout(Duration::from_secs(10))
                        .build()
                        .ok()
                        .map(|c| (c, url))
                });
                (Vec::new(), client)
            }
        };
        JwksVerifier {
            settings: settings.clone(),
            keys: RwLock::new(keys),
            fetched: tokio::sync::Mutex::new(None),
            client,
        }
    }

    /// Whether keys come from a URL.
    pub fn is_remote(&self) -> bool {
        self.client.is_some()
    }

    /// Fetches the remote JWKS again, at most once per minute.
    pub async fn refresh(&self) {
        let Some((client, url)) = &self.client else {
            return;
        };
        let mut last = self.fetched.lock().await;
        if last.is_some_and(|t| t.elapsed() < REFETCH_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        let text = async {
            let mut resp = client
                .get(url.clone())
                .send()
                .await
                .ok()?
                .error_for_status()
                .ok()?;
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.ok()? {
                if body.len() + chunk.len() > MAX_JWKS_BYTES {
                    return None;
                }
                body.extend_from_slice(&chunk);
            }
            String::from_utf8(body).ok()
        }
        .await;
        match text.map(|t| parse(&t)) {
            Some(keys) if !keys.is_empty() => {
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
            }
            _ => tracing::warn!(target: "switchboard::inbound", "could not fetch a usable JWKS"),
        }
    }

    fn try_keys(
        &self,
        token: &str,
        header: &jsonwebtoken::Header,
    ) -> Option<Result<Value, String>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let mut candidates = keys
            .iter()
            .filter(|k| k.alg == header.alg)
            .filter(|k| header.kid.is_none() || k.kid == header.kid)
            .peekable();
        candidates.peek()?;
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[&self.settings.issuer]);
        v.set_audience(&[&self.settings.audience]);
        v.leeway = self.settings.leeway.as_secs();
        v.validate_nbf = true;
        v.required_spec_claims = ["exp", "iss", "aud"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut last = String::new();
        for k in candidates {
            match jsonwebtoken::decode::<Value>(token, &k.key, &v) {
                Ok(data) => return Some(Ok(data.claims)),
                Err(e) => last = e.to_string(),
            }
        }
        Some(Err(last))
    }

    /// Verifies a token and returns who it speaks for.
    pub async fn verify(&self, token: &str) -> Result<Principal, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        let claims = match self.try_keys(token, &header) {
            Some(r) => r?,
            None if self.is_remote() => {
                self.refresh().await;
                self.try_keys(token, &header)
                    .unwrap_or_else(|| Err("no key for the token's kid and alg".into()))?
            }
            None => return Err("no key for the token's kid and alg".into()),
        };
        let scopes = match claims.get(&self.settings.scope_claim) {
            Some(Value::String(s)) => scopes_of(s.split_whitespace()),
            Some(Value::Array(a)) => scopes_of(a.iter().filter_map(Value::as_str)),
            _ => self.settings.default_scopes.clone(),
        };
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(Principal {
            name: subject.clone().unwrap_or_else(|| "jwt".into()),
            subject,
            scopes,
            trusted_backend: false,
        })
    }
}

fn scopes_of<'a>(items: impl Iterator<Item = &'a str>) -> Vec<Scope> {
    let mut out = Vec::new();
    for s in items {
        match s {
            "chat" => out.push(Scope::Chat),
            "admin" => out.push(Scope::Admin),
            "tools" => out.push(Scope::Tools),
            _ => {}
        }
    }
    out
}
