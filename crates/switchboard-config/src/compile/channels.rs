//! The `channels` section: each channel's secrets resolved, its verification built, and its
//! send API compiled as a built-in connector `channel_<name>` with one operation, `send`, so
//! replies go through the pipeline like any other call.

use super::Ctx;
use super::connector;
use super::secrets;
use crate::model::{
    Channel, ChannelIdentity, ChannelKind, Connector, OperationRef, Verify, WhatsappTemplate,
};
use crate::raw::{
    Pos, RawAuth, RawChannel, RawChannelIdentity, RawConnector, RawRateLimit, Spanned,
};
use crate::suggest::did_you_mean;
use indexmap::IndexMap;

/// The prefix of the built-in connectors' names.
pub const CONNECTOR_PREFIX: &str = "channel_";

/// Compiles `channels:`, adding each channel's built-in connector to `connectors`.
pub(crate) fn channels(
    ctx: &mut Ctx,
    raw: &IndexMap<Spanned<String>, Spanned<RawChannel>>,
    connectors: &mut IndexMap<String, Connector>,
    public_url: &str,
) -> IndexMap<String, Channel> {
    let mut out = IndexMap::new();
    for (name, c) in raw {
        let valid = !name.value.is_empty()
            && name.value.len() <= 40
            && name
                .value
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_' || ch == '-');
        if !valid {
            ctx.error(
                name.pos,
                format!(
                    "channel name {:?} must be 1 to 40 lower-case letters, digits, '_' or '-' (it is part of the URL)",
                    name.value
                ),
            );
            continue;
        }
        let connector_name = format!("{CONNECTOR_PREFIX}{}", name.value.replace('-', "_"));
        if let Some(existing) = connectors.get(&connector_name) {
            let place = existing.span.to_string();
            ctx.error(
                name.pos,
                format!(
                    "channel {:?} needs the connector name {connector_name:?}, which the connector at {place} already uses; rename that connector",
                    name.value
                ),
            );
            continue;
        }
        let url = format!("{public_url}/v1/channels/{}", name.value);
        let Some(built) = channel(ctx, name, c, &url) else {
            continue;
        };
        let identity = built
            .identity
            .and_then(|i| identity(ctx, i, connectors, &name.value));
        let key = Spanned::new(name.pos, connector_name.clone());
        let mut conn = connector::connector(ctx, &key, &built.connector);
        conn.span = ctx.span(c.pos);
        for op in conn.operations.values_mut() {
            op.span = conn.span.clone();
        }
        connectors.insert(connector_name.clone(), conn);
        out.insert(
            name.value.clone(),
            Channel {
                name: name.value.clone(),
                kind: built.kind,
                connector: connector_name,
                identity,
                span: ctx.span(name.pos),
            },
        );
    }
    out
}

/// What one entry compiles to before the connector is.
struct Built<'r> {
    kind: ChannelKind,
    connector: RawConnector,
    identity: Option<&'r Spanned<RawChannelIdentity>>,
}

