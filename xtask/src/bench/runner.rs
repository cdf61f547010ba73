//! Measuring one system at one setting: correctness check, warm-up, the measured window with
//! the process's CPU read from `/proc` before and after, then the upstream's counters checked
//! against the answers counted. A wrong answer or a missing call fails the run.

use super::args::{Plan, Setting};
use super::backend::Backend;
use super::env::Env;
use super::model::{Measurement, ToolResult};
use super::procfs;
use super::procs::{LOAD_CPU, SUT_CPU, run_tool};
use super::servers::{Kind, Server, Shared, Turn};
use anyhow::{Context, bail};
use std::path::Path;
use std::time::Duration;

/// Drives the measurements of one invocation and keeps them.
pub struct Runner<'a> {
    /// Paths and placement.
    pub env: &'a Env,
    /// The upstream.
    pub backend: Backend,
    /// What to run.
    pub plan: &'a Plan,
    /// Everything measured so far.
    pub measurements: Vec<Measurement>,
}

/// One run's coordinates.
#[derive(Debug, Clone, Copy)]
pub struct At<'s> {
    /// `W1`, `W2`, `W3`, `W4`.
    pub workload: &'s str,
    /// The setting.
    pub setting: Setting,
    /// Run number.
    pub run: u32,
}

impl At<'_> {
    /// How a measurement is named in errors.
    fn who(&self, system: &str) -> String {
        format!(
            "{} {} run {} {system}",
            self.workload,
            self.setting.name(),
            self.run
        )
    }

    pub(super) fn label(&self, system: &str) -> String {
        format!(
            "{}-{}-{}-{system}",
            self.workload,
            self.setting.name(),
            self.run
        )
    }

    fn measurement(&self, system: &str, r: &ToolResult) -> Measurement {
        Measurement {
            workload: self.workload.to_string(),
            setting: self.setting.name().to_string(),
            system: system.to_string(),
            run: self.run,
            concurrency: self.setting.concurrency(),
            delay_ms: self.setting.delay_ms(),
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
            loadgen_cpu_us_per_request: None,
            store_cpu_us_per_request: None,
            upstream_calls_per_request: 0.0,
            steps: r.steps.clone(),
            webhooks: None,
        }
    }
}

/// Upstream delay during the coalescing burst: long enough that every caller arrives while
/// the first miss is still loading.
const COALESCE_DELAY_MS: u64 = 50;

pub(super) fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub(super) fn ensure_clean(r: &ToolResult, who: &str) -> anyhow::Result<()> {
    if r.errors > 0 {
        bail!(
            "{who}: {} of {} requests failed or answered wrongly; first: {}",
            r.errors,
            r.requests + r.errors,
            r.first_error.as_deref().unwrap_or("?")
        );
    }
    if r.requests == 0 {
        bail!("{who}: no request completed");
    }
    Ok(())
}

