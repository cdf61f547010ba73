//! The `webhooks` section: schemes and secrets checked, field locations parsed, defaults
//! filled in, and each route compiled as an intent (steps, graph, message as its reply).

use super::Ctx;
use super::connector::{check_header_name, duration};
use super::graph;
use super::intent::{self, Known};
use super::secrets;
use super::step_fields::StepFields;
use super::templates::{self, Scope};
use crate::model::{
    FieldRef, HmacAlgorithm, HmacSpec, Intent, OnError, Reply, ReplyVariant, SignatureEncoding,
    Verify, WebhookRoute, WebhookSource,
};
use crate::raw::{Pos, RawVerify, RawWebhookRoute, RawWebhookSource, Spanned};
use indexmap::IndexMap;
use std::time::Duration;

/// Body limit when none is set: provider events are a few kilobytes; 256 KiB leaves room.
pub(crate) const DEFAULT_MAX_BODY: u64 = 256 * 1024;
/// The largest `max_body_bytes` accepted (the whole body is held in memory to verify it).
const MAX_MAX_BODY: u64 = 16 * 1024 * 1024;
/// Signed timestamps may be this far from now unless a scheme's `tolerance` says otherwise.
pub(crate) const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Compiles every source.
pub(crate) fn sources(
    ctx: &mut Ctx,
    known: &Known,
    raw: &IndexMap<Spanned<String>, RawWebhookSource>,
) -> IndexMap<String, WebhookSource> {
    let mut out = IndexMap::new();
    for (name, s) in raw {
        if name.value.is_empty()
            || !name
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            ctx.error(
                name.pos,
                format!(
                    "webhook source name {:?} must be letters, digits, '-' or '_' (it is a URL segment)",
                    name.value
                ),
            );
        }
        if let Some(src) = source(ctx, known, name, s) {
            out.insert(name.value.clone(), src);
        }
    }
    out
}

fn source(
    ctx: &mut Ctx,
    known: &Known,
    name: &Spanned<String>,
    s: &RawWebhookSource,
) -> Option<WebhookSource> {
    let what = format!("webhook source {:?}", name.value);
    let verify = match &s.verify {
        Some(v) => verify(ctx, v),
        None => {
            ctx.error(
                name.pos,
                format!(
                    "{what} has no verify; add verify: {{type: stripe, secrets: [\"${{env:NAME}}\"]}} (or another scheme)"
                ),
            );
            None
        }
    };
    let max_body_bytes = match &s.max_body_bytes {
        Some(m) if m.value == 0 || m.value > MAX_MAX_BODY => {
            ctx.error(
                m.pos,
                format!(
                    "max_body_bytes must be between 1 and {MAX_MAX_BODY}, found {}",
                    m.value
                ),
            );
            DEFAULT_MAX_BODY
        }
        Some(m) => m.value,
        None => DEFAULT_MAX_BODY,
    };
    let scheme = s.verify.as_ref().map(|v| &v.value);
    let event_id = field(ctx, s.event_id.as_ref()).unwrap_or_else(|| default_id(scheme));
    let event_type = field(ctx, s.event_type.as_ref()).unwrap_or_else(|| default_type(scheme));
    let event_time = field(ctx, s.event_time.as_ref()).or_else(|| match scheme {
        Some(RawVerify::Stripe { .. }) => Some(path("$.created")),
        _ => None,
    });
    let max_attempts = match &s.max_attempts {
        Some(m) if m.value == 0 => {
            ctx.error(m.pos, "max_attempts must be at least 1");
            5
        }
        Some(m) => m.value,
        None => 5,
    };
    let mut routes = IndexMap::new();
    for (event_type, r) in &s.routes {
        if let Some(route) = route(ctx, known, &name.value, event_type, r) {
            routes.insert(event_type.value.clone(), route);
        }
    }
    Some(WebhookSource {
        name: name.value.clone(),
        verify: verify?,
        max_body_bytes: usize::try_from(max_body_bytes).unwrap_or(usize::MAX),
        event_id,
        event_type,
        event_time,
        stale_after: duration(ctx, s.stale_after.as_ref(), "stale_after")
            .unwrap_or(Duration::from_secs(3600)),
        max_attempts,
        retry_backoff: duration(ctx, s.retry_backoff.as_ref(), "retry_backoff")
            .unwrap_or(Duration::from_secs(2)),
        user_hourly_limit: s.user_hourly_limit.as_ref().map_or(20, |l| l.value),
        routes,
    })
}

/// A JSONPath known to parse (the scheme defaults).
fn path(p: &str) -> FieldRef {
    FieldRef::Path(serde_json_path::JsonPath::parse(p).expect("built-in JSONPath"))
}

