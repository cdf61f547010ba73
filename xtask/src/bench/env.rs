//! The run's surroundings: where the workspace and binaries are, building them, the machine
//! and the commit, and the working folder with the projects pointed at this run's backend.

use super::model::Machine;
use super::procs::Pinning;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo profile the measured binaries are built with: the shipped one's code generation
/// (`dist`: fat LTO, one codegen unit) with symbols kept for profilers.
const PROFILE: &str = "measure";

/// Everything a workload needs to start processes.
#[derive(Debug)]
pub struct Env {
    /// The workspace root.
    pub root: PathBuf,
    /// Where this run's logs, projects and data go.
    pub work: PathBuf,
    /// The `switchboard` binary.
    pub switchboard: PathBuf,
    /// The `loadgen` binary.
    pub loadgen: PathBuf,
    /// The hand-written baseline server.
    pub baseline: PathBuf,
    /// The W1 binary.
    pub w1: PathBuf,
    /// CPU placement.
    pub pinning: Pinning,
    /// Clock ticks per second of `/proc/PID/stat`.
    pub clk_tck: u64,
    /// Log filter for the Switchboard server, when set.
    pub sut_log: Option<String>,
}

impl Env {
    /// Finds the workspace, optionally builds, and creates the working folder.
    pub fn prepare(build: bool, stamp: &str, sut_log: Option<String>) -> anyhow::Result<Env> {
        let meta = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .context("running cargo metadata")?;
        if !meta.status.success() {
            bail!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&meta.stderr)
            );
        }
        let meta: serde_json::Value =
            serde_json::from_slice(&meta.stdout).context("parsing cargo metadata")?;
        let root = PathBuf::from(
            meta["workspace_root"]
                .as_str()
                .context("no workspace_root")?,
        );
        let target = PathBuf::from(
            meta["target_directory"]
                .as_str()
                .context("no target_directory")?,
        );
        if build {
            eprintln!(
                "bench: building the binaries (switchboard, loadgen, baseline, w1) with the `{PROFILE}` profile"
            );
            let status = Command::new(cargo())
                .current_dir(&root)
                .args([
                    "build",
                    "--profile",
                    PROFILE,
                    "-p",
                    "switchboard",
                    "-p",
                    "switchboard-bench",
                    "--bins",
                ])
                .status()
                .context("running cargo build")?;
            if !status.success() {
                bail!("cargo build --profile {PROFILE} failed");
            }
        }
        let work = target.join("bench-runs").join(stamp);
        let bins = work.join("bin");
        std::fs::create_dir_all(&bins).with_context(|| format!("creating {}", bins.display()))?;
        // A snapshot of the binaries: every run of this invocation uses the same build even
        // if the target folder is rebuilt meanwhile.
        let bin = |name: &str| -> anyhow::Result<PathBuf> {
            let p = target.join(PROFILE).join(name);
            if !p.is_file() {
                bail!("{} is missing: build it (drop --no-build)", p.display());
            }
            let copy = bins.join(name);
            std::fs::copy(&p, &copy).with_context(|| format!("copying {}", p.display()))?;
            Ok(copy)
        };
        Ok(Env {
            switchboard: bin("switchboard")?,
            loadgen: bin("loadgen")?,
            baseline: bin("baseline")?,
            w1: bin("w1")?,
            root,
            work,
            pinning: Pinning::detect(),
            clk_tck: super::procfs::clock_ticks(),
            sut_log,
        })
    }

    /// A log file in the working folder.
    pub fn log(&self, name: &str) -> PathBuf {
        self.work.join(format!("{name}.log"))
    }

    /// Copies a project file (and the demo project's `secrets/`) into the working folder with
    /// its `base_url` pointed at `base`; returns the copy's path.
    pub fn project(&self, source: &Path, name: &str, base: &str) -> anyhow::Result<PathBuf> {
        self.project_with(source, name, base, |t| Ok(t.to_string()))
    }

    /// As [`Env::project`], with the text edited first (a variant of the project).
    pub fn project_with(
        &self,
        source: &Path,
        name: &str,
        base: &str,
        edit: impl Fn(&str) -> anyhow::Result<String>,
    ) -> anyhow::Result<PathBuf> {
        const DEMO_BASE: &str = "http://127.0.0.1:8081/api/v2";
        let text = std::fs::read_to_string(source)
            .with_context(|| format!("reading {}", source.display()))?;
        // The load generator posts Rasa turns without the demo's platform token; the servers
        // under test listen on loopback, where an open platform route is allowed.
        let text = edit(&text)?.replace(
            "  auth: { type: header, name: X-Platform-Token, value: \"${file:secrets/platform-token}\" }\n",
            "",
        );
        if !text.contains(DEMO_BASE) {
            bail!(
                "{} has no base_url {DEMO_BASE} to point at the benchmark backend",
                source.display()
            );
        }
        let dir = self.work.join("projects");
        let secrets = dir.join("secrets");
        std::fs::create_dir_all(&secrets)?;
        let demo_secrets = self.root.join("examples/store/secrets");
        for entry in std::fs::read_dir(&demo_secrets)
            .with_context(|| format!("reading {}", demo_secrets.display()))?
        {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                std::fs::copy(entry.path(), secrets.join(entry.file_name()))?;
            }
        }
        let out = dir.join(name);
        std::fs::write(&out, text.replace(DEMO_BASE, base))
            .with_context(|| format!("writing {}", out.display()))?;
        Ok(out)
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// The machine, from /proc.
pub fn machine(pinned: bool) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let nproc = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count()
        .max(1);
    let cpu_model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown".to_string(), |(_, v)| v.trim().to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".to_string(), |s| s.trim().to_string());
    let memory_mib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024);
    Machine {
        nproc,
        cpu_model,
        kernel,
        memory_mib,
        pinned,
    }
}

/// The commit and whether the work tree has changes.
pub fn commit(root: &Path) -> (String, bool) {
    let run = |args: &[&str]| {
        Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = run(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    let dirty =
        run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    (commit, dirty)
}
