//! `tvmux speed`

use std::path::PathBuf;

use tvmux::edit;

use super::edit::OutputArgs;

#[derive(clap::Args)]
pub struct Args {
    /// Play this many times faster (0.5: half as fast).
    #[arg(long, default_value_t = 1.0)]
    factor: f64,
    /// Shorten every pause to at most this many seconds (before --factor).
    #[arg(long, value_name = "SECS")]
    idle_limit: Option<f64>,
    /// The cast (v1, v2 or v3; `-`: standard input).
    #[arg(value_name = "IN")]
    input: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> u8 {
    super::edit::run(&args.input, &args.output, |input, output| {
        edit::speed(input, args.factor, args.idle_limit, output)
    })
}