fn default_id(scheme: Option<&RawVerify>) -> FieldRef {
    match scheme {
        Some(RawVerify::StandardWebhooks { .. }) => FieldRef::Header("webhook-id".into()),
        Some(RawVerify::Github { .. }) => FieldRef::Header("x-github-delivery".into()),
        Some(RawVerify::Shopify { .. }) => FieldRef::Header("x-shopify-webhook-id".into()),
        Some(RawVerify::Twilio { .. }) => FieldRef::Header("i-twilio-idempotency-token".into()),
        Some(RawVerify::Slack { .. }) => path("$.event_id"),
        Some(RawVerify::Meta { .. }) | Some(RawVerify::Hmac { .. }) => FieldRef::BodyHash,
        _ => path("$.id"),
    }
}

fn default_type(scheme: Option<&RawVerify>) -> FieldRef {
    match scheme {
        Some(RawVerify::Github { .. }) => FieldRef::Header("x-github-event".into()),
        Some(RawVerify::Shopify { .. }) => FieldRef::Header("x-shopify-topic".into()),
        Some(RawVerify::Slack { .. }) => path("$.event.type"),
        Some(RawVerify::Twilio { .. }) => path("$.MessageStatus"),
        Some(RawVerify::Meta { .. }) => path("$.entry[0].changes[0].field"),
        _ => path("$.type"),
    }
}

/// `header:NAME` or a JSONPath.
fn field(ctx: &mut Ctx, raw: Option<&Spanned<String>>) -> Option<FieldRef> {
    let raw = raw?;
    if let Some(h) = raw.value.strip_prefix("header:") {
        let h = Spanned::new(raw.pos, h.trim().to_string());
        check_header_name(ctx, &h);
        return Some(FieldRef::Header(h.value.to_ascii_lowercase()));
    }
    json_path(ctx, raw).map(FieldRef::Path)
}

pub(crate) fn json_path(ctx: &mut Ctx, raw: &Spanned<String>) -> Option<serde_json_path::JsonPath> {
    match serde_json_path::JsonPath::parse(&raw.value) {
        Ok(p) => Some(p),
        Err(e) => {
            ctx.error(
                raw.pos,
                format!("{:?} is not a JSONPath (or header:NAME): {e}", raw.value),
            );
            None
        }
    }
}

/// Compiles a `verify` block.
fn verify(ctx: &mut Ctx, raw: &Spanned<RawVerify>) -> Option<Verify> {
    let pos = raw.pos;
    let tol = |ctx: &mut Ctx, t: &Option<Spanned<crate::raw::RawDuration>>| {
        duration(ctx, t.as_ref(), "tolerance").unwrap_or(DEFAULT_TOLERANCE)
    };
    Some(match &raw.value {
        RawVerify::Stripe { secrets, tolerance } => Verify::Stripe {
            secrets: secret_list(ctx, pos, secrets)?,
            tolerance: tol(ctx, tolerance),
        },
        RawVerify::StandardWebhooks { secrets, tolerance } => Verify::StandardWebhooks {
            secrets: secret_list(ctx, pos, secrets)?,
            tolerance: tol(ctx, tolerance),
        },
        RawVerify::Github { secrets } => Verify::Github {
            secrets: secret_list(ctx, pos, secrets)?,
        },
        RawVerify::Shopify { secrets } => Verify::Shopify {
            secrets: secret_list(ctx, pos, secrets)?,
        },
        RawVerify::Slack { secrets, tolerance } => Verify::Slack {
            secrets: secret_list(ctx, pos, secrets)?,
            tolerance: tol(ctx, tolerance),
        },
        RawVerify::Twilio { secrets, url } => {
            let secrets = secret_list(ctx, pos, secrets)?;
            let Some(url) = url else {
                ctx.error(
                    pos,
                    "twilio verification needs url: the public URL configured in Twilio",
                );
                return None;
            };
            if !(url.value.starts_with("https://") || url.value.starts_with("http://")) {
                ctx.error(
                    url.pos,
                    format!("url must be an http(s) URL, found {:?}", url.value),
                );
            }
            Verify::Twilio {
                secrets,
                url: url.value.clone(),
            }
        }
        RawVerify::Meta {
            secrets,
            verify_token,
        } => {
            let secrets = secret_list(ctx, pos, secrets)?;
            let Some(token) = verify_token else {
                ctx.error(
                    pos,
                    "meta verification needs verify_token: the token typed into the app's webhook settings",
                );
                return None;
            };
            Verify::Meta {
                secrets,
                verify_token: secrets::resolve(ctx, token, true)?,
            }
        }
        RawVerify::Hmac {
            secrets,
            header,
            algorithm,
            encoding,
            prefix,
            timestamp_header,
            tolerance,
        } => {
            let secrets = secret_list(ctx, pos, secrets)?;
            let Some(header) = header else {
                ctx.error(
                    pos,
                    "hmac verification needs header: the signature's header",
                );
                return None;
            };
            check_header_name(ctx, header);
            let algorithm = match algorithm.as_ref().map(|a| (a.value.as_str(), a.pos)) {
                None | Some(("sha256", _)) => HmacAlgorithm::Sha256,
                Some(("sha512", _)) => HmacAlgorithm::Sha512,
                Some(("sha1", _)) => HmacAlgorithm::Sha1,
                Some((other, p)) => {
                    ctx.error(
                        p,
                        format!("algorithm must be sha256, sha512 or sha1, found {other:?}"),
                    );
                    HmacAlgorithm::Sha256
                }
            };
            let encoding = match encoding.as_ref().map(|e| (e.value.as_str(), e.pos)) {
                None | Some(("hex", _)) => SignatureEncoding::Hex,
                Some(("base64", _)) => SignatureEncoding::Base64,
                Some((other, p)) => {
                    ctx.error(
                        p,
                        format!("encoding must be hex or base64, found {other:?}"),
                    );
                    SignatureEncoding::Hex
                }
            };
            if let Some(t) = timestamp_header {
                check_header_name(ctx, t);
            }
            Verify::Hmac(HmacSpec {
                secrets,
                header: header.value.to_ascii_lowercase(),
                algorithm,
                encoding,
                prefix: prefix.as_ref().map(|p| p.value.clone()).unwrap_or_default(),
                timestamp_header: timestamp_header
                    .as_ref()
                    .map(|t| t.value.to_ascii_lowercase()),
                tolerance: tol(ctx, tolerance),
            })
        }
    })
}

