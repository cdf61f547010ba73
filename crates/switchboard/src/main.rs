//! `switchboard`: the command line. Each subcommand lives in its own module under `cmd/`.

mod cmd;
mod embedded;
mod exit;
mod logging;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Connect chatbots to live data through REST APIs.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Log format: text or json. Default: the project's `telemetry.log_format`, else text.
    #[arg(long, global = true, value_parser = ["text", "json"], env = "SWITCHBOARD_LOG_FORMAT")]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the bundled demo backend and the demo bot on it; works offline.
    Demo(cmd::demo::Args),
    /// Run only the demo backend (a fake store API with fault switches).
    DemoBackend(cmd::demo_backend::Args),
    /// Run a project: the chat API, health checks and the web chat page.
    Serve(cmd::serve::Args),
    /// Talk to a project in the terminal.
    Chat(cmd::chat::Args),
    /// Validate a project file: `file:line:col: message` for every problem, exit 1 on errors.
    Check(cmd::check::Args),
    /// Run one operation through the full pipeline and print the result as JSON.
    Call(cmd::call::Args),
    /// Measure intent classification on a labelled evaluation file.
    Eval(cmd::eval::Args),
    /// Scaffold a new project.
    Init(cmd::init::Args),
    /// Read or purge the audit trail: `audit export` writes JSON lines, `audit purge` applies
    /// the retention now.
    #[command(subcommand)]
    Audit(cmd::audit::Command),
    /// Messaging channels: `channels register` tells the platforms where to post.
    #[command(subcommand)]
    Channels(cmd::channels::Command),
    /// The tool gateway's definitions: `tools export --format openai|anthropic|mcp`.
    #[command(subcommand)]
    Tools(cmd::tools::Command),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(cmd::completions::Args),
}

/// Where a project file is, shared by the commands that load one.
#[derive(Debug, clap::Args)]
pub struct ProjectArg {
    /// The project file.
    #[arg(
        short = 'c',
        long = "config",
        default_value = "switchboard.yaml",
        env = "SWITCHBOARD_CONFIG"
    )]
    pub config: PathBuf,
}

/// mimalloc serves the many small, short-lived allocations of a turn (request and JSON trees,
/// template contexts, records) with less CPU than the system allocator: W3 at setting b took
/// 409 against 567 µs of CPU per turn (medians of three runs, `cargo xtask bench W2 W3
/// --settings b --runs 3`; bench/results 20261206T105959Z with it, 20261206T110232Z without),
/// W2 showed no difference beyond the noise, and peak RSS rose by 6 MiB. Transparent huge
/// pages are off (`no_thp`): with them a run held 40 MiB more.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One crypto provider for every TLS client in the process (rustls with aws-lc-rs).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let quiet = !matches!(
        cli.command,
        Command::Serve(_) | Command::Demo(_) | Command::DemoBackend(_)
    );
    logging::init(cli.log_format.as_deref(), quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::FAILURE;
        }
    };
    runtime.block_on(async move {
        let result = match cli.command {
            Command::Demo(a) => cmd::demo::run(a).await,
            Command::DemoBackend(a) => cmd::demo_backend::run(a).await,
            Command::Serve(a) => cmd::serve::run(a).await,
            Command::Chat(a) => cmd::chat::run(a).await,
            Command::Audit(a) => cmd::audit::run(a).await,
            Command::Check(a) => cmd::check::run(a),
            Command::Call(a) => cmd::call::run(a).await,
            Command::Channels(a) => cmd::channels::run(a).await,
            Command::Tools(a) => cmd::tools::run(a).await,
            Command::Eval(a) => cmd::eval::run(a).await,
            Command::Init(a) => cmd::init::run(a),
            Command::Completions(a) => Ok(cmd::completions::run(a)),
        };
        match result {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                exit::FAILURE
            }
        }
    })
}
