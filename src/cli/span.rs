//! `tvmux cut` and `tvmux extract`: the same arguments, opposite edits.

use std::path::PathBuf;

use tvmux::edit::{self, TimeSpec};

use super::edit::{OutputArgs, time_spec};

#[derive(clap::Args)]
pub struct Args {
    /// Where the stretch begins: seconds, MM:SS(.fff), HH:MM:SS(.fff) or a
    /// marker's label.
    #[arg(long, value_parser = time_spec)]
    from: TimeSpec,
    /// Where it ends.
    #[arg(long, value_parser = time_spec)]
    to: TimeSpec,
    /// The cast (v1, v2 or v3; `-`: standard input).
    #[arg(value_name = "IN")]
    input: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
    /// Play the cast from its start even where a fresh index (`tvmux
    /// index`) has a keyframe before the stretch.
    #[arg(long)]
    no_index: bool,
}

/// Removes the stretch (what happens from `--to` on is kept).
pub fn cut(args: Args) -> u8 {
    run(args, edit::cut)
}

/// Keeps only the stretch (`--to` included).
pub fn extract(args: Args) -> u8 {
    run(args, edit::extract)
}

type Edit = fn(
    &edit::Input,
    u64,
    u64,
    tvmux::screen::Emulation,
    edit::Output,
) -> Result<edit::Written, edit::EditError>;

fn run(args: Args, edit: Edit) -> u8 {
    super::edit::run(&args.input, &args.output, |input, output| {
        let [from, to] = edit::resolve(input, &[&args.from, &args.to])?[..] else {
            unreachable!("two times asked, two given")
        };
        let stretch = edit::stretch(input, from, to)?;
        if let Some(asked) = stretch.clamped_from {
            eprintln!(
                "tvmux: --to ({}) is past the end of the cast: the stretch ends at {}",
                edit::clock(asked),
                edit::clock(stretch.to)
            );
        }
        let how = tvmux::screen::Emulation {
            threads: 1,
            index: !args.no_index,
        };
        edit(input, stretch.from, stretch.to, how, output)
    })
}
