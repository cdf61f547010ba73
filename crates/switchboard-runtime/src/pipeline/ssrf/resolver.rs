//! A DNS resolver for reqwest that hands back only addresses the connector may reach, so the
//! address that was checked is the one connected to (no window for rebinding).

use super::NetworkPolicy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// How names are looked up: the system resolver, or a fixed table (tests).
#[derive(Debug, Clone)]
enum Lookup {
    System,
    Table(Arc<HashMap<String, Vec<IpAddr>>>),
}

/// The resolver every pipeline client uses.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: NetworkPolicy,
    lookup: Lookup,
}

/// Why a name gave no usable address.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} resolves only to private or special addresses; set allow_private_network to allow them"
)]
pub struct Refused(String);

impl GuardedResolver {
    /// Resolves with the system resolver.
    pub fn new(policy: NetworkPolicy) -> GuardedResolver {
        GuardedResolver {
            policy,
            lookup: Lookup::System,
        }
    }

    /// Resolves from a fixed table, for tests that need a public-looking name to point at a
    /// local address.
    pub fn with_table(
        policy: NetworkPolicy,
        table: HashMap<String, Vec<IpAddr>>,
    ) -> GuardedResolver {
        GuardedResolver {
            policy,
            lookup: Lookup::Table(Arc::new(table)),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<IpAddr> = match &this.lookup {
                Lookup::System => tokio::net::lookup_host((host.as_str(), 0))
                    .await?
                    .map(|a| a.ip())
                    .collect(),
                Lookup::Table(t) => t.get(&host).cloned().unwrap_or_default(),
            };
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|ip| this.policy.allows(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if allowed.is_empty() {
                tracing::warn!(target: "switchboard::ssrf", host = %host, "refused a name that resolves to private addresses only");
                return Err(Box::new(Refused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}
