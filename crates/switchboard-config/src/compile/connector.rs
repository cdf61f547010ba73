//! Connectors: base URL, default headers, authentication, timeouts and limits.

use super::Ctx;
use super::auth;
use super::operation;
use super::policy;
use super::secrets;
use crate::model::{Auth, Connector};
use crate::raw::{RawConnector, RawDuration, Spanned};
use indexmap::IndexMap;
use std::time::Duration;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_MAX_RESPONSE_BYTES: usize = 1_048_576;

/// Compiles a connector and its operations.
pub(crate) fn connector(ctx: &mut Ctx, name: &Spanned<String>, raw: &RawConnector) -> Connector {
    let base_url = base_url(ctx, &raw.base_url).unwrap_or_default();
    let flag = |f: &Option<Spanned<bool>>| f.as_ref().is_some_and(|f| f.value);
    let allow_insecure_http = flag(&raw.allow_insecure_http);
    auth::check_transport(
        ctx,
        &raw.base_url,
        &base_url,
        "base_url",
        raw.allow_insecure_http.as_ref(),
    );
    let mut headers = Vec::new();
    for (hname, value) in &raw.headers {
        check_header_name(ctx, hname);
        let credential = is_credential_name(&hname.value);
        if let Some(secret) = secrets::resolve(ctx, value, credential) {
            if secret.expose().contains(['\r', '\n']) {
                ctx.error(
                    value.pos,
                    format!("header {} must not contain a line break", hname.value),
                );
            }
            headers.push((hname.value.clone(), secret));
        }
    }
    let auth = match &raw.auth {
        Some(a) => auth::auth(ctx, a, raw.allow_insecure_http.as_ref(), &base_url),
        None => Auth::None,
    };
    let max_response_bytes = match &raw.max_response_bytes {
        Some(n) if n.value == 0 => {
            ctx.error(n.pos, "max_response_bytes must be more than 0");
            DEFAULT_MAX_RESPONSE_BYTES
        }
        Some(n) => usize::try_from(n.value).unwrap_or(usize::MAX),
        None => DEFAULT_MAX_RESPONSE_BYTES,
    };
    let kind = raw.kind.as_ref().map(|k| k.value);
    let mcp = kind == Some(crate::raw::RawConnectorType::Mcp);
    let mut operations = IndexMap::new();
    for (op_name, op) in &raw.operations {
        let mut compiled = operation::operation(ctx, &name.value, op_name, op, mcp);
        compiled.policy = policy::operation(ctx, raw, op, compiled.method, &compiled.headers);
        operations.insert(op_name.value.clone(), compiled);
    }
    let mut tools = raw.tools.as_ref().map(|t| t.value);
    if kind == Some(crate::raw::RawConnectorType::Llm) {
        // A model is reached, never offered: its call is not a tool.
        if let Some(t) = raw.tools.as_ref().filter(|t| t.value) {
            ctx.error(
                t.pos,
                "a type: llm connector reaches a language model and cannot offer tools; remove tools: true",
            );
        }
        tools = Some(false);
        if let Some((first, _)) = raw.operations.first() {
            ctx.error(
                first.pos,
                format!(
                    "a type: llm connector's one operation, {CHAT:?}, is built in (it posts to /chat/completions); remove operations",
                    CHAT = crate::model::CHAT_OPERATION
                ),
            );
        } else if let Some(mut chat) = chat_operation(ctx, name, raw) {
            chat.chat_completions = true;
            operations.insert(crate::model::CHAT_OPERATION.to_string(), chat);
        }
    }
    // Credentials minted per user mean per-user answers: never share them in the cache.
    if auth::per_user(&auth) {
        for op in operations.values_mut() {
            if let Some(c) = op.policy.cache.as_mut() {
                c.scope = crate::model::CacheScope::User;
            }
        }
    }
    let policy = policy::connector(ctx, raw);
    Connector {
        name: name.value.clone(),
        base_url,
        headers,
        auth,
        allow_insecure_http,
        allow_private_network: flag(&raw.allow_private_network),
        follow_redirects: flag(&raw.follow_redirects),
        timeout: duration(ctx, raw.timeout.as_ref(), "timeout").unwrap_or(DEFAULT_TIMEOUT),
        connect_timeout: duration(ctx, raw.connect_timeout.as_ref(), "connect_timeout")
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        max_response_bytes,
        policy,
        tools,
        operations,
        span: ctx.span(name.pos),
    }
}

