//! A static API key in a header or a query parameter.

use super::set_sensitive;
use crate::pipeline::request::PreparedRequest;
use switchboard_config::Secret;
use switchboard_config::model::ApiKeyLocation;

/// The `api_key` scheme.
#[derive(Debug)]
pub struct ApiKey {
    location: ApiKeyLocation,
    name: String,
    value: Secret,
}

impl ApiKey {
    /// A key for a header or query parameter `name`.
    pub fn new(location: ApiKeyLocation, name: &str, value: Secret) -> ApiKey {
        ApiKey {
            location,
            name: name.to_string(),
            value,
        }
    }

    /// Adds the key.
    pub fn apply(&self, req: &mut PreparedRequest) {
        match self.location {
            ApiKeyLocation::Header => {
                set_sensitive(&mut req.headers, &self.name, self.value.expose())
            }
            ApiKeyLocation::Query => {
                req.url
                    .query_pairs_mut()
                    .append_pair(&self.name, self.value.expose());
            }
        }
    }
}
