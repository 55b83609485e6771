//! Command-line parsing and dispatch; one file per subcommand.

mod inputs;
mod output;
mod progress;
mod repair;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tvmux",
    version,
    about = "Validate, repair and record asciinema casts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check casts (v1, v2, v3): header and tail by default, every line with --full.
    Validate(validate::Args),
    /// Make damaged casts valid again, keeping every removed byte in a side file.
    Repair(repair::Args),
}

/// Exit codes shared by the subcommands.
pub mod exit {
    /// Every input is valid (or was made valid).
    pub const OK: u8 = 0;
    /// Some input is invalid, or was refused.
    pub const INVALID: u8 = 1;
    /// Usage or I/O error.
    pub const ERROR: u8 = 2;
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Repair(args) => repair::run(args),
    };
    ExitCode::from(code)
}
