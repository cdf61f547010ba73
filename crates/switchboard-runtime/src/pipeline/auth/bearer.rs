//! A static bearer token.

use super::set_sensitive;
use crate::pipeline::request::PreparedRequest;
use switchboard_config::Secret;

/// The `bearer` scheme.
#[derive(Debug)]
pub struct Bearer {
    header: Secret,
}

impl Bearer {
    /// A scheme sending `token`.
    pub fn new(token: Secret) -> Bearer {
        Bearer {
            header: Secret::from_reference(format!("Bearer {}", token.expose())),
        }
    }

    /// Adds `Authorization: Bearer`.
    pub fn apply(&self, req: &mut PreparedRequest) {
        set_sensitive(&mut req.headers, "authorization", self.header.expose());
    }
}