/// The built-in operation of a `type: llm` connector: one chat-completions request, whose
/// body the runtime builds. It carries an `Idempotency-Key`, so a `429` or `5xx` is tried
/// again as the providers' own SDKs do.
const CHAT_SPEC: &str = r#"
description: Asks the language model for a chat completion (OpenAI-compatible).
method: POST
path: /chat/completions
inputs: { request: object }
body: "{{ inputs.request }}"
idempotency_key: Idempotency-Key
"#;

fn chat_operation(
    ctx: &mut Ctx,
    name: &Spanned<String>,
    raw: &RawConnector,
) -> Option<crate::model::Operation> {
    let pos = name.pos;
    let node = marked_yaml::parse_yaml(pos.source, CHAT_SPEC).ok()?;
    let op: crate::raw::RawOperation = crate::raw::de::from_node(&node, Some(pos)).ok()?;
    let key = Spanned::new(pos, crate::model::CHAT_OPERATION.to_string());
    let mut compiled = operation::operation(ctx, &name.value, &key, &op, false);
    compiled.policy = policy::operation(ctx, raw, &op, compiled.method, &compiled.headers);
    Some(compiled)
}

/// A positive duration, or `None` when absent (or zero, which is reported).
pub(crate) fn duration(
    ctx: &mut Ctx,
    d: Option<&Spanned<RawDuration>>,
    key: &str,
) -> Option<Duration> {
    let d = d?;
    if d.value.0.is_zero() {
        ctx.error(d.pos, format!("{key} must be more than 0"));
        return None;
    }
    Some(d.value.0)
}

/// Whether a header or parameter name suggests a credential.
pub(crate) fn is_credential_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["key", "token", "secret", "auth", "password", "cookie"]
        .iter()
        .any(|w| n.contains(w))
}

/// Checks that a header name is an HTTP token.
pub(crate) fn check_header_name(ctx: &mut Ctx, name: &Spanned<String>) {
    let ok = !name.value.is_empty()
        && name
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
    if !ok {
        ctx.error(
            name.pos,
            format!("{:?} is not a valid header name", name.value),
        );
    }
}

/// Resolves and checks a base URL; the value is echoed only when it was written literally.
fn base_url(ctx: &mut Ctx, raw: &Spanned<String>) -> Option<String> {
    let secret = secrets::resolve(ctx, raw, false)?;
    let url = secret.expose().trim();
    let shown = if secret.is_literal() {
        format!(" {url:?}")
    } else {
        String::new()
    };
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if let Some(r) = lower.strip_prefix("http://") {
        r
    } else {
        ctx.error(
            raw.pos,
            format!("base_url{shown} must start with http:// or https://"),
        );
        return None;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let problem = if url.contains(['?', '#']) {
        Some("must not have a query or fragment")
    } else if url.contains(char::is_whitespace) {
        Some("must not contain spaces")
    } else if authority.contains('@') {
        Some("must not hold a user name or password; use auth")
    } else if authority.is_empty() || authority.starts_with(':') {
        Some("has no host")
    } else if let Some((_, port)) = authority.rsplit_once(':')
        && !authority.ends_with(']')
        && port.parse::<u16>().is_err()
    {
        Some("has an invalid port")
    } else {
        None
    };
    if let Some(p) = problem {
        ctx.error(raw.pos, format!("base_url{shown} {p}"));
        return None;
    }
    Some(url.trim_end_matches('/').to_string())
}
