//! The `channels` section: each platform's defaults and built-in send connector, identity
//! mappings checked against the operations, and the exact errors.

use crate::common;
use common::{check, project};
use switchboard_config::model::{BodyFormat, ChannelKind, Verify};

const CRM: &str = "connectors:
  crm:
    base_url: https://crm.example.com/api
    operations:
      find_by_phone:
        path: /customers
        inputs: { phone: string }
        query: { phone: \"{{ inputs.phone }}\" }
        response: { extract: { customer_id: $.id } }
";

#[test]
fn each_platform_gets_its_send_connector_and_verification() {
    let p = project(
        "bot:
  public_url: https://bot.example.com/
channels:
  wa:
    type: whatsapp
    phone_number_id: \"1065\"
    access_token: \"${env:API_KEY}\"
    app_secret: \"${env:API_KEY}\"
    verify_token: \"${env:API_KEY}\"
  tg:
    type: telegram
    bot_token: \"${env:API_KEY}\"
    secret_token: \"${env:API_KEY}\"
  team-chat:
    type: slack
    bot_token: \"${env:API_KEY}\"
    signing_secret: \"${file:secrets/key}\"
  sms:
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token: \"${env:API_KEY}\"
    from: \"whatsapp:+15550001111\"
    api_base: http://127.0.0.1:9/twilio
",
    );
    assert_eq!(p.channels.len(), 4);
    let wa = &p.connectors["channel_wa"];
    assert_eq!(wa.base_url, "https://graph.facebook.com/v21.0");
    assert_eq!(
        wa.operations["send"].path.source,
        "/{phone_number_id}/messages"
    );
    assert!(wa.operations["send"].policy.rate_limit.is_some() || wa.policy.rate_limit.is_some());
    assert_eq!(
        p.connectors["channel_tg"].base_url,
        "https://api.telegram.org"
    );
    assert_eq!(p.channels["team-chat"].connector, "channel_team_chat");
    let sms = &p.connectors["channel_sms"];
    assert_eq!(sms.base_url, "http://127.0.0.1:9/twilio");
    assert_eq!(sms.operations["send"].body_format, BodyFormat::Form);
    match &p.channels["sms"].kind {
        ChannelKind::Twilio {
            from,
            verify: Verify::Twilio { url, .. },
            ..
        } => {
            assert_eq!(from, "whatsapp:+15550001111");
            assert_eq!(url, "https://bot.example.com/v1/channels/sms");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(p.channels["wa"].kind, ChannelKind::Whatsapp { ref template, .. } if template.is_none())
    );
}

#[test]
fn a_channel_may_raise_its_send_rate() {
    let p = project(
        "channels:
  wa:
    type: whatsapp
    phone_number_id: \"1065\"
    access_token: \"${env:API_KEY}\"
    app_secret: \"${env:API_KEY}\"
    verify_token: \"${env:API_KEY}\"
    rate_limit: { requests: 1000, max_wait: 2s }
  tg:
    type: telegram
    bot_token: \"${env:API_KEY}\"
    secret_token: \"${env:API_KEY}\"
",
    );
    let limit = |c: &str| {
        let c = &p.connectors[c];
        let l = c.policy.rate_limit.as_ref().expect("a send rate limit");
        (l.requests, l.per.as_secs(), l.max_wait.as_secs())
    };
    assert_eq!(limit("channel_wa"), (1000, 1, 2));
    assert_eq!(limit("channel_tg"), (30, 1, 5), "the platform's default");
    check(
        "channels:
  wa:
    type: whatsapp
    phone_number_id: \"1065\"
    access_token: \"${env:API_KEY}\"
    app_secret: \"${env:API_KEY}\"
    verify_token: \"${env:API_KEY}\"
    rate_limit: { requests: fast }
",
        "switchboard.yaml:8:29: expected a whole number, found \"fast\"",
    );
}

#[test]
fn an_identity_mapping_is_checked_against_the_operation() {
    let p = project(&format!(
        "{CRM}channels:
  tg:
    type: telegram
    bot_token: \"${{env:API_KEY}}\"
    secret_token: \"${{env:API_KEY}}\"
    identity: {{ operation: crm.find_by_phone, input: phone, field: customer_id }}
"
    ));
    let id = p.channels["tg"].identity.as_ref().unwrap();
    assert_eq!(
        (id.operation.to_string(), id.input.as_str()),
        ("crm.find_by_phone".into(), "phone")
    );
    check(
        &format!(
            "{CRM}channels:
  tg:
    type: telegram
    bot_token: \"${{env:API_KEY}}\"
    secret_token: \"${{env:API_KEY}}\"
    identity: {{ operation: crm.find_by_phon, input: number, field: id }}
  tg2:
    type: telegram
    bot_token: \"${{env:API_KEY}}\"
    secret_token: \"${{env:API_KEY}}\"
    identity: {{ operation: crm.find_by_phone, input: number, field: id }}
"
        ),
        r#"
            switchboard.yaml:15:28: channel "tg" maps users through operation "crm.find_by_phon", which is not defined (did you mean "crm.find_by_phone"?)
            switchboard.yaml:20:54: operation crm.find_by_phone has no input "number"
            switchboard.yaml:20:69: operation crm.find_by_phone extracts no field "id"
        "#,
    );
}

#[test]
fn mistakes_are_reported_where_they_were_written() {
    check(
        "channels:
  Bad Name:
    type: telegram
    bot_token: \"${env:API_KEY}\"
    secret_token: \"${env:API_KEY}\"
  wa:
    type: whatsapp
    phone_number_id: \"+1 555\"
    access_token: literal-token
    app_secret: \"${env:API_KEY}\"
  tg:
    type: telegram
    bot_token: \"${env:API_KEY}\"
    secret_token: \"${env:API_KEY}\"
    api_base: ftp://example.com
  sms:
    type: twilio
    account_sid: AC123
    auth_token: \"${env:API_KEY}\"
    from: \"5550001111\"
  x:
    type: signal
webhooks:
  pay:
    verify: { type: stripe, secrets: [\"${env:API_KEY}\"] }
    routes:
      paid: { user: $.user, message: hi, channel: whatsap }
",
        r#"
            switchboard.yaml:2:3: channel name "Bad Name" must be 1 to 40 lower-case letters, digits, '_' or '-' (it is part of the URL)
            switchboard.yaml:6:3: a whatsapp channel needs verify_token: a ${env:NAME} reference to the webhook's verify token
            switchboard.yaml:8:22: phone_number_id must be the number's id (digits), found "+1 555"
            switchboard.yaml:9:19: literal credential; use ${env:NAME} or ${file:PATH}
            switchboard.yaml:15:15: base_url "ftp://example.com" must start with http:// or https://
            switchboard.yaml:18:18: account_sid must be AC followed by 32 hexadecimal digits
            switchboard.yaml:20:11: from must be a number in E.164 form (+15551234567), whatsapp:+15551234567 or a messaging service SID (MG...), found "5550001111"
            switchboard.yaml:22:11: expected one of whatsapp, telegram, slack, twilio, found "signal"
            switchboard.yaml:27:51: route sends on channel "whatsap", which is not defined
        "#,
    );
}

#[test]
fn a_connector_named_like_a_channels_is_refused() {
    check(
        "connectors:
  channel_tg:
    base_url: https://example.com
channels:
  tg:
    type: telegram
    bot_token: \"${env:API_KEY}\"
    secret_token: \"${env:API_KEY}\"
",
        r#"
            switchboard.yaml:5:3: channel "tg" needs the connector name "channel_tg", which the connector at switchboard.yaml:2:3 already uses; rename that connector
        "#,
    );
}

#[test]
fn a_form_body_must_be_a_map() {
    check(
        "connectors:
  sms:
    base_url: https://api.example.com
    operations:
      send:
        method: post
        path: /messages
        inputs: { text: string }
        body: \"{{ inputs.text }}\"
        body_format: form
",
        r#"
            switchboard.yaml:9:15: body_format: form needs the body to be a map of field names to values
        "#,
    );
}