impl Runner<'_> {
    fn limit(&self) -> Duration {
        self.plan.duration + self.plan.warmup + Duration::from_secs(60)
    }

    pub(super) fn tool(
        &self,
        name: &str,
        cmd: std::process::Command,
        label: &str,
    ) -> anyhow::Result<ToolResult> {
        let out = run_tool(name, cmd, &self.env.log(label), self.limit())?;
        serde_json::from_str(out.trim()).with_context(|| format!("{name} printed no result: {out}"))
    }

    fn loadgen_chat(
        &self,
        urls: &[String],
        turn: &Turn,
        prefix: &str,
        concurrency: usize,
        duration: Duration,
        label: &str,
    ) -> anyhow::Result<ToolResult> {
        let mut cmd = self.env.pinning.command(LOAD_CPU, &self.env.loadgen);
        cmd.arg("chat");
        for url in urls {
            cmd.args(["--url", url]);
        }
        cmd.args([
            "--body",
            &turn.body_template(),
            "--user-prefix",
            prefix,
            "--expect",
            turn.reply,
        ]);
        for (k, v) in turn.headers() {
            cmd.args(["--header", &format!("{k}: {v}")]);
        }
        cmd.args([
            "--concurrency",
            &concurrency.to_string(),
            "--duration",
            &format!("{}ms", duration.as_millis()),
        ]);
        if turn.step_stats {
            cmd.arg("--step-stats");
        }
        self.tool("loadgen", cmd, label)
    }

    fn loadgen_chain(
        &self,
        turn: &Turn,
        concurrency: usize,
        duration: Option<Duration>,
        requests: Option<u64>,
        label: &str,
    ) -> anyhow::Result<ToolResult> {
        let mut cmd = self.env.pinning.command(LOAD_CPU, &self.env.loadgen);
        cmd.args([
            "chain",
            "--base",
            &self.backend.base_url(),
            "--flow",
            turn.flow,
            "--expect",
            turn.reply,
            "--concurrency",
            &concurrency.to_string(),
        ]);
        if let Some(d) = duration {
            cmd.args(["--duration", &format!("{}ms", d.as_millis())]);
        }
        if let Some(n) = requests {
            cmd.args(["--requests", &n.to_string()]);
        }
        self.tool("loadgen", cmd, label)
    }

    /// A chat server (Switchboard or the baseline) under the chat load.
    pub fn server(
        &mut self,
        at: At<'_>,
        system: &str,
        kind: Kind<'_>,
        turn: &Turn,
    ) -> anyhow::Result<Measurement> {
        let label = at.label(system);
        self.backend.set_delay(at.setting.delay_ms())?;
        let mut server = Server::start(self.env, kind, &self.backend, &label)?;
        server.check_turn(&mut self.backend, turn, &at.who(system))?;
        self.measure(at, system, vec![server], turn, false)
    }

    /// W9: `n` instances of Switchboard on one PostgreSQL and one Redis under the chat load,
    /// the load generator's connections spread over them.
    pub fn fleet(
        &mut self,
        at: At<'_>,
        system: &str,
        (project, shared): (&Path, &Shared),
        n: usize,
        turn: &Turn,
    ) -> anyhow::Result<Measurement> {
        let label = at.label(system);
        self.backend.set_delay(at.setting.delay_ms())?;
        let mut servers = Vec::new();
        for i in 0..n {
            let mut s = Server::start(
                self.env,
                Kind::Fleet(project, shared),
                &self.backend,
                &format!("{label}-{i}"),
            )?;
            s.check_turn(
                &mut self.backend,
                turn,
                &format!("{} instance {i}", at.who(system)),
            )?;
            servers.push(s);
        }
        self.measure(at, system, servers, turn, true)
    }

    /// Warms up and measures checked servers under the chat load (spread over them), then
    /// stops them. CPU is theirs together, peak RSS the largest one's; with `stores`, the CPU
    /// of every `postgres` and `redis-server` process is read beside it.
    fn measure(
        &mut self,
        at: At<'_>,
        system: &str,
        servers: Vec<Server>,
        turn: &Turn,
        stores: bool,
    ) -> anyhow::Result<Measurement> {
        let label = at.label(system);
        let who = at.who(system);
        let urls: Vec<String> = servers.iter().map(|s| s.url(turn)).collect();
        let prefix = format!("{label}-u");
        let concurrency = at.setting.concurrency();
        if !self.plan.warmup.is_zero() {
            let w = self.loadgen_chat(
                &urls,
                turn,
                &prefix,
                concurrency,
                self.plan.warmup,
                &format!("{label}-loadgen"),
            )?;
            ensure_clean(&w, &format!("{who} (warm-up)"))?;
        }
        self.backend.reset_stats()?;
        let pids: Vec<u32> = servers.iter().map(Server::pid).collect();
        let cpu = |pids: &[u32]| -> anyhow::Result<Duration> {
            pids.iter()
                .map(|p| procfs::cpu_time(*p, self.env.clk_tck))
                .sum()
        };
        let store_names = ["postgres", "redis-server"];
        let before = cpu(&pids)?;
        let stores_before = procfs::cpu_of_named(&store_names, self.env.clk_tck);
        let r = self.loadgen_chat(
            &urls,
            turn,
            &prefix,
            concurrency,
            self.plan.duration,
            &format!("{label}-loadgen"),
        )?;
        let after = cpu(&pids)?;
        let stores_after = procfs::cpu_of_named(&store_names, self.env.clk_tck);
        let mut rss = 0;
        for p in &pids {
            rss = rss.max(procfs::peak_rss_kib(*p)?);
        }
        ensure_clean(&r, &who)?;
        self.backend
            .expect_calls(turn.routes, r.requests_total, &who)?;
        let startup = servers.iter().map(|s| s.startup).max().unwrap_or_default();
        let n = servers.len();
        for s in servers {
            s.stop();
        }
        let per_request = |d: Duration| d.as_secs_f64() * 1e6 / r.requests as f64;
        let mut m = at.measurement(system, &r);
        m.cpu_us_per_request = Some(per_request(after.saturating_sub(before)));
        m.cpu_of = if n == 1 {
            "server process".into()
        } else {
            format!("{n} server processes")
        };
        m.store_cpu_us_per_request =
            stores.then(|| per_request(stores_after.saturating_sub(stores_before)));
        m.peak_rss_mib = Some(kib_to_mib(rss));
        m.startup_ms = Some(startup.as_secs_f64() * 1000.0);
        m.loadgen_cpu_us_per_request = r.self_cpu_us_per_request;
        m.upstream_calls_per_request = turn.routes.len() as f64;
        Ok(m)
    }

    /// The floor: the load generator makes the turn's upstream calls itself.
    pub fn floor(&mut self, at: At<'_>, turn: &Turn) -> anyhow::Result<Measurement> {
        let label = at.label("floor");
        let who = format!("{} {} run {} floor", at.workload, at.setting.name(), at.run);
        self.backend.set_delay(at.setting.delay_ms())?;
        self.backend.reset_stats()?;
        let check = self.loadgen_chain(turn, 1, None, Some(1), &label)?;
        ensure_clean(&check, &who)?;
        self.backend.expect_calls(turn.routes, 1, &who)?;
        let concurrency = at.setting.concurrency();
        if !self.plan.warmup.is_zero() {
            let w = self.loadgen_chain(turn, concurrency, Some(self.plan.warmup), None, &label)?;
            ensure_clean(&w, &format!("{who} (warm-up)"))?;
        }
        self.backend.reset_stats()?;
        let r = self.loadgen_chain(turn, concurrency, Some(self.plan.duration), None, &label)?;
        ensure_clean(&r, &who)?;
        self.backend
            .expect_calls(turn.routes, r.requests_total, &who)?;
        let mut m = at.measurement("floor", &r);
        m.cpu_us_per_request = r.self_cpu_us_per_request;
        m.cpu_of = "load generator (makes the calls itself)".into();
        m.peak_rss_mib = r.self_peak_rss_kib.map(kib_to_mib);
        m.upstream_calls_per_request = turn.routes.len() as f64;
        Ok(m)
    }

    /// The `w1` binary pinned to the SUT CPU, pointed at the backend.
    fn w1_command(&self, project: &Path, mode: &str, concurrency: usize) -> std::process::Command {
        let mut cmd = self.env.pinning.command(SUT_CPU, &self.env.w1);
        cmd.arg("--project").arg(project);
        cmd.args(["--upstream", &self.backend.base_url(), "--mode", mode]);
        cmd.args(["--concurrency", &concurrency.to_string()]);
        cmd
    }

    /// W1: the `w1` binary, pinned to the SUT CPU, through the pipeline or bare.
    pub fn w1(&mut self, at: At<'_>, mode: &str, project: &Path) -> anyhow::Result<Measurement> {
        let label = at.label(mode);
        let who = format!("W1 {} run {} {mode}", at.setting.name(), at.run);
        self.backend.set_delay(at.setting.delay_ms())?;
        self.backend.reset_stats()?;
        let mut cmd = self.w1_command(project, mode, at.setting.concurrency());
        cmd.args([
            "--duration",
            &format!("{}ms", self.plan.duration.as_millis()),
            "--warmup",
            &format!("{}ms", self.plan.warmup.as_millis()),
        ]);
        let r = self.tool("w1", cmd, &label)?;
        ensure_clean(&r, &who)?;
        // With the cache on, the first (checked) call fills it and nothing else goes out.
        let upstream = if mode == "cached" {
            1
        } else {
            r.requests_total
        };
        self.backend.expect_calls(&["orders"], upstream, &who)?;
        let mut m = at.measurement(mode, &r);
        m.cpu_us_per_request = r.self_cpu_us_per_request;
        m.cpu_of = "w1 process".into();
        m.peak_rss_mib = r.self_peak_rss_kib.map(kib_to_mib);
        m.upstream_calls_per_request = upstream as f64 / r.requests_total as f64;
        Ok(m)
    }

    /// W5 coalescing: `callers` identical calls released together on a cold cache, with the
    /// upstream slowed so that they overlap; the upstream's counter says how many got through.
    pub fn coalesce(
        &mut self,
        at: At<'_>,
        project: &Path,
        callers: usize,
    ) -> anyhow::Result<Measurement> {
        let label = at.label("coalesce");
        let who = format!("W5 run {} coalesce", at.run);
        self.backend.set_delay(COALESCE_DELAY_MS)?;
        self.backend.reset_stats()?;
        let cmd = self.w1_command(project, "coalesce", callers);
        let r = self.tool("w1", cmd, &label)?;
        ensure_clean(&r, &who)?;
        let (seen, total) = self.backend.stats()?;
        let orders = seen.get("orders").copied().unwrap_or(0);
        if total != orders {
            bail!("{who}: the upstream saw calls other than orders: {seen:?}");
        }
        let mut m = at.measurement("coalesce", &r);
        m.concurrency = callers;
        m.delay_ms = COALESCE_DELAY_MS;
        m.cpu_us_per_request = r.self_cpu_us_per_request;
        m.cpu_of = "w1 process".into();
        m.upstream_calls_per_request = orders as f64 / r.requests_total as f64;
        Ok(m)
    }

    /// Keeps a measurement and prints a progress line.
    pub fn keep(&mut self, m: Measurement) {
        eprintln!(
            "bench: {} {} run {} {:<11} p50 {:>8.3} ms  p99 {:>8.3} ms  {:>8.0} req/s  CPU {:>7.1} us/req",
            m.workload,
            m.setting,
            m.run,
            m.system,
            m.p50_ms,
            m.p99_ms,
            m.rps,
            m.cpu_us_per_request.unwrap_or(f64::NAN)
        );
        self.measurements.push(m);
    }
}
