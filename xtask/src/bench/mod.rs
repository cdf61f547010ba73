//! `cargo xtask bench`: the benchmark harness.
//!
//! Builds the binaries with the shipped code generation (the `measure` profile), starts the
//! demo backend pinned to CPU 1, then for each workload, setting and run starts the system under test pinned to CPU 0, checks that it
//! answers correctly and that the upstream saw the expected calls, warms it up, measures a
//! bounded window with the load generator (on CPU 1), and reads the process's CPU time and
//! peak RSS from `/proc`. Prints markdown tables and writes the JSON under `bench/results/`.
//! Everything talks to 127.0.0.1 only, and every child process is ended by a guard.

pub mod args;
mod backend;
mod env;
mod http;
mod micro;
mod model;
mod procfs;
mod procs;
mod report;
mod runner;
mod servers;
mod variant;
mod w6;
mod w7;
mod w9;

use anyhow::Context;
use args::{BenchArgs, Plan, Workload};
use backend::Backend;
use env::Env;
use model::ResultsFile;
use runner::{At, Runner};
use servers::{FANOUT, Kind, MCP_GET_ORDER, ORDER_STATUS, RASA_ORDER_STATUS, Turn};
use std::path::Path;

/// Runs the benchmarks the arguments ask for.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let plan = args.plan()?;
    let started = chrono::Utc::now();
    let stamp = started.format("%Y%m%dT%H%M%SZ").to_string();
    let command = format!(
        "cargo xtask {}",
        std::env::args().skip(1).collect::<Vec<_>>().join(" ")
    );
    let env = Env::prepare(!args.no_build, &stamp, args.sut_log.clone())?;
    let (commit, dirty) = env::commit(&env.root);
    let machine = env::machine(env.pinning.enabled);
    eprintln!("bench: logs and data in {}", env.work.display());

    let mut measurements = Vec::new();
    if plan.workloads.iter().any(|w| *w != Workload::Micro) {
        let backend = Backend::start(&env)?;
        let base = backend.base_url();
        let store = env.project(
            &env.root.join("examples/store/switchboard.yaml"),
            "store.yaml",
            &base,
        )?;
        let store_without_policies = env.project_with(
            &env.root.join("examples/store/switchboard.yaml"),
            "store-no-policies.yaml",
            &base,
            variant::without_policies,
        )?;
        let fanout = env.project(
            &env.root.join("bench/projects/fanout.yaml"),
            "fanout.yaml",
            &base,
        )?;
        let webhooks = env.project_with(
            &env.root.join("examples/store/switchboard.yaml"),
            "store-w6.yaml",
            &base,
            variant::webhooks_unlimited,
        )?;
        let model_url = format!("http://{}/model/v1", backend.addr);
        let understanding = env.project_with(
            &env.root.join("examples/store/switchboard.yaml"),
            "store-understand.yaml",
            &base,
            |t| variant::understanding_by_model(t, &model_url),
        )?;
        let platforms = format!("http://{}/platforms", backend.addr);
        let channels = env.project_with(
            &env.root.join("examples/store/switchboard.yaml"),
            "store-w7.yaml",
            &base,
            |t| variant::channels_on(t, &platforms),
        )?;
        let poller = env.project(
            &env.root.join("bench/projects/poller.yaml"),
            "poller.yaml",
            &base,
        )?;
        let mut runner = Runner {
            env: &env,
            backend,
            plan: &plan,
            measurements: Vec::new(),
        };
        for w in &plan.workloads {
            match w {
                Workload::W1 => w1(&mut runner, &plan, &store)?,
                Workload::W2 => turn(
                    &mut runner,
                    &plan,
                    &store,
                    &[
                        ("no-policies", &store_without_policies),
                        ("understand", &understanding),
                    ],
                    "W2",
                    &ORDER_STATUS,
                )?,
                Workload::W3 => turn(&mut runner, &plan, &store, &[], "W3", &RASA_ORDER_STATUS)?,
                Workload::W4 => w4(&mut runner, &plan, &fanout)?,
                Workload::W5 => w5(&mut runner, &plan, &store)?,
                Workload::W6 => w6(&mut runner, &plan, (&webhooks, &poller))?,
                Workload::W7 => w7(&mut runner, &plan, &channels)?,
                Workload::W8 => w8(&mut runner, &plan, &store)?,
                Workload::W9 => w9(&mut runner, &plan, &store)?,
                Workload::Micro => {}
            }
        }
        measurements = runner.measurements;
    }
    let micro = if plan.workloads.contains(&Workload::Micro) {
        micro::run(&env)?
    } else {
        Vec::new()
    };

    let tables = report::Report::new(&measurements, &micro).markdown();
    let header = format!(
        "## Switchboard benchmarks\n\n- machine: {} CPUs, {}, {} MiB, Linux {}; processes pinned: {}\n- commit: {}{}\n- command: `{command}`\n- started: {}\n- window: {:?} per run after a {:?} warm-up, {} run(s) of each\n",
        machine.nproc,
        machine.cpu_model,
        machine.memory_mib,
        machine.kernel,
        if machine.pinned {
            "SUT on CPU 0, upstream and load generator on CPU 1"
        } else {
            "no"
        },
        commit,
        if dirty {
            " (with uncommitted changes)"
        } else {
            ""
        },
        started.to_rfc3339(),
        plan.duration,
        plan.warmup,
        plan.runs
    );
    println!("{header}\n{tables}");

    let file = ResultsFile {
        started_at: started.to_rfc3339(),
        commit: commit.clone(),
        dirty,
        command,
        machine,
        duration_s: plan.duration.as_secs_f64(),
        runs: plan.runs,
        measurements,
        micro,
        tables: tables.clone(),
    };
    let short: String = commit.chars().take(10).collect();
    let dir = env.root.join("bench/results");
    let stem = format!("{stamp}-{short}");
    write_atomic(
        &dir.join(format!("{stem}.json")),
        &serde_json::to_string_pretty(&file)?,
    )?;
    write_atomic(
        &dir.join(format!("{stem}.md")),
        &format!("{header}\n{tables}"),
    )?;
    eprintln!(
        "bench: results written to {}",
        dir.join(format!("{stem}.json")).display()
    );
    Ok(())
}

fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

fn w1(runner: &mut Runner<'_>, plan: &Plan, store: &Path) -> anyhow::Result<()> {
    for &setting in &plan.settings {
        for run in 1..=plan.runs {
            let at = At {
                workload: "W1",
                setting,
                run,
            };
            for mode in ["pipeline", "bare"] {
                let m = runner.w1(at, mode, store)?;
                runner.keep(m);
            }
        }
    }
    Ok(())
}

/// W2 and W3: the order-status turn (through the chat API, or as a Rasa action) on
/// Switchboard, on the hand-written baseline, and made directly (the floor). Switchboard also
/// runs on each variant of the project given (W2: the demo's with its policies off, and with
/// the stand-in model understanding every message), labelled as given.
fn turn(
    runner: &mut Runner<'_>,
    plan: &Plan,
    store: &Path,
    variants: &[(&'static str, &Path)],
    workload: &'static str,
    turn: &Turn,
) -> anyhow::Result<()> {
    for &setting in &plan.settings {
        for run in 1..=plan.runs {
            let at = At {
                workload,
                setting,
                run,
            };
            let m = runner.server(at, "switchboard", Kind::Switchboard(store), turn)?;
            runner.keep(m);
            for (label, project) in variants {
                let m = runner.server(at, label, Kind::Switchboard(project), turn)?;
                runner.keep(m);
            }
            let m = runner.server(at, "baseline", Kind::Baseline, turn)?;
            runner.keep(m);
            let m = runner.floor(at, turn)?;
            runner.keep(m);
        }
    }
    Ok(())
}

/// W5: the W1 call with the operation cached (every call a hit) beside the uncached call and
/// bare reqwest; then, once per run, 100 identical misses at once on a cold cache.
fn w5(runner: &mut Runner<'_>, plan: &Plan, store: &Path) -> anyhow::Result<()> {
    for &setting in &plan.settings {
        for run in 1..=plan.runs {
            let at = At {
                workload: "W5",
                setting,
                run,
            };
            for mode in ["cached", "pipeline", "bare"] {
                let m = runner.w1(at, mode, store)?;
                runner.keep(m);
            }
        }
    }
    for run in 1..=plan.runs {
        let at = At {
            workload: "W5",
            setting: args::Setting::C,
            run,
        };
        let m = runner.coalesce(at, store, 100)?;
        runner.keep(m);
    }
    Ok(())
}

fn w4(runner: &mut Runner<'_>, plan: &Plan, fanout: &Path) -> anyhow::Result<()> {
    for &setting in &plan.settings {
        for run in 1..=plan.runs {
            let at = At {
                workload: "W4",
                setting,
                run,
            };
            let m = runner.server(at, "switchboard", Kind::Switchboard(fanout), &FANOUT)?;
            runner.keep(m);
            let m = runner.floor(at, &FANOUT)?;
            runner.keep(m);
        }
    }
    Ok(())
}

/// W6: for each run, the open-loop rates on the demo project (with its per-user hourly
/// limit lifted), then one change detected by webhook and by poller. Settings do not apply.
fn w6(
    runner: &mut Runner<'_>,
    plan: &Plan,
    (webhooks, poller): (&Path, &Path),
) -> anyhow::Result<()> {
    for run in 1..=plan.runs {
        for rate in w6::RATES {
            let m = runner.webhook_rate(run, rate, webhooks)?;
            runner.keep(m);
        }
        let m = runner.detection(run, "webhook", webhooks)?;
        runner.keep(m);
        let m = runner.detection(run, "poller", poller)?;
        runner.keep(m);
    }
    Ok(())
}

/// W7: for each run, the open-loop rates on the demo project's WhatsApp channel (its send
/// APIs on the benchmark backend, its send rate raised). Settings do not apply.
fn w7(runner: &mut Runner<'_>, plan: &Plan, project: &Path) -> anyhow::Result<()> {
    for run in 1..=plan.runs {
        for rate in w7::RATES {
            let m = runner.channel_rate(run, rate, project)?;
            runner.keep(m);
        }
    }
    Ok(())
}

/// W9: W2 on one instance with in-process state (and SQLite) beside three instances on one
/// PostgreSQL and one Redis, all three pinned to the one CPU the single instance had.
fn w9(runner: &mut Runner<'_>, plan: &Plan, store: &Path) -> anyhow::Result<()> {
    for &setting in &plan.settings {
        for run in 1..=plan.runs {
            let at = At {
                workload: "W9",
                setting,
                run,
            };
            let m = runner.server(at, "one", Kind::Switchboard(store), &ORDER_STATUS)?;
            runner.keep(m);
            let (shared, schema) = w9::prepare(&at.label("three"))?;
            let m = runner.fleet(at, "three", (store, &shared), 3, &ORDER_STATUS);
            w9::finish(&schema)?;
            runner.keep(m?);
        }
    }
    Ok(())
}

/// W8: at settings a and b, `store_get_order` as an MCP tool call to the demo project's
/// server, beside W1's in-process pipeline call of the same operation in the same run.
fn w8(runner: &mut Runner<'_>, plan: &Plan, store: &Path) -> anyhow::Result<()> {
    for &setting in plan.settings.iter().filter(|s| **s != args::Setting::C) {
        for run in 1..=plan.runs {
            let at = At {
                workload: "W8",
                setting,
                run,
            };
            let m = runner.server(at, "mcp", Kind::Switchboard(store), &MCP_GET_ORDER)?;
            runner.keep(m);
            let m = runner.w1(at, "pipeline", store)?;
            runner.keep(m);
        }
    }
    Ok(())
}
