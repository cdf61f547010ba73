//! Child processes of a benchmark run: started pinned to a CPU with `taskset`, their output
//! kept in log files, and always ended (a guard kills them on drop, so an error or a panic
//! leaves nothing running).

use super::http;
use anyhow::{Context, bail};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How processes are placed on CPUs.
#[derive(Debug, Clone, Copy)]
pub struct Pinning {
    /// Whether `taskset` is used (2 or more CPUs and taskset present).
    pub enabled: bool,
}

impl Pinning {
    /// Pins when the machine has 2 CPUs or more and `taskset` exists.
    pub fn detect() -> Pinning {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let taskset = Command::new("taskset")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if cpus < 2 || !taskset {
            eprintln!("bench: warning: not pinning processes (cpus: {cpus}, taskset: {taskset})");
        }
        Pinning {
            enabled: cpus >= 2 && taskset,
        }
    }

    /// A command for `program`, pinned to `cpu` when pinning is on.
    pub fn command(self, cpu: u32, program: &Path) -> Command {
        if self.enabled {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(cpu.to_string()).arg(program);
            c
        } else {
            Command::new(program)
        }
    }
}

/// The CPU of the system under test.
pub const SUT_CPU: u32 = 0;
/// The CPU of the upstream and the load generator.
pub const LOAD_CPU: u32 = 1;

/// A running child that is killed when dropped.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Proc {
    /// Starts `cmd` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> anyhow::Result<Proc> {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = cmd.spawn().with_context(|| format!("starting {name}"))?;
        Ok(Proc {
            name: name.to_string(),
            child,
            log: log.to_path_buf(),
        })
    }

    /// The process id (with taskset, taskset has exec'd the program: same pid).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `GET path` until it answers 200; the time from now until then.
    pub fn wait_ready(
        &mut self,
        addr: SocketAddr,
        path: &str,
        limit: Duration,
    ) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{} exited ({status}) before it was ready; see {}",
                    self.name,
                    self.log.display()
                );
            }
            if let Ok(r) = http::request("GET", addr, path, None, &[], Duration::from_millis(500))
                && r.status == 200
            {
                return Ok(started.elapsed());
            }
            if started.elapsed() > limit {
                bail!(
                    "{} was not ready within {limit:?}; see {}",
                    self.name,
                    self.log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Whether it is still running.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); see {}",
                self.name,
                self.log.display()
            );
        }
        Ok(())
    }

    /// Ends the process and waits for it.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs a tool to completion within `limit`, returning its stdout; killed past the limit.
pub fn run_tool(
    name: &str,
    mut cmd: Command,
    log: &Path,
    limit: Duration,
) -> anyhow::Result<String> {
    let err = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(err);
    let mut child = cmd.spawn().with_context(|| format!("starting {name}"))?;
    let mut stdout = child.stdout.take().context("no stdout pipe")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{name} did not finish within {limit:?}; killed (see {})",
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = reader
        .join()
        .map_err(|_| anyhow::anyhow!("reading {name}'s output panicked"))??;
    if !status.success() {
        bail!("{name} failed ({status}); see {}", log.display());
    }
    Ok(out)
}

/// A free TCP port on 127.0.0.1 (bound and released; the window for a clash is tiny).
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?)
}
