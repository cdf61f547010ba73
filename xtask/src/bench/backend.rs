//! The upstream: the demo backend, pinned beside the load generator, with its admin API for
//! the delay and the call counters that prove what a system sent.

use super::env::Env;
use super::http;
use super::procs::{LOAD_CPU, Proc, free_addr};
use anyhow::{Context, bail};
use serde_json::json;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// A running demo backend.
#[derive(Debug)]
pub struct Backend {
    proc: Proc,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Backend {
    /// Starts it on a free port and waits until it answers.
    pub fn start(env: &Env) -> anyhow::Result<Backend> {
        let addr = free_addr()?;
        let mut cmd = env.pinning.command(LOAD_CPU, &env.switchboard);
        cmd.args(["demo-backend", "--listen", &addr.to_string()]);
        // The upstream is not under test: keep its logging quiet so it costs CPU 1 little.
        cmd.env("SWITCHBOARD_LOG", "warn").env_remove("RUST_LOG");
        let mut proc = Proc::spawn("demo backend", cmd, &env.log("backend"))?;
        proc.wait_ready(addr, "/healthz", Duration::from_secs(10))?;
        Ok(Backend { proc, addr })
    }

    /// `http://ADDR/api/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v2", self.addr)
    }

    /// Sets the delay added to every call.
    pub fn set_delay(&mut self, ms: u64) -> anyhow::Result<()> {
        self.proc.check_alive()?;
        let r = http::post(self.addr, "/admin/delay", &json!({ "ms": ms }))?;
        if r.status != 200 {
            bail!("setting the backend delay: status {}", r.status);
        }
        Ok(())
    }

    /// Sets (or with `None` clears) where the backend sends its Stripe-signed events.
    pub fn set_webhook(&mut self, target: Option<(&str, &str)>) -> anyhow::Result<()> {
        self.proc.check_alive()?;
        let body = match target {
            Some((url, secret)) => json!({ "url": url, "secret": secret }),
            None => json!({ "url": null }),
        };
        let r = http::post(self.addr, "/admin/webhook", &body)?;
        if r.status != 200 {
            bail!("setting the backend's webhook URL: status {}", r.status);
        }
        Ok(())
    }

    /// Zeroes the call counters.
    pub fn reset_stats(&mut self) -> anyhow::Result<()> {
        self.proc.check_alive()?;
        let r = http::delete(self.addr, "/admin/stats")?;
        if !(200..300).contains(&r.status) {
            bail!("resetting the backend stats: status {}", r.status);
        }
        Ok(())
    }

    /// Calls per route since the last reset, and the total.
    pub fn stats(&self) -> anyhow::Result<(BTreeMap<String, u64>, u64)> {
        let v = http::get(self.addr, "/admin/stats")?.json()?;
        let routes = v["routes"]
            .as_object()
            .context("stats without routes")?
            .iter()
            .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
            .collect();
        Ok((routes, v["total"].as_u64().context("stats without total")?))
    }

    /// Checks that the upstream saw exactly `turns` calls on each of `routes` and nothing
    /// else since the last reset.
    pub fn expect_calls(&self, routes: &[&str], turns: u64, who: &str) -> anyhow::Result<()> {
        let (seen, total) = self.stats()?;
        let mut wrong = Vec::new();
        for (route, n) in &seen {
            let want = if routes.contains(&route.as_str()) {
                turns
            } else {
                0
            };
            if *n != want {
                wrong.push(format!("{route}: {n} (expected {want})"));
            }
        }
        let want_total = turns * routes.len() as u64;
        if !wrong.is_empty() || total != want_total {
            bail!(
                "{who}: the upstream did not see the expected calls for {turns} turns: {} (total {total}, expected {want_total})",
                wrong.join(", ")
            );
        }
        Ok(())
    }
}
