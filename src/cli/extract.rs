//! `tvmux extract`

use std::path::PathBuf;

use tvmux::edit::{self, TimeSpec};

use super::edit::{OutputArgs, time_spec};

#[derive(clap::Args)]
pub struct Args {
    /// Where the kept stretch begins: seconds, MM:SS(.fff), HH:MM:SS(.fff) or
    /// a marker's label.
    #[arg(long, value_parser = time_spec)]
    from: TimeSpec,
    /// Where it ends (included).
    #[arg(long, value_parser = time_spec)]
    to: TimeSpec,
    /// The cast (v1, v2 or v3; `-`: standard input).
    #[arg(value_name = "IN")]
    input: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> u8 {
    super::edit::run(&args.input, &args.output, |input, output| {
        let [from, to] = edit::resolve(input, &[&args.from, &args.to])?[..] else {
            unreachable!("two times asked, two given")
        };
        edit::extract(input, from, to, output)
    })
}
