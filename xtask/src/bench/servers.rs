//! The systems under test that answer `POST /v1/chat` (and, for W3, Rasa's `POST /webhook`):
//! Switchboard itself and the hand-written baseline, started pinned to the SUT's CPU, timed to
//! readiness, and checked for the right answer before anything is timed.

use super::backend::Backend;
use super::env::Env;
use super::http;
use super::procs::{Proc, SUT_CPU, free_addr};
use anyhow::{Context, bail};
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A chat turn a workload drives, and how to know it was done right.
#[derive(Debug)]
pub struct Turn {
    /// The user's message.
    pub message: &'static str,
    /// The exact reply.
    pub reply: &'static str,
    /// The operations the chat answer must list (sorted).
    pub operations: &'static [&'static str],
    /// The backend routes each turn calls once.
    pub routes: &'static [&'static str],
    /// The `loadgen chain --flow` that makes the same calls directly.
    pub flow: &'static str,
    /// Whether to collect step latencies (W4).
    pub step_stats: bool,
    /// How the turn is asked for.
    pub protocol: Protocol,
}

/// How a turn is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `POST /v1/chat` with the user's message.
    Chat,
    /// `POST /webhook`: a Rasa action call for `action_order_status` whose tracker already
    /// holds the slot `order_id` = `1001` (Rasa did the understanding).
    Rasa,
    /// `POST /mcp`: an MCP `tools/call` of `store_get_order` at protocol 2026-07-28, as a
    /// stateless client sends it (no session, the per-request metadata and headers).
    Mcp,
}

/// W2: the order-status turn.
pub const ORDER_STATUS: Turn = Turn {
    message: "where is my order 1001?",
    reply: "Hi Aisha, your order 1001 is shipped; it is in Dubai, arriving 2026-11-30.",
    operations: &[
        "store.get_customer",
        "store.get_order",
        "store.get_shipment",
        "store.log_interaction",
    ],
    routes: &["customers", "interactions", "orders", "shipments"],
    flow: "order-status",
    step_stats: false,
    protocol: Protocol::Chat,
};

/// W3: the order-status turn as a Rasa custom action; the same calls and the same reply.
pub const RASA_ORDER_STATUS: Turn = Turn {
    protocol: Protocol::Rasa,
    ..ORDER_STATUS
};

/// W8: `store.get_order` (order 1001) as an MCP tool call; `reply` is text of the answer.
pub const MCP_GET_ORDER: Turn = Turn {
    message: "store_get_order",
    reply: "\"status\":\"shipped\"",
    operations: &["store.get_order"],
    routes: &["orders"],
    flow: "",
    step_stats: false,
    protocol: Protocol::Mcp,
};

/// W4: three independent 50 ms steps.
pub const FANOUT: Turn = Turn {
    message: "give me my overview",
    reply: "Hi Aisha: order 1001 is shipped; in Dubai it is 31 degrees and sunny.",
    operations: &["store.get_customer", "store.get_order", "store.get_weather"],
    routes: &["customers", "orders", "weather"],
    flow: "fanout",
    step_stats: true,
    protocol: Protocol::Chat,
};

impl Turn {
    /// The request body, with `{user}` for the load generator to fill in.
    pub fn body_template(&self) -> String {
        self.body("{user}").to_string()
    }

    /// The request body for a user.
    pub fn body(&self, user: &str) -> serde_json::Value {
        match self.protocol {
            Protocol::Chat => json!({ "user_id": user, "text": self.message }),
            Protocol::Rasa => json!({
                "next_action": "action_order_status",
                "sender_id": user,
                "tracker": {
                    "sender_id": user,
                    "slots": { "order_id": "1001" },
                    "latest_message": {
                        "text": self.message,
                        "intent": { "name": "order_status", "confidence": 0.98 },
                        "entities": [{ "entity": "order_id", "value": "1001" }]
                    },
                    "events": []
                },
                "domain": {},
                "version": "3.10.0"
            }),
            Protocol::Mcp => json!({
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {
                    "name": self.message,
                    "arguments": { "order_id": "1001" },
                    "_meta": {
                        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                        "io.modelcontextprotocol/clientInfo": { "name": user, "version": "1" },
                        "io.modelcontextprotocol/clientCapabilities": {}
                    }
                }
            }),
        }
    }

    /// Headers the request needs besides `Content-Type`.
    pub fn headers(&self) -> Vec<(&'static str, &'static str)> {
        match self.protocol {
            Protocol::Chat | Protocol::Rasa => Vec::new(),
            Protocol::Mcp => vec![
                ("Accept", "application/json, text/event-stream"),
                ("Mcp-Protocol-Version", "2026-07-28"),
                ("Mcp-Method", "tools/call"),
                ("Mcp-Name", self.message),
            ],
        }
    }

    /// The path the turn is posted to.
    pub fn path(&self) -> &'static str {
        match self.protocol {
            Protocol::Chat => "/v1/chat",
            Protocol::Rasa => "/webhook",
            Protocol::Mcp => "/mcp",
        }
    }
}

/// Which server.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'a> {
    /// `switchboard serve` on this project.
    Switchboard(&'a Path),
    /// `switchboard serve` on this project as one of a fleet: `--database-url` and
    /// `--redis-url` name the PostgreSQL and the Redis the fleet shares.
    Fleet(&'a Path, &'a Shared),
    /// The hand-written order-status server.
    Baseline,
}

/// Where a fleet keeps its shared state.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The PostgreSQL database (a schema of the run's own).
    pub database_url: String,
    /// The Redis database.
    pub redis_url: String,
}

/// A running server under test.
#[derive(Debug)]
pub struct Server {
    proc: Proc,
    /// Where it listens.
    pub addr: SocketAddr,
    /// From spawn to the first 200 from `/readyz`.
    pub startup: Duration,
    data: Option<PathBuf>,
}

