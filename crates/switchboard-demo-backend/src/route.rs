//! The API routes by name: the one vocabulary that faults, stats and recorded requests share.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::fault::FaultParseError;

/// One route of the demo API under `/api/v2`.
///
/// Faults are switched on per route and calls are counted per route, so tests can say
/// "the next three order lookups fail" without caring about ids or query strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// `GET /api/v2/orders/{id}`
    Orders,
    /// `GET /api/v2/shipments/{tracking}`
    Shipments,
    /// `GET /api/v2/customers/{id}`
    Customers,
    /// `GET /api/v2/customers?phone=+971500000042`
    CustomerSearch,
    /// `POST /api/v2/interactions`
    Interactions,
    /// `GET /api/v2/appointments/slots?date=YYYY-MM-DD`
    Slots,
    /// `POST /api/v2/appointments`
    Appointments,
    /// `GET /api/v2/payments/{id}`
    Payments,
    /// `GET /api/v2/payments`
    PaymentList,
    /// `POST /api/v2/refunds`
    Refunds,
    /// `GET /api/v2/rates?base=USD&symbols=INR,AED`
    Rates,
    /// `GET /api/v2/weather?city=Dubai`
    Weather,
    /// `POST /api/v2/tickets`
    Tickets,
    /// `POST /platforms/whatsapp/{phone_number_id}/messages` (WhatsApp Cloud API's send)
    WhatsappSend,
    /// `POST /platforms/telegram/bot{token}/{method}` (Telegram Bot API: `sendMessage`,
    /// `setWebhook`)
    TelegramSend,
    /// `POST /platforms/slack/chat.postMessage` (Slack Web API)
    SlackSend,
    /// `POST /platforms/twilio/Accounts/{sid}/Messages.json` (Twilio Messages API)
    TwilioSend,
}

impl Route {
    /// Every route, in the order they are documented and reported.
    pub const ALL: [Route; 17] = [
        Route::Orders,
        Route::Shipments,
        Route::Customers,
        Route::CustomerSearch,
        Route::Interactions,
        Route::Slots,
        Route::Appointments,
        Route::Payments,
        Route::PaymentList,
        Route::Refunds,
        Route::Rates,
        Route::Weather,
        Route::Tickets,
        Route::WhatsappSend,
        Route::TelegramSend,
        Route::SlackSend,
        Route::TwilioSend,
    ];

    /// The snake_case name used on the CLI, in admin bodies and in stats.
    pub fn name(self) -> &'static str {
        match self {
            Route::Orders => "orders",
            Route::Shipments => "shipments",
            Route::Customers => "customers",
            Route::CustomerSearch => "customer_search",
            Route::Interactions => "interactions",
            Route::Slots => "slots",
            Route::Appointments => "appointments",
            Route::Payments => "payments",
            Route::PaymentList => "payment_list",
            Route::Refunds => "refunds",
            Route::Rates => "rates",
            Route::Weather => "weather",
            Route::Tickets => "tickets",
            Route::WhatsappSend => "whatsapp_send",
            Route::TelegramSend => "telegram_send",
            Route::SlackSend => "slack_send",
            Route::TwilioSend => "twilio_send",
        }
    }

    /// The axum path template the route is mounted at. The router is built from these and
    /// the request gate maps a matched template back to its route, so the two cannot drift.
    pub(crate) fn path_template(self) -> &'static str {
        match self {
            Route::Orders => "/api/v2/orders/{id}",
            Route::Shipments => "/api/v2/shipments/{tracking}",
            Route::Customers => "/api/v2/customers/{id}",
            Route::CustomerSearch => "/api/v2/customers",
            Route::Interactions => "/api/v2/interactions",
            Route::Slots => "/api/v2/appointments/slots",
            Route::Appointments => "/api/v2/appointments",
            Route::Payments => "/api/v2/payments/{id}",
            Route::PaymentList => "/api/v2/payments",
            Route::Refunds => "/api/v2/refunds",
            Route::Rates => "/api/v2/rates",
            Route::Weather => "/api/v2/weather",
            Route::Tickets => "/api/v2/tickets",
            Route::WhatsappSend => "/platforms/whatsapp/{phone_number_id}/messages",
            Route::TelegramSend => "/platforms/telegram/{bot}/{method}",
            Route::SlackSend => "/platforms/slack/chat.postMessage",
            Route::TwilioSend => "/platforms/twilio/Accounts/{sid}/Messages.json",
        }
    }

    /// Whether the route fakes a messaging platform's send API: it checks the platform's own
    /// credentials, not `X-Api-Key`.
    pub fn is_platform(self) -> bool {
        matches!(
            self,
            Route::WhatsappSend | Route::TelegramSend | Route::SlackSend | Route::TwilioSend
        )
    }

    /// The route mounted at an axum path template, if any.
    pub(crate) fn from_template(template: &str) -> Option<Route> {
        Route::ALL
            .into_iter()
            .find(|route| route.path_template() == template)
    }

    /// All names, comma-separated, for error messages that must list the valid values.
    pub fn names() -> String {
        Route::ALL.map(Route::name).join(", ")
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Route {
    type Err = FaultParseError;

    /// Accepts the snake_case name, case-insensitively, with `-` allowed for `_`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase().replace('-', "_");
        Route::ALL
            .into_iter()
            .find(|route| route.name() == wanted)
            .ok_or_else(|| {
                FaultParseError::new(format!(
                    "unknown route `{}`; valid routes: {}",
                    text.trim(),
                    Route::names()
                ))
            })
    }
}
