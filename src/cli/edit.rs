//! What the editing subcommands share: where the result goes, and how an
//! edit's outcome becomes a message and an exit status.

use std::path::{Path, PathBuf};

use tvmux::edit::{self, EditError, Input, Output, TimeSpec, Written};

use super::exit;

/// How the terminal is played (`text`, `grep`, `convert --to txt`).
#[derive(clap::Args)]
pub struct EmulationArgs {
    /// Play the terminal on N cores (default: all); the text is the same
    /// for any number.
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<std::num::NonZeroUsize>,
    /// Play the terminal even where a fresh index (`tvmux index`) could
    /// answer.
    #[arg(long)]
    no_index: bool,
}

impl EmulationArgs {
    /// What was asked for.
    pub fn get(&self) -> tvmux::screen::Emulation {
        tvmux::screen::Emulation {
            threads: self.threads.map_or_else(tvmux::screen::cores, usize::from),
            index: !self.no_index,
        }
    }
}

/// Where an edit writes.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// The file to write (`-`: standard output). It is written whole to a
    /// temporary file beside it, then renamed over it.
    #[arg(short, long, value_name = "OUT", default_value = "-")]
    output: PathBuf,
    /// Replace the input with the result (once the result is complete).
    #[arg(long, conflicts_with = "output")]
    in_place: bool,
}

impl OutputArgs {
    /// The output for an edit of `inputs` (the one input, with --in-place).
    pub fn open(&self, inputs: &[&Path]) -> Result<Output, EditError> {
        if self.in_place {
            let [input] = inputs else {
                return Err(EditError::Usage("--in-place takes one input".into()));
            };
            if *input == Path::new("-") {
                return Err(EditError::Usage(
                    "--in-place needs a file, not standard input".into(),
                ));
            }
            return Output::create(input, inputs, true);
        }
        Output::create(&self.output, inputs, false)
    }

    /// Where the result went, for the summary.
    pub fn destination<'a>(&'a self, input: &'a Path) -> Option<&'a Path> {
        if self.in_place {
            Some(input)
        } else {
            (self.output != Path::new("-")).then_some(&self.output)
        }
    }
}

/// A time option: seconds, MM:SS(.fff), HH:MM:SS(.fff) or a marker's label.
pub fn time_spec(text: &str) -> Result<TimeSpec, String> {
    Ok(TimeSpec::parse(text))
}

/// Runs an edit of `input`: prints where its result went (when not to
/// standard output) and gives the exit status.
pub fn run(
    input: &Path,
    out: &OutputArgs,
    edit: impl FnOnce(&Input, Output) -> Result<Written, EditError>,
) -> u8 {
    let result = Input::open(input).and_then(|i| {
        let output = out.open(&[input])?;
        edit(&i, output)
    });
    report(result, out.destination(input))
}

/// The message and exit status for an edit's outcome.
pub fn report(result: Result<Written, EditError>, dest: Option<&Path>) -> u8 {
    match result {
        Ok(written) => {
            if let Some(dest) = dest {
                eprintln!(
                    "{}: {} {}, {}",
                    dest.display(),
                    written.events,
                    if written.text { "lines" } else { "events" },
                    edit::clock(written.duration)
                );
            }
            if written.dropped > 0 {
                eprintln!(
                    "tvmux: left out {} `x` events whose data is not an exit status (v3 reads `x` as one)",
                    written.dropped
                );
            }
            if !written.lost_fields.is_empty() {
                eprintln!(
                    "tvmux: left out the header's {} (the output's version has no place for {})",
                    written.lost_fields.join(", "),
                    if written.lost_fields.len() == 1 {
                        "it"
                    } else {
                        "them"
                    }
                );
            }
            exit::OK
        }
        Err(e) => failed(e),
    }
}

/// Says why an edit failed; its exit status (1 for an input a player
/// cannot read, 2 for anything else).
pub fn failed(e: EditError) -> u8 {
    // Standard output failed (a closed pipe, a full disk): the one output
    // rule says so and decides the status (`stdout::verdict`).
    if let EditError::Io { source, .. } = &e
        && (super::stdout::note(source) || super::stdout::failed())
    {
        return exit::ERROR;
    }
    eprintln!("tvmux: {e}");
    match e {
        EditError::Read { .. } => exit::INVALID,
        _ => exit::ERROR,
    }
}