impl Server {
    /// Starts a server pinned to the SUT CPU and waits for `/readyz`.
    pub fn start(
        env: &Env,
        kind: Kind<'_>,
        backend: &Backend,
        label: &str,
    ) -> anyhow::Result<Server> {
        let addr = free_addr()?;
        let (cmd, data, name) = match kind {
            Kind::Switchboard(project) | Kind::Fleet(project, _) => {
                let data = env.work.join(format!("data-{label}"));
                if data.exists() {
                    std::fs::remove_dir_all(&data)
                        .with_context(|| format!("clearing {}", data.display()))?;
                }
                let mut cmd = env.pinning.command(SUT_CPU, &env.switchboard);
                cmd.arg("serve")
                    .arg("-c")
                    .arg(project)
                    .arg("--listen")
                    .arg(addr.to_string())
                    .arg("--data-dir")
                    .arg(&data);
                // The run is reproducible only without the caller's overrides.
                for var in [
                    "SWITCHBOARD_LOG",
                    "RUST_LOG",
                    "SWITCHBOARD_CONFIG",
                    "SWITCHBOARD_DATA_DIR",
                    "SWITCHBOARD_DATABASE_URL",
                    "SWITCHBOARD_REDIS_URL",
                    "SWITCHBOARD_LISTEN",
                ] {
                    cmd.env_remove(var);
                }
                if let Some(filter) = &env.sut_log {
                    cmd.env("SWITCHBOARD_LOG", filter);
                }
                if let Kind::Fleet(_, shared) = kind {
                    cmd.args(["--database-url", &shared.database_url])
                        .args(["--redis-url", &shared.redis_url]);
                }
                (cmd, Some(data), "switchboard serve")
            }
            Kind::Baseline => {
                let mut cmd = env.pinning.command(SUT_CPU, &env.baseline);
                cmd.args([
                    "--listen",
                    &addr.to_string(),
                    "--upstream",
                    &backend.base_url(),
                    "--api-key",
                    "demo-key",
                ]);
                (cmd, None, "baseline")
            }
        };
        let mut proc = Proc::spawn(name, cmd, &env.log(label))?;
        let startup = proc.wait_ready(addr, "/readyz", Duration::from_secs(20))?;
        Ok(Server {
            proc,
            addr,
            startup,
            data,
        })
    }

    /// The process id, for CPU and memory readings.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// `http://ADDR/v1/chat`, or `http://ADDR/webhook` for a Rasa turn.
    pub fn url(&self, turn: &Turn) -> String {
        format!("http://{}{}", self.addr, turn.path())
    }

    /// Correctness before timing: one turn must give exactly the expected reply and list the
    /// expected calls, each successful, and the upstream must have seen exactly those calls.
    /// Resets the backend's counters first.
    pub fn check_turn(
        &mut self,
        backend: &mut Backend,
        turn: &Turn,
        who: &str,
    ) -> anyhow::Result<()> {
        backend.reset_stats()?;
        let r = http::post_with(
            self.addr,
            turn.path(),
            &turn.body("bench-check"),
            &turn.headers(),
        )?;
        if r.status != 200 {
            bail!(
                "{who}: POST {} answered {}: {}",
                turn.path(),
                r.status,
                String::from_utf8_lossy(&r.body)
            );
        }
        let v = r.json()?;
        if turn.protocol == Protocol::Mcp {
            let result = &v["result"];
            if result["isError"] != false || result["structuredContent"]["status"] != "shipped" {
                bail!(
                    "{who}: wrong MCP answer to tools/call {}: {v}",
                    turn.message
                );
            }
            backend.expect_calls(turn.routes, 1, who)?;
            return self.proc.check_alive();
        }
        if turn.protocol == Protocol::Rasa {
            // A Rasa answer lists no calls: the upstream's counters prove them.
            let reply = v
                .pointer("/responses/0/text")
                .and_then(|t| t.as_str())
                .unwrap_or("");
            if reply != turn.reply {
                bail!(
                    "{who}: wrong Rasa response:\n  got      {reply:?}\n  expected {:?}",
                    turn.reply
                );
            }
            let events = v["events"]
                .as_array()
                .context("Rasa answer without events")?;
            if !events
                .iter()
                .any(|e| e["event"] == "slot" && e["name"] == "order_id" && e["value"] == "1001")
            {
                bail!("{who}: the Rasa answer does not set slot order_id: {v}");
            }
            backend.expect_calls(turn.routes, 1, who)?;
            return self.proc.check_alive();
        }
        let reply = v
            .pointer("/replies/0/text")
            .and_then(|t| t.as_str())
            .unwrap_or("");
        if reply != turn.reply {
            bail!(
                "{who}: wrong reply to {:?}:\n  got      {reply:?}\n  expected {:?}",
                turn.message,
                turn.reply
            );
        }
        let calls = v["calls"].as_array().context("answer without calls")?;
        let mut ops: Vec<&str> = calls
            .iter()
            .filter_map(|c| c["operation"].as_str())
            .collect();
        ops.sort_unstable();
        if ops != turn.operations {
            bail!(
                "{who}: the turn made calls {ops:?}, expected {:?}",
                turn.operations
            );
        }
        if let Some(bad) = calls.iter().find(|c| {
            !c["status"]
                .as_u64()
                .is_some_and(|s| (200..300).contains(&s))
        }) {
            bail!("{who}: a call did not succeed: {bad}");
        }
        backend.expect_calls(turn.routes, 1, who)?;
        self.proc.check_alive()
    }

    /// Stops the server and removes its data.
    pub fn stop(self) {
        self.proc.stop();
        if let Some(d) = self.data {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}
