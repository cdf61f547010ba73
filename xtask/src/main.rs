//! Project automation, run as `cargo xtask COMMAND`. `bench` builds the release binaries,
//! starts the demo backend and the systems under test pinned to their CPUs, checks that every
//! system answers correctly, measures the workloads of `shared/BENCHMARKS.md` and writes the
//! tables and a JSON result under `bench/results/`.

mod bench;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "xtask", about = "Switchboard project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the benchmarks: `cargo xtask bench [W1 W2 W3 W4 micro] [--settings a,b,c] [--duration 10s]`.
    Bench(bench::args::BenchArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Bench(args) => bench::run(args),
    }
}
