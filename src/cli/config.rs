//! `tvmux config show|defaults`

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use tvmux::config::Config;

use super::exit;
use super::stdout::{outln, outp};

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// The configuration in effect (defaults, file, environment).
    Show,
    /// The built-in defaults.
    Defaults {
        #[arg(long, value_enum, default_value_t = Format::Toml)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Toml,
    Env,
}

pub fn run(command: ConfigCmd) -> Result<u8> {
    match command {
        ConfigCmd::Show => {
            outln!("# {}", Config::path().display());
            outp!("{}", Config::load()?.to_toml());
        }
        ConfigCmd::Defaults {
            format: Format::Toml,
        } => outp!("{}", Config::default().to_toml()),
        ConfigCmd::Defaults {
            format: Format::Env,
        } => outp!("{}", Config::default().to_env()),
    }
    Ok(exit::OK)
}
