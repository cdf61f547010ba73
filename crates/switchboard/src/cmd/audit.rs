//! `switchboard audit export|purge`: the audit trail from the command line, read from the
//! project's store (the same SQLite file or PostgreSQL database the server writes).

use super::RunArgs;
use crate::ProjectArg;
use crate::exit;
use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use switchboard_config::LoadOptions;
use switchboard_runtime::server::admin::parse_time;
use switchboard_runtime::storage::audit::{self, AuditQuery, AuditStore};
use switchboard_runtime::telemetry::redact::Redactor;

/// The audit subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write audit rows as JSON lines (oldest first) to stdout or a file.
    Export(ExportArgs),
    /// Delete rows older than the retention (`telemetry.audit.retention`) or `--before`.
    Purge(PurgeArgs),
}

/// Arguments of `audit export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    project: ProjectArg,
    #[command(flatten)]
    run: RunArgs,
    /// Rows at or after this time (RFC 3339, or a date such as 2026-11-24 for midnight UTC).
    #[arg(long)]
    since: Option<String>,
    /// Rows before this time (RFC 3339 or a date).
    #[arg(long)]
    until: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

/// Arguments of `audit purge`.
#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    project: ProjectArg,
    #[command(flatten)]
    run: RunArgs,
    /// Delete rows before this time instead of applying the retention (RFC 3339 or a date).
    #[arg(long)]
    before: Option<String>,
}

fn time(flag: &str, v: Option<&str>) -> anyhow::Result<Option<DateTime<Utc>>> {
    v.map(|s| {
        parse_time(s).with_context(|| {
            format!("--{flag} {s:?} is not a time: use RFC 3339 (2026-11-24T08:00:00Z) or a date (2026-11-24)")
        })
    })
    .transpose()
}

async fn open(
    project: &ProjectArg,
    run: &RunArgs,
) -> anyhow::Result<(switchboard_config::Project, Arc<dyn AuditStore>)> {
    let mut p = super::load_project(&project.config, &LoadOptions::default())?;
    if let Some(url) = &run.database_url {
        p.storage = switchboard_runtime::app::storage_from_url(url);
    }
    let store = audit::open(&p.storage, &run.data_dir).await?;
    Ok((p, store))
}

/// Runs an audit subcommand.
pub async fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Export(a) => export(a).await,
        Command::Purge(a) => purge(a).await,
    }
}

async fn export(a: ExportArgs) -> anyhow::Result<ExitCode> {
    let since = time("since", a.since.as_deref())?;
    let until = time("until", a.until.as_deref())?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        bail!("--since must be before --until");
    }
    let (project, store) = open(&a.project, &a.run).await?;
    let redactor = Redactor::from_project(&project);
    let mut out: Box<dyn Write> = match &a.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut q = AuditQuery {
        since,
        until,
        after: 0,
        limit: 1000,
    };
    let mut n = 0u64;
    loop {
        let rows = store.query(&q).await?;
        for mut r in rows.iter().cloned() {
            r.detail = r.detail.map(|d| redactor.detail(&d));
            serde_json::to_writer(&mut out, &r)?;
            out.write_all(b"\n")?;
            n += 1;
        }
        match rows.last() {
            Some(last) if rows.len() == q.limit as usize => q.after = last.id,
            _ => break,
        }
    }
    out.flush()?;
    eprintln!("{n} audit row{} exported", if n == 1 { "" } else { "s" });
    Ok(exit::OK)
}

async fn purge(a: PurgeArgs) -> anyhow::Result<ExitCode> {
    let before = time("before", a.before.as_deref())?;
    let (project, store) = open(&a.project, &a.run).await?;
    let before = match before {
        Some(b) => b,
        None => Utc::now() - chrono::Duration::from_std(project.telemetry.audit.retention)?,
    };
    let n = store.purge(before).await?;
    eprintln!(
        "{n} audit row{} before {} deleted",
        if n == 1 { "" } else { "s" },
        before.to_rfc3339()
    );
    Ok(exit::OK)
}