fn channel<'r>(
    ctx: &mut Ctx,
    key: &Spanned<String>,
    raw: &'r Spanned<RawChannel>,
    public_url: &str,
) -> Option<Built<'r>> {
    // Missing keys are reported at the channel's name; every value given is checked, even
    // when another key is missing.
    let (name, pos) = (key.value.as_str(), key.pos);
    let mut need = Need {
        ctx,
        pos,
        ty: raw.value.type_name(),
    };
    match &raw.value {
        RawChannel::Whatsapp {
            phone_number_id,
            access_token,
            app_secret,
            verify_token,
            template,
            api_base,
            rate_limit,
            identity,
        } => {
            let id = need.value(
                phone_number_id,
                "phone_number_id",
                "the business phone number's id from WhatsApp Manager",
            );
            let token = need.secret(
                access_token,
                "access_token",
                "a ${env:NAME} reference to the access token",
            );
            let app = need.secret(
                app_secret,
                "app_secret",
                "a ${env:NAME} reference to the app secret",
            );
            let vt = need.secret(
                verify_token,
                "verify_token",
                "a ${env:NAME} reference to the webhook's verify token",
            );
            let ctx = need.ctx;
            if let Some(id) = id
                && (id.value.is_empty() || !id.value.chars().all(|c| c.is_ascii_digit()))
            {
                ctx.error(
                    id.pos,
                    format!(
                        "phone_number_id must be the number's id (digits), found {:?}",
                        id.value
                    ),
                );
            }
            let (id, (token, _), (_, app), (_, vt)) = (id?, token?, app?, vt?);
            let template = template.as_ref().map(|t| WhatsappTemplate {
                name: t.value.name.value.clone(),
                language: t
                    .value
                    .language
                    .as_ref()
                    .map_or_else(|| "en".to_string(), |l| l.value.clone()),
            });
            let auth = RawAuth::Bearer {
                token: token.clone(),
            };
            let connector = raw_connector(
                ctx,
                name,
                pos,
                Own {
                    api_base,
                    rate_limit: rate_limit.as_ref(),
                },
                "https://graph.facebook.com/v21.0",
                WHATSAPP_SEND,
                Some(auth),
            )?;
            Some(Built {
                kind: ChannelKind::Whatsapp {
                    phone_number_id: id.value.clone(),
                    verify: Verify::Meta {
                        secrets: vec![app],
                        verify_token: vt,
                    },
                    template,
                },
                connector,
                identity: identity.as_ref(),
            })
        }
        RawChannel::Telegram {
            bot_token,
            secret_token,
            api_base,
            rate_limit,
            identity,
        } => {
            let bt = need.secret(
                bot_token,
                "bot_token",
                "a ${env:NAME} reference to the token from BotFather",
            );
            let st = need.secret(secret_token, "secret_token", "a ${env:NAME} reference to a random secret of 1 to 256 letters, digits, '_' or '-'");
            let ctx = need.ctx;
            let ((_, bot_token), (st, secret_token)) = (bt?, st?);
            let s = secret_token.expose();
            if s.is_empty()
                || s.len() > 256
                || !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                ctx.error(
                    st.pos,
                    "secret_token must be 1 to 256 letters, digits, '_' or '-' (Telegram refuses others)",
                );
            }
            let connector = raw_connector(
                ctx,
                name,
                pos,
                Own {
                    api_base,
                    rate_limit: rate_limit.as_ref(),
                },
                "https://api.telegram.org",
                TELEGRAM_SEND,
                None,
            )?;
            Some(Built {
                kind: ChannelKind::Telegram {
                    bot_token,
                    secret_token,
                },
                connector,
                identity: identity.as_ref(),
            })
        }
        RawChannel::Slack {
            bot_token,
            signing_secret,
            tolerance,
            api_base,
            rate_limit,
            identity,
        } => {
            let bt = need.secret(
                bot_token,
                "bot_token",
                "a ${env:NAME} reference to the bot token (xoxb-...)",
            );
            let ss = need.secret(
                signing_secret,
                "signing_secret",
                "a ${env:NAME} reference to the app's signing secret",
            );
            let ctx = need.ctx;
            let tolerance = tolerance
                .as_ref()
                .and_then(|t| connector::duration(ctx, Some(t), "tolerance"))
                .unwrap_or(super::webhooks::DEFAULT_TOLERANCE);
            let ((bt, _), (_, signing)) = (bt?, ss?);
            let auth = RawAuth::Bearer { token: bt.clone() };
            let connector = raw_connector(
                ctx,
                name,
                pos,
                Own {
                    api_base,
                    rate_limit: rate_limit.as_ref(),
                },
                "https://slack.com/api",
                SLACK_SEND,
                Some(auth),
            )?;
            Some(Built {
                kind: ChannelKind::Slack {
                    verify: Verify::Slack {
                        secrets: vec![signing],
                        tolerance,
                    },
                },
                connector,
                identity: identity.as_ref(),
            })
        }
        RawChannel::Twilio {
            account_sid,
            auth_token,
            from,
            api_base,
            rate_limit,
            identity,
        } => {
            let sid = need.value(account_sid, "account_sid", "the account SID (AC...)");
            let at = need.secret(
                auth_token,
                "auth_token",
                "a ${env:NAME} reference to the auth token",
            );
            let fr = need.value(from, "from", "the sending number (+15551234567), whatsapp:+15551234567 or a messaging service SID (MG...)");
            let ctx = need.ctx;
            let account = sid.and_then(|sid| {
                let account = secrets::resolve(ctx, sid, false)?.expose().to_string();
                let valid = account.len() == 34
                    && account.starts_with("AC")
                    && account[2..].chars().all(|c| c.is_ascii_hexdigit());
                if !valid {
                    ctx.error(
                        sid.pos,
                        "account_sid must be AC followed by 32 hexadecimal digits",
                    );
                }
                Some((sid, account))
            });
            let sender = fr.map(|fr| {
                let f = fr.value.trim();
                let number = f.strip_prefix("whatsapp:").unwrap_or(f);
                let e164 = number.starts_with('+')
                    && number.len() > 4
                    && number[1..].chars().all(|c| c.is_ascii_digit());
                if !(e164 || (number.starts_with("MG") && number.len() == 34)) {
                    ctx.error(
                        fr.pos,
                        format!(
                            "from must be a number in E.164 form (+15551234567), whatsapp:+15551234567 or a messaging service SID (MG...), found {:?}",
                            fr.value
                        ),
                    );
                }
                f.to_string()
            });
            let ((sid, account), (at, token), sender) = (account?, at?, sender?);
            let auth = RawAuth::Basic {
                username: Spanned::new(sid.pos, account.clone()),
                password: at.clone(),
            };
            let connector = raw_connector(
                ctx,
                name,
                pos,
                Own {
                    api_base,
                    rate_limit: rate_limit.as_ref(),
                },
                "https://api.twilio.com/2010-04-01",
                TWILIO_SEND,
                Some(auth),
            )?;
            Some(Built {
                kind: ChannelKind::Twilio {
                    account_sid: account,
                    from: sender,
                    verify: Verify::Twilio {
                        secrets: vec![token],
                        url: public_url.to_string(),
                    },
                },
                connector,
                identity: identity.as_ref(),
            })
        }
    }
}

