//! The criterion micro-benchmarks of the hot pieces (intent classification, template
//! rendering, JSONPath extraction, request building): built, run pinned to the SUT CPU, and
//! read back from criterion's `estimates.json` files.

use super::env::Env;
use super::model::MicroResult;
use anyhow::{Context, bail};
use std::path::Path;
use std::process::Command;

/// The benchmark targets: (package, bench).
const BENCHES: [(&str, &str); 2] = [
    ("switchboard-nlu", "classify"),
    ("switchboard-runtime", "hot_paths"),
];

/// Builds and runs every micro-benchmark; their medians.
pub fn run(env: &Env) -> anyhow::Result<Vec<MicroResult>> {
    let home = env.work.join("criterion");
    for (package, bench) in BENCHES {
        let status = Command::new(cargo())
            .current_dir(&env.root)
            .args(["bench", "-p", package, "--bench", bench, "--no-run"])
            .status()
            .context("running cargo bench --no-run")?;
        if !status.success() {
            bail!("building the {package} {bench} benchmark failed");
        }
        eprintln!("bench: micro-benchmarks: {package} {bench}");
        let mut cmd = env
            .pinning
            .command(super::procs::SUT_CPU, Path::new(&cargo()));
        cmd.current_dir(&env.root)
            .args(["bench", "-p", package, "--bench", bench, "--", "--noplot"])
            .env("CRITERION_HOME", &home);
        let out = cmd.output().context("running cargo bench")?;
        std::fs::write(
            env.log(&format!("micro-{bench}")),
            [out.stdout.as_slice(), out.stderr.as_slice()].concat(),
        )?;
        if !out.status.success() {
            bail!(
                "the {package} {bench} benchmark failed; see {}",
                env.log(&format!("micro-{bench}")).display()
            );
        }
    }
    let mut results = Vec::new();
    collect(&home, &mut results)?;
    results.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(results)
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Walks criterion's output for `*/new/estimates.json` beside `*/new/benchmark.json`.
fn collect(dir: &Path, out: &mut Vec<MicroResult>) -> anyhow::Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let estimates = path.join("estimates.json");
            let bench = path.join("benchmark.json");
            if estimates.is_file() && bench.is_file() {
                out.push(read(&estimates, &bench)?);
            }
        } else {
            collect(&path, out)?;
        }
    }
    Ok(())
}

fn read(estimates: &Path, bench: &Path) -> anyhow::Result<MicroResult> {
    let e: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(estimates)?)
        .with_context(|| format!("parsing {}", estimates.display()))?;
    let b: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(bench)?)
        .with_context(|| format!("parsing {}", bench.display()))?;
    let median = &e["median"];
    Ok(MicroResult {
        id: b["full_id"]
            .as_str()
            .context("benchmark.json without full_id")?
            .to_string(),
        median_ns: median["point_estimate"].as_f64().context("no median")?,
        median_ci_ns: (
            median["confidence_interval"]["lower_bound"]
                .as_f64()
                .unwrap_or(f64::NAN),
            median["confidence_interval"]["upper_bound"]
                .as_f64()
                .unwrap_or(f64::NAN),
        ),
    })
}
