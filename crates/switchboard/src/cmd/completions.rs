//! `switchboard completions SHELL`: the shell completion script, generated from the command
//! line's own definition, on stdout.

use crate::exit;
use clap::CommandFactory;
use clap_complete::Shell;
use std::process::ExitCode;

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: Shell,
}

/// Writes the script; for example `switchboard completions bash > /etc/bash_completion.d/switchboard`.
pub fn run(args: Args) -> ExitCode {
    let mut command = crate::Cli::command();
    clap_complete::generate(
        args.shell,
        &mut command,
        "switchboard",
        &mut std::io::stdout(),
    );
    exit::OK
}