/// Resolves a scheme's secrets; they must be references, and there must be at least one.
fn secret_list(ctx: &mut Ctx, pos: Pos, raw: &[Spanned<String>]) -> Option<Vec<crate::Secret>> {
    if raw.is_empty() {
        ctx.error(
            pos,
            "verify needs secrets: a list of at least one ${env:NAME} or ${file:PATH} reference",
        );
        return None;
    }
    let resolved: Vec<_> = raw.iter().map(|s| secrets::resolve(ctx, s, true)).collect();
    resolved.into_iter().collect()
}

/// Compiles a route as an intent named `webhooks.SOURCE.TYPE`.
pub(crate) fn route(
    ctx: &mut Ctx,
    known: &Known,
    source: &str,
    event_type: &Spanned<String>,
    raw: &Spanned<RawWebhookRoute>,
) -> Option<WebhookRoute> {
    let r = &raw.value;
    let name = format!("webhooks.{source}.{}", event_type.value);
    let what = format!("webhook route {:?} of source {source:?}", event_type.value);
    let step_fields = StepFields::new(known.connectors, &r.steps);
    let scope = Scope::Webhook {
        what: &what,
        steps: &step_fields,
    };
    let user = match &r.user {
        Some(u) => json_path(ctx, u),
        None => {
            ctx.error(
                event_type.pos,
                format!("{what} has no user: a JSONPath to the user id in the event"),
            );
            None
        }
    };
    let mut steps = IndexMap::new();
    let mut graph_input = Vec::new();
    for (sname, s) in &r.steps {
        let (step, op) = intent::step(
            ctx,
            known,
            &what,
            &format!("{name}.steps.{}", sname.value),
            sname,
            s,
            &scope,
        );
        if let Some(op) = op
            && !op.method.is_safe()
        {
            ctx.warn(
                s.value.call.pos,
                format!(
                    "step {:?} of {what} calls {} ({}), which changes data; it may run more than once when the event is retried",
                    sname.value,
                    op.reference(),
                    op.method
                ),
            );
        }
        graph_input.push((sname.value.clone(), sname.pos, step.depends_on.clone()));
        steps.insert(sname.value.clone(), step);
    }
    let levels = graph::levels(ctx, &graph_input);
    let message = match &r.message {
        Some(m) => templates::template(ctx, format!("{name}.message"), m, &scope, &mut Vec::new()),
        None => {
            ctx.error(
                event_type.pos,
                format!("{what} has no message: the template sent to the user"),
            );
            return None;
        }
    };
    let intent = Intent {
        name,
        description: None,
        examples: Vec::new(),
        example_languages: Vec::new(),
        slots: IndexMap::new(),
        steps,
        levels,
        confirm: None,
        reply: Reply {
            variants: vec![ReplyVariant {
                when: None,
                language: None,
                text: message,
            }],
            escalate: None,
        },
        on_error: OnError::default(),
        llm_reply: Some(false),
        tool: Default::default(),
        span: ctx.span(event_type.pos),
    };
    Some(WebhookRoute {
        event_type: event_type.value.clone(),
        user: user?,
        intent,
        channel: r.channel.as_ref().map(|c| c.value.clone()),
    })
}
