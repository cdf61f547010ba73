//! W9's shared stores: the machine's PostgreSQL (a schema of the run's own, dropped after)
//! and Redis (database 15, emptied before), as a fleet of instances would share them.

use super::servers::Shared;
use anyhow::{Context, bail};
use std::process::Command;

/// The PostgreSQL the benchmark uses (as the tests do).
fn postgres_base() -> String {
    std::env::var("SWITCHBOARD_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// The Redis database W9 empties and uses.
const REDIS_URL: &str = "redis://127.0.0.1:6379/15";

fn run(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(program).args(args).output().with_context(|| {
        format!("running {program} (W9 needs PostgreSQL's and Redis's clients)")
    })?;
    if !out.status.success() {
        bail!(
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// A fresh schema and an empty Redis database for one fleet run.
pub fn prepare(label: &str) -> anyhow::Result<(Shared, String)> {
    let schema = format!(
        "switchboard_bench_{}",
        label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            })
            .collect::<String>()
    );
    let base = postgres_base();
    run(
        "psql",
        &[
            &base,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"),
        ],
    )?;
    run("redis-cli", &["-u", REDIS_URL, "FLUSHDB"])?;
    let join = if base.contains('?') { '&' } else { '?' };
    Ok((
        Shared {
            database_url: format!("{base}{join}options[search_path]={schema}"),
            redis_url: REDIS_URL.to_string(),
        },
        schema,
    ))
}

/// Drops a run's schema.
pub fn finish(schema: &str) -> anyhow::Result<()> {
    run(
        "psql",
        &[
            &postgres_base(),
            "-q",
            "-c",
            &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        ],
    )
}
