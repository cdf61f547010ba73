//! Minting JWTs: claims rendered from templates (`sub: "{{ user.id }}"`), signed with the
//! connector's key, and reused per distinct set of claims until shortly before expiry.

#[cfg(test)]
mod tests;

use super::AuthError;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use minijinja::Environment;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_config::model::{JwtAlgorithm, JwtMinting};

/// Most distinct claim sets (users) with a cached token.
const MAX_CACHED: u64 = 10_000;

/// The `jwt` scheme.
pub struct JwtMinter {
    header: Header,
    key: EncodingKey,
    env: Environment<'static>,
    claims: Vec<String>,
    /// Whether any claim uses `user` (then a token speaks for one user).
    per_user: bool,
    ttl: Duration,
    cache: moka::future::Cache<String, Arc<str>>,
}

impl std::fmt::Debug for JwtMinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtMinter")
            .field("alg", &self.header.alg)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl JwtMinter {
    /// Parses the key and the claim templates.
    pub fn new(s: &JwtMinting) -> Result<JwtMinter, AuthError> {
        let bad_key = |_| {
            AuthError::Setup(
                "the JWT key cannot be read as a PEM private key of that algorithm".into(),
            )
        };
        let (alg, key) = match s.algorithm {
            JwtAlgorithm::Hs256 => (
                Algorithm::HS256,
                EncodingKey::from_secret(s.key.expose().as_bytes()),
            ),
            JwtAlgorithm::Rs256 => (
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(s.key.expose().as_bytes()).map_err(bad_key)?,
            ),
            JwtAlgorithm::Es256 => (
                Algorithm::ES256,
                EncodingKey::from_ec_pem(s.key.expose().as_bytes()).map_err(bad_key)?,
            ),
        };
        let mut header = Header::new(alg);
        header.kid = s.key_id.clone();
        let mut env = Environment::new();
        env.set_fuel(Some(10_000));
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        for (name, src) in &s.claims {
            env.add_template_owned(name.clone(), src.clone())
                .map_err(|e| AuthError::Setup(format!("claim {name}: {}", e.kind())))?;
        }
        // Reuse a token for most of its life; never past (ttl - 30 s), never under half of it.
        let skew = (s.ttl / 2).min(Duration::from_secs(30));
        Ok(JwtMinter {
            header,
            key,
            env,
            claims: s.claims.keys().cloned().collect(),
            per_user: s.claims.values().any(|src| src.contains("user")),
            ttl: s.ttl,
            cache: moka::future::Cache::builder()
                .max_capacity(MAX_CACHED)
                .time_to_live(s.ttl - skew)
                .build(),
        })
    }

    /// Whether the tokens speak for a user (some claim template uses `user`).
    pub fn per_user(&self) -> bool {
        self.per_user
    }

    /// The claims for a user, rendered; empty claims are left out.
    fn render(&self, user_id: Option<&str>) -> Result<Map<String, Value>, AuthError> {
        // Without a user, `user.id` is undefined and renders empty (so the claim is left out).
        let user = match user_id {
            Some(id) => minijinja::context! { id => id },
            None => minijinja::context! {},
        };
        let ctx = minijinja::context! { user => user };
        let mut out = Map::new();
        for name in &self.claims {
            let t = self
                .env
                .get_template(name)
                .map_err(|e| AuthError::Token(format!("claim {name}: {}", e.kind())))?;
            let v = t
                .render(&ctx)
                .map_err(|e| AuthError::Token(format!("claim {name}: {}", e.kind())))?;
            if !v.is_empty() {
                out.insert(name.clone(), Value::String(v));
            }
        }
        Ok(out)
    }

    /// A token for this user (or for no user): cached, or minted now.
    pub async fn token(&self, user_id: Option<&str>) -> Result<Arc<str>, AuthError> {
        let claims = self.render(user_id)?;
        let key = serde_json::to_string(&claims).unwrap_or_default();
        self.cache
            .try_get_with(key, async move { self.mint(claims) })
            .await
            .map_err(|e| (*e).clone())
    }

    fn mint(&self, mut claims: Map<String, Value>) -> Result<Arc<str>, AuthError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + self.ttl.as_secs()).into());
        jsonwebtoken::encode(&self.header, &claims, &self.key)
            .map(Arc::from)
            .map_err(|e| AuthError::Token(format!("could not sign the JWT: {e}")))
    }
}
