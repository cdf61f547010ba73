//! What every HTTP-facing wing shares, on a floor below them all: the one error type
//! ([`error::ApiError`]), routes that declare their scope ([`routes::Routes`]) and the
//! authenticated caller ([`principal::Principal`]) with its reach. The server mounts the
//! wings' routes and runs the gate and inbound auth; the wings (webhooks, platforms, later
//! channels and tools) build `Routes<S>` over any state `S` that holds their parts, so no
//! wing imports the server.

pub mod error;
pub mod principal;
pub mod resource;
pub mod routes;

pub use error::{ApiError, ErrorBody};
pub use resource::resource_metadata_url;
pub use routes::{RouteScope, Routes};
