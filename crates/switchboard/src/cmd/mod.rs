//! One module per subcommand, plus the project loading they share.

pub mod audit;
pub mod call;
pub mod channels;
pub mod chat;
pub mod check;
pub mod completions;
pub mod demo;
pub mod demo_backend;
pub mod eval;
pub mod init;
pub mod serve;
pub mod tools;

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use switchboard_config::{Diagnostics, LoadOptions, Project};

/// Loads a project, printing warnings; errors are printed and turned into a failure.
pub fn load_project(path: &Path, options: &LoadOptions) -> anyhow::Result<Project> {
    match switchboard_config::load(path, options) {
        Ok((project, warnings)) => {
            print_diagnostics(&warnings);
            crate::logging::apply_project(&project);
            Ok(project)
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            let n = diagnostics.errors().count();
            bail!(
                "{} has {n} error{}",
                path.display(),
                if n == 1 { "" } else { "s" }
            )
        }
    }
}

/// Prints diagnostics, one per line, on stderr.
pub fn print_diagnostics(d: &Diagnostics) {
    for line in &d.0 {
        eprintln!("{line}");
    }
}

/// Options shared by the commands that run a bot.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Where the embedded SQLite store keeps its file.
    #[arg(long, default_value = ".switchboard", env = "SWITCHBOARD_DATA_DIR")]
    pub data_dir: PathBuf,
    /// A database URL (`postgres://...` or `sqlite://FILE`) overriding the project's `storage`.
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// A Redis URL (`redis://HOST:6379/0`) for the state several instances share (rate
    /// limits, cache, turn lock), overriding the project's `state.redis`.
    #[arg(long, env = "SWITCHBOARD_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
}

impl RunArgs {
    /// Builds the application with these options over the project's own settings.
    pub async fn build(
        &self,
        mut project: switchboard_config::Project,
    ) -> anyhow::Result<switchboard_runtime::app::Services> {
        if let Some(url) = &self.redis_url {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                bail!("--redis-url must be a redis:// or rediss:// URL");
            }
            project.state = Some(match project.state.take() {
                // The project's prefix and when_down modes stay; only the address changes.
                Some(mut s) => {
                    s.redis = switchboard_config::Secret::from_reference(url.clone());
                    s
                }
                None => switchboard_config::model::StateSettings::from_url(url),
            });
        }
        Ok(
            switchboard_runtime::app::build(project, &self.data_dir, self.database_url.as_deref())
                .await?,
        )
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down; letting turns in flight finish");
}

/// Binds a listener with a readable error.
pub async fn bind(addr: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}
