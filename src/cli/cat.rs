//! `tvmux cat`

use std::path::{Path, PathBuf};

use tvmux::cast::micros;
use tvmux::edit::{self, EditError, Input};

use super::edit::OutputArgs;

#[derive(clap::Args)]
pub struct Args {
    /// Seconds between one cast's last event and the next one's start.
    #[arg(long, value_name = "SECS", default_value_t = 0.0)]
    gap: f64,
    /// The casts, in order (v1, v2 or v3, mixed).
    #[arg(required = true, num_args = 2.., value_name = "CAST")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> u8 {
    let paths: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
    let result = (|| {
        if !(args.gap.is_finite() && args.gap >= 0.0) {
            return Err(EditError::Usage(
                "--gap must be zero or more seconds".into(),
            ));
        }
        let inputs: Vec<Input> = paths
            .iter()
            .map(|p| Input::open(p))
            .collect::<Result<_, _>>()?;
        let output = args.output.open(&paths)?;
        edit::join(&inputs, micros(args.gap), output)
    })();
    let dest = args.output.destination(paths[0]);
    super::edit::report(result, dest)
}
