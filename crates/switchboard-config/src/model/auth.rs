//! Outbound authentication as compiled: every secret loaded, every template parsed.

use crate::secret::Secret;
use indexmap::IndexMap;
use std::time::Duration;

/// Outbound authentication. Closed on purpose: a new scheme is a new variant, and the compiler
/// points at every place that must handle it.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credentials.
    None,
    /// A static key in a header or a query parameter.
    ApiKey {
        /// Header or query.
        location: ApiKeyLocation,
        /// The header or parameter name.
        name: String,
        /// The key.
        value: Secret,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token.
        token: Secret,
    },
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// OAuth 2.0 client credentials.
    ClientCredentials(ClientCredentials),
    /// OAuth 2.0 authorization code: per-user connected accounts.
    AuthorizationCode(AuthorizationCode),
    /// Tokens minted and signed by Switchboard.
    Jwt(JwtMinting),
    /// An HMAC signature over parts of the request.
    Hmac(HmacSigning),
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
}

/// OAuth 2.0 client credentials grant settings.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// The token endpoint (may hold a secret reference, hence a `Secret`).
    pub token_url: Secret,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// An `audience` parameter.
    pub audience: Option<String>,
    /// How the client authenticates to the token endpoint.
    pub client_auth: ClientAuth,
    /// How long before expiry a token is replaced.
    pub expiry_skew: Duration,
}

/// OAuth 2.0 authorization code grant settings (per-user connected accounts).
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    /// The provider's authorization page.
    pub authorize_url: String,
    /// The token endpoint (may hold a secret reference, hence a `Secret`).
    pub token_url: Secret,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// The callback URL sent as `redirect_uri`.
    pub redirect_url: String,
    /// How the client authenticates to the token endpoint.
    pub client_auth: ClientAuth,
    /// How long before expiry a token is refreshed.
    pub expiry_skew: Duration,
}

/// How an OAuth 2.0 client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic.
    Basic,
    /// Form fields.
    Body,
}

/// JWT minting settings.
#[derive(Debug, Clone)]
pub struct JwtMinting {
    /// The signing algorithm.
    pub algorithm: JwtAlgorithm,
    /// The shared secret or PEM private key.
    pub key: Secret,
    /// Claim name → template source (already parsed; may use `user.id`).
    pub claims: IndexMap<String, String>,
    /// Lifetime of a token.
    pub ttl: Duration,
    /// The `kid` header.
    pub key_id: Option<String>,
}

/// A JWT signing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    /// HMAC SHA-256.
    Hs256,
    /// RSA PKCS#1 v1.5 SHA-256.
    Rs256,
    /// ECDSA P-256 SHA-256.
    Es256,
}

/// HMAC request signing settings.
#[derive(Debug, Clone)]
pub struct HmacSigning {
    /// The shared secret.
    pub secret: Secret,
    /// The hash.
    pub algorithm: HmacAlgorithm,
    /// How the signature is written.
    pub encoding: HmacEncoding,
    /// What is signed, in order.
    pub sign: Vec<SignedPart>,
    /// Text between signed parts.
    pub separator: String,
    /// The signature header's name.
    pub header: String,
    /// The signature header's value, with `{signature}` and `{timestamp}` placeholders.
    pub value: String,
    /// A header for the timestamp on its own.
    pub timestamp_header: Option<String>,
}

/// The hash of an HMAC signature (request signing and webhook verification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacAlgorithm {
    /// SHA-1: legacy webhook senders only; request signing does not offer it.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

/// How a signature is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacEncoding {
    /// Lower-case hex.
    Hex,
    /// Standard base64.
    Base64,
}

/// One signed part of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedPart {
    /// Unix seconds.
    Timestamp,
    /// The method.
    Method,
    /// The path.
    Path,
    /// The query string.
    Query,
    /// The body.
    Body,
}
