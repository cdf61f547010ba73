//! The token request itself: a form POST to the token endpoint on a client that follows no
//! redirects and connects only where the configuration says.

use crate::pipeline::auth::AuthError;
use crate::pipeline::ssrf;
use base64::Engine as _;
use serde::Deserialize;
use std::time::Duration;
use switchboard_config::Secret;
use switchboard_config::model::{AuthorizationCode, ClientAuth, ClientCredentials, Connector};

/// Used when the token response has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// Largest token response read.
const MAX_BODY: usize = 64 * 1024;

/// A parsed, successful token response.
#[derive(Debug)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: Secret,
    /// Its lifetime.
    pub expires_in: Duration,
    /// Whether the provider said how long it lives (`expires_in` present).
    pub expiry_given: bool,
    /// A refresh token, when the provider issued one (authorization code and refresh grants).
    pub refresh_token: Option<Secret>,
}

#[derive(Deserialize)]
struct Success {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct Failure {
    error: String,
}

/// Fetches client-credentials tokens for one connector.
#[derive(Debug)]
pub struct TokenClient {
    http: reqwest::Client,
    url: reqwest::Url,
    client_id: String,
    client_secret: Secret,
    client_auth: ClientAuth,
    scopes: String,
    audience: Option<String>,
    timeout: Duration,
}

impl TokenClient {
    /// A client for the connector's token endpoint.
    pub fn new(connector: &Connector, s: &ClientCredentials) -> Result<TokenClient, AuthError> {
        let url = reqwest::Url::parse(s.token_url.expose())
            .map_err(|_| AuthError::Setup("token_url is not a valid URL".into()))?;
        let http = ssrf::client_builder(&url, connector.allow_private_network, false)
            .connect_timeout(connector.connect_timeout)
            .build()
            .map_err(|e| AuthError::Setup(format!("cannot create the token client: {e}")))?;
        Ok(TokenClient {
            http,
            url,
            client_id: s.client_id.clone(),
            client_secret: s.client_secret.clone(),
            client_auth: s.client_auth,
            scopes: s.scopes.join(" "),
            audience: s.audience.clone(),
            timeout: connector.timeout,
        })
    }

    /// A client for an authorization code connector's token endpoint (code exchange and
    /// refresh).
    pub fn for_code(
        connector: &Connector,
        s: &AuthorizationCode,
    ) -> Result<TokenClient, AuthError> {
        TokenClient::new(
            connector,
            &ClientCredentials {
                token_url: s.token_url.clone(),
                client_id: s.client_id.clone(),
                client_secret: s.client_secret.clone(),
                scopes: Vec::new(),
                audience: None,
                client_auth: s.client_auth,
                expiry_skew: s.expiry_skew,
            },
        )
    }

    /// Asks for a new token.
    pub async fn fetch(&self) -> Result<TokenResponse, AuthError> {
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if !self.scopes.is_empty() {
            form.push(("scope", &self.scopes));
        }
        if let Some(a) = &self.audience {
            form.push(("audience", a));
        }
        self.grant(form).await
    }

    /// Posts a grant (`grant_type` and its parameters) with the client's authentication.
    pub async fn grant<'a>(
        &'a self,
        mut form: Vec<(&'a str, &'a str)>,
    ) -> Result<TokenResponse, AuthError> {
        let mut req = self
            .http
            .post(self.url.clone())
            .timeout(self.timeout)
            .header(http::header::ACCEPT, "application/json");
        match self.client_auth {
            ClientAuth::Basic => {
                // RFC 6749 §2.3.1: form-encode each part before joining them.
                let enc = |s: &str| {
                    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                };
                let pair = format!(
                    "{}:{}",
                    enc(&self.client_id),
                    enc(self.client_secret.expose())
                );
                let mut value = http::HeaderValue::from_str(&format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ))
                .map_err(|_| AuthError::Setup("client credentials are not valid".into()))?;
                value.set_sensitive(true);
                req = req.header(http::header::AUTHORIZATION, value);
            }
            ClientAuth::Body => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", self.client_secret.expose()));
            }
        }
        let resp =
            req.form(&form).send().await.map_err(|e| {
                AuthError::Token(format!("token endpoint unreachable: {}", reason(&e)))
            })?;
        let status = resp.status();
        let body = read_limited(resp).await?;
        parse(status.as_u16(), &body)
    }
}

/// Interprets a token endpoint's answer; messages carry the OAuth error code, never a token.
pub fn parse(status: u16, body: &[u8]) -> Result<TokenResponse, AuthError> {
    if !(200..300).contains(&status) {
        let code = serde_json::from_slice::<Failure>(body)
            .map(|f| f.error)
            .unwrap_or_else(|_| "no error code".into());
        let code: String = code
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        if code == "invalid_grant" {
            return Err(AuthError::InvalidGrant);
        }
        return Err(AuthError::Token(format!(
            "token endpoint answered {status} ({code})"
        )));
    }
    let ok: Success = serde_json::from_slice(body)
        .map_err(|_| AuthError::Token("token endpoint sent no access_token".into()))?;
    if let Some(t) = &ok.token_type
        && !t.eq_ignore_ascii_case("bearer")
    {
        return Err(AuthError::Token(format!(
            "token endpoint sent token_type {:?}; only bearer is supported",
            t.chars().take(32).collect::<String>()
        )));
    }
    if ok.access_token.is_empty() || http::HeaderValue::from_str(&ok.access_token).is_err() {
        return Err(AuthError::Token(
            "token endpoint sent an unusable access_token".into(),
        ));
    }
    let secs = match &ok.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.parse::<f64>().ok(),
        _ => None,
    };
    let expiry_given = secs.is_some();
    let expires_in = secs
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(DEFAULT_LIFETIME, |s| Duration::from_secs_f64(s.min(1.0e7)));
    Ok(TokenResponse {
        access_token: Secret::from_reference(ok.access_token),
        expires_in,
        expiry_given,
        refresh_token: ok
            .refresh_token
            .filter(|r| !r.is_empty())
            .map(Secret::from_reference),
    })
}

async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, AuthError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| AuthError::Token(format!("token response broken: {}", reason(&e))))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(AuthError::Token("token response too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The innermost cause, without the URL (which could carry a secret reference's value).
fn reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut out = String::from("could not connect");
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        out = s.to_string();
        source = s.source();
    }
    out
}
