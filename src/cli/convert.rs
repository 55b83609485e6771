//! `tvmux convert`

use std::path::PathBuf;

use clap::ValueEnum;
use tvmux::edit::{self, Target};

use super::edit::{EmulationArgs, OutputArgs};

#[derive(clap::Args)]
pub struct Args {
    /// What to convert to.
    #[arg(long, value_enum)]
    to: To,
    /// The cast (v1, v2 or v3; `-`: standard input).
    #[arg(value_name = "IN")]
    input: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    emulation: EmulationArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum To {
    /// asciicast v2 (times to the microsecond).
    V2,
    /// asciicast v3 (intervals to the microsecond).
    V3,
    /// Plain text: lines as they scrolled off the screen, then the last screen.
    Txt,
    /// The terminal output, byte for byte.
    Raw,
}

pub fn run(args: Args) -> u8 {
    let target = match args.to {
        To::V2 => Target::V2,
        To::V3 => Target::V3,
        To::Txt => Target::Txt(args.emulation.get()),
        To::Raw => Target::Raw,
    };
    super::edit::run(&args.input, &args.output, |input, output| {
        edit::convert(input, target, output)
    })
}
