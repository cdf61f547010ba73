//! The Rasa custom action server: the protocol rasa-sdk serves (`POST /webhook`,
//! `GET /health`, `GET /actions`), with each action mapped to an intent in the project.
//!
//! Supported: actions that run an intent (`slot` events and `text` responses), form
//! validation actions (`validate_<form>`), unknown actions answered 404 as rasa-sdk does.
//! The domain is accepted and ignored: Switchboard needs nothing from it, so a request without
//! one (Rasa's domain-digest mode) is served as well and never answered 449.

mod handler;
pub mod protocol;
#[cfg(test)]
mod tests;

use crate::server::AppState;
use axum::Router;
use axum::routing::{get, post};
use switchboard_config::model::RasaSettings;

/// `POST {path}`, `GET /health` and `GET /actions`.
pub fn routes(settings: &RasaSettings) -> Router<AppState> {
    Router::new()
        .route(&settings.path, post(handler::webhook))
        .route("/health", get(handler::health))
        .route("/actions", get(handler::actions))
}
