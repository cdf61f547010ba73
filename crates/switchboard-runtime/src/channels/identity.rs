//! Who a channel user is. The first message from an address decides its Switchboard user id,
//! kept in the store so every instance and every later message agree: the project's identity
//! operation (for example a customer looked up by phone number) when it has one and it
//! answers, otherwise a random id. Logs and audit rows never hold either (the audit trail
//! pseudonymises user ids, and the address is never logged).

use super::Channels;
use crate::pipeline::CallContext;
use crate::storage::StoreError;
use serde_json::{Map, Value};
use std::time::Duration;
use switchboard_config::model::{Channel, ChannelKind, OutcomeKind};

/// Time allowed for the identity operation.
const LOOKUP_BUDGET: Duration = Duration::from_secs(5);

/// The user id of the channel user at `address`.
pub(super) async fn user_for(
    ch: &Channels,
    channel: &Channel,
    address: &str,
) -> Result<String, StoreError> {
    if let Some(user) = ch.store.known_user(&channel.name, address).await? {
        return Ok(user);
    }
    let candidate = match lookup(ch, channel, address).await {
        Some(user) => user,
        None => format!(
            "{}-{}",
            channel.kind.as_str(),
            uuid::Uuid::new_v4().simple()
        ),
    };
    ch.store
        .user_for(&channel.name, address, &candidate, ch.clock.now_ms())
        .await
}

/// The project's mapping, if it has one and it finds the user.
async fn lookup(ch: &Channels, channel: &Channel, address: &str) -> Option<String> {
    let identity = channel.identity.as_ref()?;
    // Phone numbers are looked up in E.164 form, without Twilio's `whatsapp:` prefix.
    let key = match &channel.kind {
        ChannelKind::Twilio { .. } => address.trim_start_matches("whatsapp:"),
        _ => address,
    };
    let mut args = Map::new();
    args.insert(identity.input.clone(), Value::String(key.to_string()));
    let record = ch
        .engine
        .pipeline()
        .call(
            &identity.operation,
            &args,
            &CallContext::with_budget(LOOKUP_BUDGET),
        )
        .await;
    let found = match &record {
        Ok(r) if r.outcome == OutcomeKind::Ok => match r.data.get(&identity.field) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        },
        _ => None,
    };
    match found.filter(|u| crate::user_id::check(u).is_ok()) {
        Some(user) => Some(user),
        None => {
            tracing::info!(target: "switchboard::channel", channel = %channel.name, operation = %identity.operation, "identity lookup found no user; using a new id");
            None
        }
    }
}