/// Required keys of one channel: a missing one is reported at the channel's name.
struct Need<'c, 'o> {
    ctx: &'c mut Ctx<'o>,
    pos: Pos,
    ty: &'static str,
}

impl<'c, 'o> Need<'c, 'o> {
    fn value<'r>(
        &mut self,
        v: &'r Option<Spanned<String>>,
        key: &str,
        hint: &str,
    ) -> Option<&'r Spanned<String>> {
        if v.is_none() {
            self.ctx.error(
                self.pos,
                format!("a {} channel needs {key}: {hint}", self.ty),
            );
        }
        v.as_ref()
    }

    /// A required credential, resolved: its written form and its value.
    fn secret<'r>(
        &mut self,
        v: &'r Option<Spanned<String>>,
        key: &str,
        hint: &str,
    ) -> Option<(&'r Spanned<String>, crate::Secret)> {
        let written = self.value(v, key, hint)?;
        secrets::resolve(self.ctx, written, true).map(|s| (written, s))
    }
}

/// The send operation of each platform. Every send carries an `Idempotency-Key` (one per
/// message, the same on each attempt) so the pipeline may retry a `POST`: a `429` or `5xx`
/// is tried again, as the platforms' own SDKs do.
const WHATSAPP_SEND: &str = r#"
timeout: 10s
rate_limit: { requests: 80, per: 1s, max_wait: 5s }
operations:
  send:
    description: Sends a message to a WhatsApp user (Cloud API).
    method: POST
    path: /{phone_number_id}/messages
    inputs: { phone_number_id: string, message: object }
    body: "{{ inputs.message }}"
    idempotency_key: Idempotency-Key
    response:
      extract: { message_id: "$.messages[0].id" }
"#;

const TELEGRAM_SEND: &str = r#"
timeout: 10s
rate_limit: { requests: 30, per: 1s, max_wait: 5s }
operations:
  send:
    description: Sends a message to a Telegram chat (Bot API sendMessage).
    method: POST
    path: /bot{token}/sendMessage
    inputs: { token: string, message: object }
    body: "{{ inputs.message }}"
    idempotency_key: Idempotency-Key
    response:
      extract: { message_id: "$.result.message_id" }
  register:
    description: Tells Telegram where to post updates (Bot API setWebhook).
    method: POST
    path: /bot{token}/setWebhook
    inputs: { token: string, settings: object }
    body: "{{ inputs.settings }}"
    retry: { attempts: 1 }
    response:
      extract: { ok: "$.ok", description: "$.description" }
"#;

const SLACK_SEND: &str = r#"
timeout: 10s
rate_limit: { requests: 20, per: 1s, max_wait: 5s }
operations:
  send:
    description: Posts a message to a Slack conversation (chat.postMessage).
    method: POST
    path: /chat.postMessage
    inputs: { message: object }
    body: "{{ inputs.message }}"
    idempotency_key: Idempotency-Key
    response:
      extract: { ok: "$.ok", error: "$.error", ts: "$.ts" }
"#;

const TWILIO_SEND: &str = r#"
timeout: 10s
rate_limit: { requests: 10, per: 1s, max_wait: 5s }
operations:
  send:
    description: Sends an SMS or WhatsApp message through Twilio (Messages API).
    method: POST
    path: /Accounts/{account_sid}/Messages.json
    inputs: { account_sid: string, to: string, from: string, body: string }
    body: { To: "{{ inputs.to }}", From: "{{ inputs.from }}", Body: "{{ inputs.body }}" }
    body_format: form
    idempotency_key: Idempotency-Key
    response:
      extract: { sid: "$.sid" }
"#;

