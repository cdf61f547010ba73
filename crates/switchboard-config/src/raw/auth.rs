//! Outbound authentication schemes as written in a connector's `auth` block, one `type` each.

use super::common::{RawDuration, SecretDoc, Spanned, TemplateDoc};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

/// Outbound authentication, chosen by `type`. Credentials (`value`, `token`, `password`,
/// `client_secret`, `key`, `secret`) must be `${env:NAME}` or `${file:PATH}` references,
/// never written in the file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schemars(tag = "type", rename = "Auth")]
pub enum RawAuth {
    /// No credentials.
    None,
    /// A static key in a header or a query parameter.
    ApiKey {
        /// Where the key goes: `header` or `query`. Default: `header`.
        #[serde(rename = "in")]
        location: Option<Spanned<RawKeyLocation>>,
        /// The header or query parameter name, such as `X-Api-Key`. Required.
        name: Spanned<String>,
        /// The key, as a reference. Required.
        #[schemars(with = "SecretDoc")]
        value: Spanned<String>,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token, as a reference. Required.
        #[schemars(with = "SecretDoc")]
        token: Spanned<String>,
    },
    /// `Authorization: Basic <base64(username:password)>`.
    Basic {
        /// The user name (may be a reference). Required.
        #[schemars(with = "SecretDoc")]
        username: Spanned<String>,
        /// The password, as a reference. Required.
        #[schemars(with = "SecretDoc")]
        password: Spanned<String>,
    },
    /// OAuth 2.0 client credentials (RFC 6749 §4.4): a token is fetched from `token_url`,
    /// sent as `Authorization: Bearer`, kept until shortly before it expires and fetched
    /// again by one request however many calls need it at once. A `401` from the API
    /// fetches a new token and repeats the call once.
    Oauth2ClientCredentials {
        /// The token endpoint, such as `https://auth.example.com/oauth/token`: `https`
        /// unless loopback (or the connector's `allow_insecure_http`). Required.
        #[schemars(with = "SecretDoc")]
        token_url: Spanned<String>,
        /// The client id (may be a reference). Required.
        #[schemars(with = "SecretDoc")]
        client_id: Spanned<String>,
        /// The client secret, as a reference. Required.
        #[schemars(with = "SecretDoc")]
        client_secret: Spanned<String>,
        /// Scopes asked for, sent space-separated as `scope`. Default: none.
        #[serde(default)]
        scopes: Vec<Spanned<String>>,
        /// An `audience` parameter for providers that want one (Auth0 and others).
        /// Default: none.
        audience: Option<Spanned<String>>,
        /// How the client proves itself to the token endpoint: `basic` (HTTP Basic header)
        /// or `body` (`client_id` and `client_secret` form fields). Default: `basic`.
        client_auth: Option<Spanned<RawClientAuth>>,
        /// How long before its expiry a token is replaced. Default: `30s`.
        expiry_skew: Option<Spanned<RawDuration>>,
    },
    /// OAuth 2.0 authorization code with PKCE (RFC 6749 §4.1, RFC 7636): each user connects
    /// their own account through `GET /v1/oauth/{connector}/start?user_id=...`; the tokens
    /// are stored per user, encrypted with `bot.accounts_key`, sent as
    /// `Authorization: Bearer`, refreshed shortly before they expire and after a `401` (the
    /// call is repeated once). A user who has not connected, or whose refresh token was
    /// refused, gets a link to connect instead of an answer.
    Oauth2AuthorizationCode {
        /// The provider's authorization page, such as
        /// `https://auth.example.com/oauth/authorize`: `https` unless loopback. Required.
        authorize_url: Spanned<String>,
        /// The token endpoint, such as `https://auth.example.com/oauth/token`: `https`
        /// unless loopback (or the connector's `allow_insecure_http`). Required.
        #[schemars(with = "SecretDoc")]
        token_url: Spanned<String>,
        /// The client id (may be a reference). Required.
        #[schemars(with = "SecretDoc")]
        client_id: Spanned<String>,
        /// The client secret, as a reference. Required.
        #[schemars(with = "SecretDoc")]
        client_secret: Spanned<String>,
        /// Scopes asked for, sent space-separated as `scope`. Default: none.
        #[serde(default)]
        scopes: Vec<Spanned<String>>,
        /// This server's public callback URL, registered with the provider:
        /// `{bot.public_url}/v1/oauth/{connector}/callback`. Default: that URL.
        redirect_url: Option<Spanned<String>>,
        /// How the client proves itself to the token endpoint: `basic` or `body`.
        /// Default: `basic`.
        client_auth: Option<Spanned<RawClientAuth>>,
        /// How long before its expiry an access token is refreshed. Default: `30s`.
        expiry_skew: Option<Spanned<RawDuration>>,
    },
    /// A JSON Web Token minted by Switchboard for each user (or once, without user claims),
    /// signed with the connector's key and sent as `Authorization: Bearer`; reused until
    /// shortly before it expires.
    Jwt {
        /// `HS256` (shared secret), `RS256` (RSA private key, PEM) or `ES256` (P-256
        /// private key, PEM). Required.
        algorithm: Spanned<RawJwtAlgorithm>,
        /// The signing key, as a reference: the shared secret for `HS256`, a PEM private key
        /// (`${file:keys/bot.pem}`) for the others. Required.
        #[schemars(with = "SecretDoc")]
        key: Spanned<String>,
        /// Claims: name → template. Templates can use `user.id`, the user on whose behalf
        /// the call is made; a claim that renders empty is left out. `iat` and `exp` are
        /// added. Default: none.
        #[serde(default)]
        #[schemars(with = "IndexMap<String, TemplateDoc>")]
        claims: IndexMap<Spanned<String>, Spanned<String>>,
        /// Lifetime of a minted token (`exp` - `iat`). Default: `5m`.
        ttl: Option<Spanned<RawDuration>>,
        /// A `kid` header naming the key for the API. Default: none.
        key_id: Option<Spanned<String>>,
    },
    /// An HMAC signature over parts of each request, in a header, for APIs that sign
    /// requests instead of (or besides) sending a token.
    Hmac {
        /// The shared signing secret, as a reference. Required.
        #[schemars(with = "SecretDoc")]
        secret: Spanned<String>,
        /// The hash: `sha256` or `sha512`. Default: `sha256`.
        algorithm: Option<Spanned<RawHmacAlgorithm>>,
        /// How the signature is written: `hex` (lower case) or `base64`. Default: `hex`.
        encoding: Option<Spanned<RawHmacEncoding>>,
        /// What is signed, in order, joined by `separator`: `timestamp` (Unix seconds),
        /// `method` (upper case), `path` (from the first `/`, percent-encoded as sent),
        /// `query` (without `?`, possibly empty), `body` (the bytes sent, possibly empty).
        /// Default: `[timestamp, method, path, query, body]`.
        #[serde(default)]
        sign: Vec<Spanned<RawSignedPart>>,
        /// Text between the signed parts. Default: `"\n"`.
        separator: Option<Spanned<String>>,
        /// The header that carries the signature, such as `X-Signature`. Required.
        header: Spanned<String>,
        /// The header's value: `{signature}` and `{timestamp}` are replaced, so
        /// `"t={timestamp},v1={signature}"` gives `t=1700000000,v1=5257a8...`.
        /// Default: `"{signature}"`.
        value: Option<Spanned<String>>,
        /// A header that carries the timestamp on its own, such as `X-Timestamp`.
        /// Default: none.
        timestamp_header: Option<Spanned<String>>,
    },
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "KeyLocation")]
pub enum RawKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
}

/// How an OAuth 2.0 client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ClientAuth")]
pub enum RawClientAuth {
    /// `Authorization: Basic` with the client id and secret (RFC 6749 §2.3.1).
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// A JWT signing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[schemars(rename = "JwtAlgorithm")]
pub enum RawJwtAlgorithm {
    /// HMAC with SHA-256 and a shared secret.
    HS256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 and an RSA private key.
    RS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
}

/// The hash of an HMAC signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "HmacAlgorithm")]
pub enum RawHmacAlgorithm {
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

/// How a signature is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "HmacEncoding")]
pub enum RawHmacEncoding {
    /// Lower-case hexadecimal.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// One part of a request that goes into a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "SignedPart")]
pub enum RawSignedPart {
    /// Unix seconds when the request is sent.
    Timestamp,
    /// The method, upper case.
    Method,
    /// The path as sent.
    Path,
    /// The query string as sent, without `?`.
    Query,
    /// The body bytes.
    Body,
}
