//! W6, webhooks: Stripe-signed deliveries to the demo project's `payments` source at rising
//! open-loop rates, each acknowledged delivery required on its user's event stream exactly
//! once, with the server's CPU per event read from `/proc`; then the same change (a new
//! payment on the backend) noticed by the webhook and by a poller, for detection latency and
//! upstream calls per hour.

use super::model::{Measurement, ToolResult, WebhookFigures};
use super::procfs;
use super::procs::LOAD_CPU;
use super::runner::{Runner, kib_to_mib};
use super::servers::{Kind, Server};
use anyhow::bail;
use std::path::Path;
use std::time::{Duration, Instant};

/// Open-loop delivery rates, per second.
pub const RATES: [f64; 4] = [200.0, 500.0, 1000.0, 2000.0];
/// Users the deliveries are spread over, one event stream each (W7: one phone number each).
pub const USERS: usize = 16;
/// Payments made in the detection comparison.
const CHANGES: u64 = 10;
/// Time between them: not a divisor of the poll interval, so they land all over it.
const SPACING_MS: u64 = 370;
/// The poller's interval in `bench/projects/poller.yaml`.
pub const POLL_EVERY_S: f64 = 1.0;
/// How long after sending the last message may take to arrive.
const DRAIN: &str = "30s";

/// The checks every W6 and W7 result must pass: no acknowledged delivery lost or shown twice
/// (on the event streams for W6, on the fake send API for W7).
pub fn check_delivered(r: &ToolResult, who: &str) -> anyhow::Result<()> {
    let Some(w) = &r.webhooks else {
        bail!("{who}: the load generator reported no deliveries");
    };
    if r.requests == 0 {
        bail!(
            "{who}: no delivery was acknowledged; first error: {}",
            r.first_error.as_deref().unwrap_or("?")
        );
    }
    if w.missing > 0 || w.duplicates > 0 || w.seen != w.expected {
        bail!(
            "{who}: {} acknowledged, {} arrived, {} missing, {} arrived more than once (after waiting {:.1} s); first error: {}",
            w.expected,
            w.seen,
            w.missing,
            w.duplicates,
            w.drain_s,
            r.first_error.as_deref().unwrap_or("none")
        );
    }
    Ok(())
}

pub(super) fn figures(r: &ToolResult, target_rate: Option<f64>) -> WebhookFigures {
    let w = r.webhooks.clone().unwrap_or_default();
    WebhookFigures {
        target_rate,
        errors: r.errors,
        expected: w.expected,
        seen: w.seen,
        duplicates: w.duplicates,
        unexpected: w.unexpected,
        to_stream_p50_ms: w.to_stream.p50_us / 1000.0,
        to_stream_p99_ms: w.to_stream.p99_us / 1000.0,
        upstream_calls_per_hour: None,
        poll_interval_s: None,
        drain_s: w.drain_s,
    }
}

/// A W6 or W7 row: open-loop deliveries to `USERS` users.
pub(super) fn measurement(
    workload: &str,
    setting: String,
    system: &str,
    run: u32,
    r: &ToolResult,
) -> Measurement {
    Measurement {
        workload: workload.into(),
        setting,
        system: system.into(),
        run,
        concurrency: USERS,
        delay_ms: 0,
        requests: r.requests,
        duration_s: r.duration_s,
        rps: r.rps,
        p50_ms: r.latency.p50_us / 1000.0,
        p99_ms: r.latency.p99_us / 1000.0,
        max_ms: r.latency.max_us / 1000.0,
        cpu_us_per_request: None,
        cpu_of: String::new(),
        peak_rss_mib: None,
        startup_ms: None,
        loadgen_cpu_us_per_request: r.self_cpu_us_per_request,
        store_cpu_us_per_request: None,
        upstream_calls_per_request: 0.0,
        steps: None,
        webhooks: None,
    }
}

