//! Who made a request: the [`Principal`] inbound auth leaves in the request's extensions, and
//! the [`Reach`] it gives the handlers of every wing (chat, event streams, later channels and
//! tools), which answer 404 for anything out of reach.

use crate::engine::Reach;
use switchboard_config::model::Scope;

/// Who made a request, once authenticated.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The API key's name, or the JWT's issuer-side subject.
    pub name: String,
    /// The JWT subject: the user this request may act for. `None` for API keys.
    pub subject: Option<String>,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// An API key the project marks `trusted_backend`: it acts for any user.
    pub trusted_backend: bool,
}

impl Principal {
    /// Which conversations and streams the caller reaches: a JWT its subject's, a trusted
    /// backend key everyone's, any other key (or a token without a subject) only the
    /// conversations started for it.
    pub fn reach(&self) -> Reach {
        match (&self.subject, self.trusted_backend) {
            (Some(subject), _) => Reach::User(subject.clone()),
            (None, true) => Reach::Any,
            (None, false) => Reach::Started,
        }
    }
}

/// The reach of a request: its principal's, or every conversation when the API is open (no
/// `inbound:` credentials, loopback only).
pub fn reach(principal: Option<&Principal>) -> Reach {
    principal.map_or(Reach::Any, Principal::reach)
}
