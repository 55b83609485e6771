//! `tvmux text`

use std::io::Write;
use std::path::PathBuf;

use tvmux::cast::Flow;
use tvmux::edit::{self, Input, TimeSpec};
use tvmux::history;

use super::edit::{EmulationArgs, time_spec};
use super::exit;

#[derive(clap::Args)]
pub struct Args {
    /// Only the screen at this time (seconds, MM:SS(.fff), HH:MM:SS(.fff) or
    /// a marker's label) instead of the whole text.
    #[arg(long, value_parser = time_spec)]
    at: Option<TimeSpec>,
    /// Begin each line with the time it was written (HH:MM:SS.mmm).
    #[arg(long, conflicts_with = "at")]
    times: bool,
    /// Every line that was ever on screen (either screen: erased,
    /// overwritten, on the alternate screen), as each left it; what `grep`
    /// searches. Without it: what scrolled off, then the last screen.
    #[arg(long, conflicts_with = "at")]
    all: bool,
    /// The cast (v1, v2 or v3; `-`: standard input).
    #[arg(value_name = "CAST")]
    input: PathBuf,
    #[command(flatten)]
    emulation: EmulationArgs,
}

pub fn run(args: Args) -> u8 {
    let mut out = std::io::BufWriter::new(super::stdout::out());
    let result = Input::open(&args.input).and_then(|input| match &args.at {
        Some(at) => {
            let [t] = edit::resolve(&input, &[at])?[..] else {
                unreachable!("one time asked, one given")
            };
            for row in history::screen_at(&input, t, args.emulation.get())? {
                let _ = writeln!(out, "{row}");
            }
            Ok(())
        }
        None => {
            let how = args.emulation.get();
            let mut print = |line: history::TimedLine| -> std::io::Result<Flow> {
                if args.times {
                    write!(out, "{} ", tvmux::edit::timestamp(line.time))?;
                }
                writeln!(out, "{}", line.text)?;
                Ok(Flow::Continue(()))
            };
            if args.all {
                history::all_lines(&input, how, |seen| print(seen.line))
            } else {
                history::lines(&input, how, print)
            }
        }
    });
    let result = result.and_then(|()| {
        out.flush().map_err(|e| edit::EditError::Io {
            path: "-".into(),
            source: e,
        })
    });
    match result {
        Ok(()) => exit::OK,
        Err(e) => super::edit::failed(e),
    }
}
