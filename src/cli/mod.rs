//! Command-line parsing and dispatch; one file per subcommand.

mod api;
mod cat;
mod completions;
mod config;
mod convert;
mod edit;
mod events;
mod grep;
mod index;
mod info;
mod inputs;
mod output;
mod play;
mod progress;
mod rec;
mod redact;
mod remote;
mod repair;
mod server;
mod span;
mod speed;
mod stdout;
mod text;
mod usage;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tvmux",
    version,
    about = "Check, repair, edit, search and record asciinema casts"
)]
struct Cli {
    /// Colour human output: errors red, warnings yellow, paths bold (auto:
    /// when printing to a terminal and NO_COLOR is not set; never in JSON or
    /// GitHub output).
    #[arg(long, global = true, value_enum, default_value_t = output::ColorChoice::Auto)]
    color: output::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check casts (v1, v2, v3): every line, or header and tail with --quick.
    Validate(validate::Args),
    /// Make damaged casts valid again, keeping every removed byte in a side file.
    Repair(repair::Args),
    /// What a cast holds: terminal, duration, events, markers, pauses.
    Info(info::Args),
    /// Convert a cast to v2 or v3 (times exact), or to plain text or raw output.
    Convert(convert::Args),
    /// Join casts one after the other.
    Cat(cat::Args),
    /// Remove a stretch of time; the screen after it is redrawn exactly.
    Cut(span::Args),
    /// Keep only a stretch of time, starting from a redraw of its first screen.
    Extract(span::Args),
    /// Play faster or slower, and shorten long pauses.
    Speed(speed::Args),
    /// The text a cast showed: lines as they scrolled off, then the last screen.
    Text(text::Args),
    /// Watch a cast in the terminal: seek, markers, search, follow a live one.
    Play(play::Args),
    /// Search casts for text as the screen showed it, with the time of each match.
    Grep(grep::Args),
    /// Keep casts' text in the user's cache, so that grep and text answer
    /// without playing the terminal again.
    Index(index::Args),
    /// Mask secrets: every match in output and input becomes `*` of its width.
    Redact(redact::Args),
    /// Record the current tmux window; list and stop recordings.
    Rec(rec::Args),
    /// Follow what happens on the server: recordings started, stopped,
    /// failed, repaired, and tmux's news of recorded sessions.
    Events(events::Args),
    /// Control the per-user server that holds the recordings.
    #[command(subcommand)]
    Server(server::Server),
    /// Show the configuration.
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// Call the server's API: `tvmux api GET /sessions`.
    Api(api::Args),
    /// Print a shell's completion script: `tvmux completions bash > /etc/bash_completion.d/tvmux`.
    Completions(completions::CompletionsArgs),
    /// Print the manual page, or write one per subcommand with --dir.
    Man(completions::ManArgs),
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
    let cli = match usage::parse() {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(code),
    };
    output::set_color(cli.color);
    let result = match cli.command {
        Command::Validate(args) => Ok(validate::run(args)),
        Command::Repair(args) => Ok(repair::run(args)),
        Command::Info(args) => Ok(info::run(args)),
        Command::Convert(args) => Ok(convert::run(args)),
        Command::Cat(args) => Ok(cat::run(args)),
        Command::Cut(args) => Ok(span::cut(args)),
        Command::Extract(args) => Ok(span::extract(args)),
        Command::Speed(args) => Ok(speed::run(args)),
        Command::Text(args) => Ok(text::run(args)),
        Command::Play(args) => Ok(play::run(args)),
        Command::Grep(args) => Ok(grep::run(args)),
        Command::Index(args) => Ok(index::run(args)),
        Command::Redact(args) => Ok(redact::run(args)),
        Command::Rec(args) => rec::run(args),
        Command::Events(args) => events::run(args),
        Command::Server(command) => server::run(command),
        Command::Config(command) => config::run(command),
        Command::Api(args) => api::run(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            // Failed writing its output: the verdict below says it once.
            if !stdout::failed() {
                eprintln!("tvmux: {e:#}");
            }
            exit::INVALID
        }
    };
    // Output that could not be written decides over the command's verdict.
    ExitCode::from(stdout::verdict().unwrap_or(code))
}