impl Runner<'_> {
    /// `loadgen webhooks` against a server: open loop at `rate`, or one closed-loop delivery.
    fn loadgen_webhooks(
        &self,
        server: &Server,
        rate: Option<f64>,
        duration: Option<Duration>,
        tag: &str,
        label: &str,
    ) -> anyhow::Result<ToolResult> {
        let mut cmd = self.env.pinning.command(LOAD_CPU, &self.env.loadgen);
        let secret = self
            .env
            .work
            .join("projects/secrets/payments-webhook-secret");
        cmd.args([
            "webhooks",
            "--url",
            &format!("http://{}/v1/webhooks/payments", server.addr),
            "--users",
            &USERS.to_string(),
            "--user-prefix",
            &format!("{tag}-u"),
            "--tag",
            tag,
            "--drain",
            DRAIN,
        ]);
        cmd.arg("--secret-file").arg(secret);
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

    /// One rate: correctness first (one delivery, its message once, no upstream call), a
    /// warm-up at the rate, then the measured window with the server's CPU read around it.
    pub fn webhook_rate(
        &mut self,
        run: u32,
        rate: f64,
        project: &Path,
    ) -> anyhow::Result<Measurement> {
        let label = format!("W6-{rate:.0}-{run}-switchboard");
        let who = format!("W6 {rate:.0}/s run {run}");
        self.backend.set_delay(0)?;
        self.backend.set_webhook(None)?;
        let server = Server::start(self.env, Kind::Switchboard(project), &self.backend, &label)?;
        self.backend.reset_stats()?;
        let check =
            self.loadgen_webhooks(&server, None, None, "w6check", &format!("{label}-check"))?;
        check_delivered(&check, &format!("{who} (check)"))?;
        if check.errors > 0 || check.requests != 1 {
            bail!(
                "{who} (check): one signed delivery was not acknowledged: {}",
                check.first_error.as_deref().unwrap_or("?")
            );
        }
        if !self.plan.warmup.is_zero() {
            let w = self.loadgen_webhooks(
                &server,
                Some(rate),
                Some(self.plan.warmup),
                &format!("w6warm{run}"),
                &format!("{label}-warmup"),
            )?;
            check_delivered(&w, &format!("{who} (warm-up)"))?;
        }
        let pid = server.pid();
        let before = procfs::cpu_time(pid, self.env.clk_tck)?;
        let r = self.loadgen_webhooks(
            &server,
            Some(rate),
            Some(self.plan.duration),
            &format!("w6r{run}"),
            &format!("{label}-loadgen"),
        )?;
        let after = procfs::cpu_time(pid, self.env.clk_tck)?;
        let rss = procfs::peak_rss_kib(pid)?;
        check_delivered(&r, &who)?;
        // The demo project's health probe (`rates`, every 30 s) may tick; nothing else may.
        let (seen, _) = self.backend.stats()?;
        let upstream: u64 = seen
            .iter()
            .filter(|(route, _)| route.as_str() != "rates")
            .map(|(_, n)| n)
            .sum();
        if upstream != 0 {
            bail!("{who}: the route makes no upstream call, yet the backend saw {seen:?}");
        }
        let startup = server.startup;
        server.stop();
        let mut m = measurement("W6", format!("{rate:.0}/s"), "switchboard", run, &r);
        // Everything the server did for these events, routing and streaming included.
        m.cpu_us_per_request =
            Some(after.saturating_sub(before).as_secs_f64() * 1e6 / r.requests as f64);
        m.cpu_of = "server process".into();
        m.peak_rss_mib = Some(kib_to_mib(rss));
        m.startup_ms = Some(startup.as_secs_f64() * 1000.0);
        m.webhooks = Some(figures(&r, Some(rate)));
        Ok(m)
    }

    /// The same change noticed two ways: `webhook` (the backend sends `payment_intent.
    /// succeeded` to the demo project) or `poller` (`bench/projects/poller.yaml` lists the
    /// payments every second). Detection latency from the change to the message on the
    /// stream, and the upstream calls the backend counted, per hour.
    pub fn detection(
        &mut self,
        run: u32,
        system: &str,
        project: &Path,
    ) -> anyhow::Result<Measurement> {
        let label = format!("W6-change-{run}-{system}");
        let who = format!("W6 change run {run} {system}");
        self.backend.set_delay(0)?;
        self.backend.set_webhook(None)?;
        let server = Server::start(self.env, Kind::Switchboard(project), &self.backend, &label)?;
        let poller = system == "poller";
        if !poller {
            let secret = std::fs::read_to_string(
                self.env
                    .work
                    .join("projects/secrets/payments-webhook-secret"),
            )?;
            let url = format!("http://{}/v1/webhooks/payments", server.addr);
            self.backend.set_webhook(Some((&url, secret.trim())))?;
        }
        self.backend.reset_stats()?;
        let counted_from = Instant::now();
        let mut cmd = self.env.pinning.command(LOAD_CPU, &self.env.loadgen);
        cmd.args([
            "changes",
            "--backend",
            &format!("http://{}", self.backend.addr),
            "--server",
            &format!("http://{}", server.addr),
            "--user",
            &format!("w6-change-{system}-{run}"),
            "--changes",
            &CHANGES.to_string(),
            "--spacing",
            &format!("{SPACING_MS}ms"),
            // A poller's first poll only records what is there: let it happen first.
            "--settle",
            if poller { "2500ms" } else { "0ms" },
            "--drain",
            DRAIN,
        ]);
        let r = self.tool("loadgen", cmd, &format!("{label}-loadgen"))?;
        let counted_for = counted_from.elapsed();
        let (seen, _) = self.backend.stats()?;
        self.backend.set_webhook(None)?;
        check_delivered(&r, &who)?;
        if r.errors > 0 {
            bail!("{who}: {}", r.first_error.as_deref().unwrap_or("?"));
        }
        server.stop();
        let polls = seen.get("payment_list").copied().unwrap_or(0);
        if !poller && polls != 0 {
            bail!("{who}: webhooks need no polling, yet the backend saw {polls} list calls");
        }
        let mut m = measurement("W6", "change".into(), system, run, &r);
        m.concurrency = 1;
        let mut f = figures(&r, None);
        f.upstream_calls_per_hour = Some(polls as f64 * 3600.0 / counted_for.as_secs_f64());
        f.poll_interval_s = poller.then_some(POLL_EVERY_S);
        // For this row the latency that matters is change to stream.
        m.p50_ms = f.to_stream_p50_ms;
        m.p99_ms = f.to_stream_p99_ms;
        m.webhooks = Some(f);
        Ok(m)
    }
}
