//! `tvmux completions` and `tvmux man`: shell completions and manual pages,
//! generated from the same definitions that parse the command line.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;

use super::stdout::outln;
use super::{Cli, exit};

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: Shell,
}

#[derive(clap::Args)]
pub struct ManArgs {
    /// Write tvmux.1 and one page per subcommand (tvmux-validate.1, …) into
    /// DIR instead of printing tvmux(1).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the completion script for a shell.
pub fn completions(args: CompletionsArgs) -> Result<u8> {
    let mut command = Cli::command();
    // Into memory first: clap_complete panics on a write error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "tvmux", &mut script);
    let _ = super::stdout::out().write_all(&script);
    Ok(exit::OK)
}

/// Prints tvmux(1), or writes every page into a directory.
pub fn man(args: ManArgs) -> Result<u8> {
    let command = Cli::command();
    match args.dir {
        None => clap_mangen::Man::new(command).render(&mut super::stdout::out())?,
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
            clap_mangen::generate_to(command, &dir).with_context(|| dir.display().to_string())?;
            for entry in std::fs::read_dir(&dir)? {
                outln!("{}", entry?.path().display());
            }
        }
    }
    Ok(exit::OK)
}
