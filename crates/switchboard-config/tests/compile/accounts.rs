//! `oauth2_authorization_code` connectors and the bot settings they need: defaults filled,
//! and the exact message for each mistake.

use crate::common;
use common::{check, project};
use switchboard_config::model::{Auth, ClientAuth};

fn yaml(auth_extra: &str, bot: &str) -> String {
    format!(
        "{bot}connectors:
  crm:
    base_url: https://api.example.com/
    auth:
      type: oauth2_authorization_code
      authorize_url: https://auth.example.com/authorize
      token_url: https://auth.example.com/token
      client_id: sb
      client_secret: \"${{env:API_KEY}}\"
      scopes: [contacts.read]
{auth_extra}    operations:
      me: {{ path: /me }}
"
    )
}

#[test]
fn defaults_are_filled() {
    let p = project(&yaml("", "bot:\n  accounts_key: \"${env:ACCOUNTS_KEY}\"\n"));
    let Auth::AuthorizationCode(a) = &p.connectors["crm"].auth else {
        panic!("not authorization code");
    };
    assert_eq!(
        a.redirect_url,
        "http://127.0.0.1:8080/v1/oauth/crm/callback"
    );
    assert_eq!(a.client_auth, ClientAuth::Basic);
    assert_eq!(a.expiry_skew, std::time::Duration::from_secs(30));
    assert_eq!(a.scopes, ["contacts.read"]);
    assert_eq!(p.bot.public_url, "http://127.0.0.1:8080");
    assert_eq!(
        p.bot.accounts_key.as_ref().map(|k| k.expose().len()),
        Some(64)
    );
}

#[test]
fn public_url_sets_the_callback() {
    let p = project(&yaml(
        "      client_auth: body\n",
        "bot:\n  public_url: https://bot.example.com/\n  accounts_key: \"${env:ACCOUNTS_KEY}\"\n",
    ));
    let Auth::AuthorizationCode(a) = &p.connectors["crm"].auth else {
        panic!("not authorization code");
    };
    assert_eq!(
        a.redirect_url,
        "https://bot.example.com/v1/oauth/crm/callback"
    );
    assert_eq!(a.client_auth, ClientAuth::Body);
    assert_eq!(p.bot.public_url, "https://bot.example.com");
}

#[test]
fn missing_key_is_an_error() {
    check(
        &yaml("", ""),
        r#"
            switchboard.yaml:5:11: oauth2_authorization_code stores each user's tokens encrypted and needs bot.accounts_key; set it to a reference such as "${env:SWITCHBOARD_ACCOUNTS_KEY}" holding 32 random bytes (openssl rand -base64 32)
        "#,
    );
}

#[test]
fn short_or_literal_key_is_an_error() {
    check(
        &yaml("", "bot:\n  accounts_key: \"${env:SHORT_KEY}\"\n"),
        r#"
            switchboard.yaml:2:17: accounts_key must be 32 bytes written as base64 or hex; make one with `openssl rand -base64 32`
            switchboard.yaml:7:11: oauth2_authorization_code stores each user's tokens encrypted and needs bot.accounts_key; set it to a reference such as "${env:SWITCHBOARD_ACCOUNTS_KEY}" holding 32 random bytes (openssl rand -base64 32)
        "#,
    );
}

#[test]
fn insecure_endpoints_are_errors() {
    let text = yaml(
        "",
        "bot:\n  accounts_key: \"${env:ACCOUNTS_KEY}\"\n  public_url: ftp://x\n",
    )
    .replace(
        "https://auth.example.com/authorize",
        "http://auth.example.com/authorize",
    );
    check(
        &text,
        r#"
            switchboard.yaml:3:15: public_url must be an http:// or https:// URL without a query, such as https://bot.example.com
            switchboard.yaml:9:22: authorize_url uses http:// to a host that is not loopback; use https://, or set allow_insecure_http: true on the connector
        "#,
    );
}
