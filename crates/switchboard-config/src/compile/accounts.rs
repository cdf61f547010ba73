//! Settings for per-user connected accounts: the public URL links are built on, the key that
//! seals tokens at rest, and the defaults that depend on both (each connector's callback URL).

use super::Ctx;
use super::secrets;
use crate::model::{Auth, BotSettings, Connector};
use crate::raw::Spanned;
use crate::secret::Secret;
use base64::Engine as _;
use indexmap::IndexMap;

/// Where users reach the server when `bot.public_url` is not given.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Compiles `bot.public_url`: an `http(s)://` URL, kept without a trailing `/`.
pub(crate) fn public_url(ctx: &mut Ctx, raw: Option<&Spanned<String>>) -> String {
    let Some(raw) = raw else {
        return DEFAULT_PUBLIC_URL.to_string();
    };
    let lower = raw.value.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || raw.value.contains('?') {
        ctx.error(
            raw.pos,
            "public_url must be an http:// or https:// URL without a query, such as https://bot.example.com",
        );
    }
    raw.value.trim_end_matches('/').to_string()
}

/// Compiles `bot.accounts_key`: a reference to 32 bytes in base64 or hex. The result holds
/// the key as 64 lower-case hex digits.
pub(crate) fn key(ctx: &mut Ctx, raw: &Spanned<String>) -> Option<Secret> {
    let text = secrets::resolve(ctx, raw, true)?;
    match decode_key(text.expose()) {
        Some(bytes) => Some(Secret::from_reference(hex::encode(bytes))),
        None => {
            ctx.error(
                raw.pos,
                "accounts_key must be 32 bytes written as base64 or hex; make one with `openssl rand -base64 32`",
            );
            None
        }
    }
}

/// 32 bytes from 64 hex digits or from base64 (standard or URL-safe, padded or not). The
/// compiled key is kept as hex, which this also reads.
pub fn decode_key(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).ok()?
    } else {
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        engines.iter().find_map(|e| e.decode(text).ok())?
    };
    bytes.try_into().ok()
}

/// Fills each `oauth2_authorization_code` connector's default `redirect_url`, and reports the
/// connectors that need `bot.accounts_key` when it is missing.
pub(crate) fn finish(
    ctx: &mut Ctx,
    connectors: &mut IndexMap<String, Connector>,
    bot: &BotSettings,
) {
    for c in connectors.values_mut() {
        if let Auth::AuthorizationCode(a) = &mut c.auth
            && a.redirect_url.is_empty()
        {
            a.redirect_url = format!("{}/v1/oauth/{}/callback", bot.public_url, c.name);
        }
    }
    if bot.accounts_key.is_none() {
        for pos in std::mem::take(&mut ctx.account_connectors) {
            ctx.error(
                pos,
                "oauth2_authorization_code stores each user's tokens encrypted and needs bot.accounts_key; set it to a reference such as \"${env:SWITCHBOARD_ACCOUNTS_KEY}\" holding 32 random bytes (openssl rand -base64 32)",
            );
        }
    }
}