/// The built-in connector: the platform's send operation, the channel's base URL and auth
/// (their positions are the user's, so a bad value is reported where it was written).
/// What a channel may set on its built-in connector.
struct Own<'a> {
    api_base: &'a Option<Spanned<String>>,
    rate_limit: Option<&'a Spanned<RawRateLimit>>,
}

fn raw_connector(
    ctx: &mut Ctx,
    name: &str,
    pos: Pos,
    own: Own<'_>,
    default_base: &str,
    spec: &str,
    auth: Option<RawAuth>,
) -> Option<RawConnector> {
    // The base URL is the channel's (set below); the operation is the platform's.
    let text = format!("base_url: http://127.0.0.1\n{spec}");
    let node = match marked_yaml::parse_yaml(pos.source, &text) {
        Ok(n) => n,
        Err(e) => {
            ctx.error(pos, format!("built-in connector of channel {name:?}: {e}"));
            return None;
        }
    };
    let mut c: RawConnector = match crate::raw::de::from_node(&node, Some(pos)) {
        Ok(c) => c,
        Err(e) => {
            ctx.error(
                pos,
                e.message(&format!("the built-in connector of channel {name:?}")),
            );
            return None;
        }
    };
    c.base_url = own
        .api_base
        .clone()
        .unwrap_or_else(|| Spanned::new(pos, default_base.to_string()));
    c.auth = auth.map(|a| Spanned::new(pos, a));
    if let Some(limit) = own.rate_limit {
        c.rate_limit = Some(limit.clone());
    }
    Some(c)
}

/// Checks an identity mapping against the project's operations.
fn identity(
    ctx: &mut Ctx,
    raw: &Spanned<RawChannelIdentity>,
    connectors: &IndexMap<String, Connector>,
    channel: &str,
) -> Option<ChannelIdentity> {
    let r = &raw.value;
    let Some(op_ref) = OperationRef::parse(&r.operation.value) else {
        ctx.error(
            r.operation.pos,
            format!(
                "identity.operation must be connector.operation, found {:?}",
                r.operation.value
            ),
        );
        return None;
    };
    let Some(op) = connectors
        .get(&op_ref.connector)
        .and_then(|c| c.operations.get(&op_ref.operation))
    else {
        let all: Vec<String> = connectors
            .values()
            .flat_map(|c| c.operations.keys().map(move |o| format!("{}.{o}", c.name)))
            .collect();
        ctx.error(
            r.operation.pos,
            format!(
                "channel {channel:?} maps users through operation {:?}, which is not defined{}",
                r.operation.value,
                did_you_mean(&r.operation.value, all.iter().map(String::as_str))
            ),
        );
        return None;
    };
    if !op.inputs.contains_key(&r.input.value) {
        ctx.error(
            r.input.pos,
            format!(
                "operation {} has no input {:?}{}",
                r.operation.value,
                r.input.value,
                did_you_mean(&r.input.value, op.inputs.keys().map(String::as_str))
            ),
        );
    }
    if op.inputs.contains_key(&r.input.value)
        && let Some((other, _)) = op
            .inputs
            .iter()
            .find(|(n, i)| i.required && i.default.is_none() && **n != r.input.value)
    {
        ctx.error(
            r.operation.pos,
            format!(
                "operation {} needs input {other:?} too; an identity operation may need only the address",
                r.operation.value
            ),
        );
    }
    if !op.response.extract.contains_key(&r.field.value) {
        ctx.error(
            r.field.pos,
            format!(
                "operation {} extracts no field {:?}{}",
                r.operation.value,
                r.field.value,
                did_you_mean(
                    &r.field.value,
                    op.response.extract.keys().map(String::as_str)
                )
            ),
        );
    }
    Some(ChannelIdentity {
        operation: op_ref,
        input: r.input.value.clone(),
        field: r.field.value.clone(),
    })
}

/// Checks that every route naming a channel names one of `channels:`.
pub(crate) fn check_route_channels<'r>(
    ctx: &mut Ctx,
    routes: impl Iterator<Item = &'r Spanned<crate::raw::RawWebhookRoute>>,
    raw: &IndexMap<Spanned<String>, Spanned<RawChannel>>,
    compiled: &IndexMap<String, Channel>,
) {
    for r in routes {
        let Some(c) = &r.value.channel else { continue };
        // A channel that failed to compile was reported already.
        if !compiled.contains_key(&c.value) && !raw.keys().any(|k| k.value == c.value) {
            ctx.error(
                c.pos,
                format!(
                    "route sends on channel {:?}, which is not defined{}",
                    c.value,
                    did_you_mean(&c.value, raw.keys().map(|k| k.value.as_str()))
                ),
            );
        }
    }
}
