//! W7, a messaging channel: WhatsApp Cloud API messages ("where is my order 1001?", W2's
//! message), signed with the app secret, posted to the demo project's `whatsapp` channel at
//! fixed open-loop rates. Each must be acknowledged, run as a chat turn and answered with
//! W2's exact reply on the demo backend's fake send API, exactly once; the server's CPU per
//! message is read from `/proc` over the window and the drain.

use super::model::{Measurement, ToolResult};
use super::procfs;
use super::procs::LOAD_CPU;
use super::runner::{Runner, kib_to_mib};
use super::servers::{Kind, ORDER_STATUS, Server};
use super::w6::{check_delivered, figures, measurement};
use anyhow::bail;
use std::path::Path;
use std::time::Duration;

/// Open-loop message rates, per second.
pub const RATES: [f64; 4] = [100.0, 200.0, 400.0, 800.0];
/// Phone numbers the messages come from, round robin: each is a conversation of its own.
const USERS: usize = 64;
/// The demo project's WhatsApp business number id.
const PHONE_NUMBER_ID: &str = "106540352242922";
/// How long after sending the last reply may take to arrive.
const DRAIN: &str = "30s";
/// The upstream routes one turn calls, once each, beside the reply's send.
const SEND_ROUTE: &str = "whatsapp_send";
/// The identity lookup, once per new phone number (in the check and the warm-up).
const LOOKUP_ROUTE: &str = "customer_search";

impl Runner<'_> {
    /// `loadgen whatsapp` against a server: open loop at `rate`, or one closed-loop message.
    fn loadgen_whatsapp(
        &self,
        server: &Server,
        rate: Option<f64>,
        duration: Option<Duration>,
        tag: &str,
        label: &str,
    ) -> anyhow::Result<ToolResult> {
        let mut cmd = self.env.pinning.command(LOAD_CPU, &self.env.loadgen);
        cmd.args([
            "whatsapp",
            "--url",
            &format!("http://{}/v1/channels/whatsapp", server.addr),
            "--phone-number-id",
            PHONE_NUMBER_ID,
            "--backend",
            &format!("http://{}", self.backend.addr),
            "--message",
            ORDER_STATUS.message,
            "--reply",
            ORDER_STATUS.reply,
            "--users",
            &USERS.to_string(),
            "--tag",
            tag,
            "--drain",
            DRAIN,
        ]);
        cmd.arg("--app-secret-file")
            .arg(self.env.work.join("projects/secrets/whatsapp-app-secret"));
        match (rate, duration) {
            (Some(rate), Some(d)) => {
                cmd.args(["--rate", &rate.to_string()]);
                cmd.args(["--duration", &format!("{}ms", d.as_millis())]);
            }
            _ => {
                cmd.args(["--requests", "1"]);
            }
        }
        self.tool("loadgen", cmd, label)
    }

    /// One rate: correctness first (one message, its one reply, the expected upstream
    /// calls), a warm-up at the rate (every phone number's first message, with its identity
    /// lookup), then the measured window with the server's CPU read around it.
    pub fn channel_rate(
        &mut self,
        run: u32,
        rate: f64,
        project: &Path,
    ) -> anyhow::Result<Measurement> {
        let label = format!("W7-{rate:.0}-{run}-switchboard");
        let who = format!("W7 {rate:.0}/s run {run}");
        self.backend.set_delay(0)?;
        self.backend.set_webhook(None)?;
        let server = Server::start(self.env, Kind::Switchboard(project), &self.backend, &label)?;
        self.backend.reset_stats()?;
        let check =
            self.loadgen_whatsapp(&server, None, None, "w7check", &format!("{label}-check"))?;
        check_delivered(&check, &format!("{who} (check)"))?;
        if check.errors > 0 || check.requests != 1 {
            bail!(
                "{who} (check): one signed message was not answered: {}",
                check.first_error.as_deref().unwrap_or("?")
            );
        }
        self.expect_turn_calls(1, &who)?;
        if !self.plan.warmup.is_zero() {
            let w = self.loadgen_whatsapp(
                &server,
                Some(rate),
                Some(self.plan.warmup),
                &format!("w7warm{run}"),
                &format!("{label}-warmup"),
            )?;
            check_delivered(&w, &format!("{who} (warm-up)"))?;
        }
        self.backend.reset_stats()?;
        let pid = server.pid();
        let before = procfs::cpu_time(pid, self.env.clk_tck)?;
        let r = self.loadgen_whatsapp(
            &server,
            Some(rate),
            Some(self.plan.duration),
            &format!("w7r{run}"),
            &format!("{label}-loadgen"),
        )?;
        let after = procfs::cpu_time(pid, self.env.clk_tck)?;
        let rss = procfs::peak_rss_kib(pid)?;
        check_delivered(&r, &who)?;
        self.expect_turn_calls(r.requests, &who)?;
        let startup = server.startup;
        server.stop();
        let mut m = measurement("W7", format!("{rate:.0}/s"), "switchboard", run, &r);
        m.concurrency = USERS;
        // Everything the server did for these messages: receipt, store, turn, send, settle.
        m.cpu_us_per_request =
            Some(after.saturating_sub(before).as_secs_f64() * 1e6 / r.requests as f64);
        m.cpu_of = "server process".into();
        m.peak_rss_mib = Some(kib_to_mib(rss));
        m.startup_ms = Some(startup.as_secs_f64() * 1000.0);
        m.upstream_calls_per_request = self.backend.stats()?.1 as f64 / r.requests as f64;
        m.webhooks = Some(figures(&r, Some(rate)));
        Ok(m)
    }

    /// Each answered message made W2's calls once and one send; identity lookups happen only
    /// for new numbers, and the demo's health probe (`rates`) may tick.
    fn expect_turn_calls(&self, messages: u64, who: &str) -> anyhow::Result<()> {
        let (seen, _) = self.backend.stats()?;
        let mut wrong = Vec::new();
        for (route, n) in &seen {
            let want = if ORDER_STATUS.routes.contains(&route.as_str()) || route == SEND_ROUTE {
                messages
            } else if route == LOOKUP_ROUTE && *n <= USERS as u64 || route == "rates" {
                *n
            } else {
                0
            };
            if *n != want {
                wrong.push(format!("{route}: {n} (expected {want})"));
            }
        }
        for route in ORDER_STATUS.routes.iter().chain([&SEND_ROUTE]) {
            if !seen.contains_key(*route) && messages > 0 {
                wrong.push(format!("{route}: 0 (expected {messages})"));
            }
        }
        if !wrong.is_empty() {
            bail!(
                "{who}: the upstream calls do not match {messages} answered messages: {}",
                wrong.join(", ")
            );
        }
        Ok(())
    }
}
