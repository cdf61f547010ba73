//! The Rasa custom action server: the protocol rasa-sdk serves (`POST /webhook`,
//! `GET /health`, `GET /actions`), with each action mapped to an intent in the project.
//!
//! Supported: actions that run an intent (`slot` events and `text` responses), form
//! validation actions (`validate_<form>`), unknown actions answered 404 as rasa-sdk does.
//! The domain is accepted and ignored: Switchboard needs nothing from it, so a request without
//! one (Rasa's domain-digest mode) is served as well and never answered 449.

pub(crate) mod handler;
pub mod protocol;
#[cfg(test)]
mod tests;

use crate::engine::Engine;
use crate::http::{RouteScope, Routes};
use axum::extract::FromRef;
use std::sync::Arc;
use switchboard_config::model::RasaSettings;

/// `POST {path}` (`signed`: checked by the platform's own `auth`), and `GET /health` and
/// `GET /actions` (`public`, as rasa-sdk serves them: Rasa calls them without credentials).
pub fn routes<S>(settings: &RasaSettings) -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Engine>: FromRef<S>,
{
    Routes::new()
        .post(RouteScope::Signed, &settings.path, handler::webhook)
        .get(RouteScope::Public, "/health", handler::health)
        .get(RouteScope::Public, "/actions", handler::actions)
}
