//! HTTP Basic authentication (RFC 7617).

use super::set_sensitive;
use crate::pipeline::request::PreparedRequest;
use base64::Engine as _;
use switchboard_config::Secret;

/// The `basic` scheme; the header value is computed once.
#[derive(Debug)]
pub struct Basic {
    header: Secret,
}

impl Basic {
    /// A scheme for one user name and password.
    pub fn new(username: &str, password: &Secret) -> Basic {
        let pair = format!("{username}:{}", password.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        Basic {
            header: Secret::from_reference(format!("Basic {encoded}")),
        }
    }

    /// Adds `Authorization: Basic`.
    pub fn apply(&self, req: &mut PreparedRequest) {
        set_sensitive(&mut req.headers, "authorization", self.header.expose());
    }
}
