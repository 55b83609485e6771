//! `tvmux play`

use std::path::PathBuf;

use tvmux::edit::{self, Input, TimeSpec};
use tvmux::play::{self, End, Options, Tty};

use super::edit::time_spec;
use super::exit;

#[derive(clap::Args)]
pub struct Args {
    /// Play this many times faster (0.5: half as fast).
    #[arg(long, default_value_t = 1.0, value_parser = positive)]
    speed: f64,
    /// Shorten pauses longer than this many seconds to it.
    #[arg(long, value_name = "SECONDS", value_parser = positive)]
    idle_limit: Option<f64>,
    /// Start here (seconds, MM:SS(.fff), HH:MM:SS(.fff) or a marker's label).
    #[arg(long, value_parser = time_spec)]
    at: Option<TimeSpec>,
    /// Start paused (space plays).
    #[arg(long)]
    paused: bool,
    /// Start again at the end.
    #[arg(long = "loop", conflicts_with = "follow")]
    looping: bool,
    /// At the end, wait for more (a cast still being written) and play it as
    /// it comes, like `tail -f`.
    #[arg(long)]
    follow: bool,
    /// Follow the live recording of this tmux window (`-t @3`; inside tmux,
    /// `-t .` is the current window).
    #[arg(
        short = 't',
        long = "target",
        value_name = "TARGET",
        conflicts_with = "input"
    )]
    target: Option<String>,
    /// The cast (v1, v2, v3; compressed too), or the id of a live recording
    /// (`tvmux rec ls`), which is followed.
    #[arg(value_name = "CAST", required_unless_present = "target")]
    input: Option<PathBuf>,
}

fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{text:?} is not a positive number")),
    }
}

pub fn run(mut args: Args) -> u8 {
    // A live recording: its cast, followed.
    let id = args
        .input
        .as_ref()
        .and_then(|p| p.to_str())
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .filter(|p| !std::path::Path::new(p).exists())
        .map(str::to_string);
    if args.target.is_some() || id.is_some() {
        let target = args.target.as_deref().filter(|t| *t != ".");
        match super::rec::live_cast(target, id.as_deref()) {
            Ok(path) => {
                args.input = Some(path);
                args.follow = true;
                args.looping = false;
            }
            Err(e) => {
                eprintln!("tvmux: {e}");
                return exit::ERROR;
            }
        }
    }
    let path = args.input.clone().expect("a cast or a target");
    // The cast is opened (and `--at` found) before the terminal is taken:
    // what is wrong with it is one line on the normal screen.
    let opened = Input::open(&path).and_then(|input| {
        let at = match (&args.at, input.events()) {
            (Some(at), Ok(_)) => Some(edit::resolve(&input, &[at])?[0]),
            (None, Ok(_)) => None,
            // A damaged cast still plays, up to the damage.
            (None, Err(edit::EditError::Read { .. })) => None,
            (_, Err(e)) => return Err(e),
        };
        Ok((input, at))
    });
    let (input, at) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("tvmux: {e}");
            return exit::ERROR;
        }
    };
    let opts = Options {
        speed: args.speed,
        idle_limit: args.idle_limit.map(tvmux::cast::micros),
        at,
        paused: args.paused,
        looping: args.looping,
        follow: args.follow,
    };
    let mut tty = match Tty::open() {
        Ok(tty) => tty,
        Err(e) => {
            eprintln!("tvmux: {e}");
            return exit::ERROR;
        }
    };
    let result = play::play(input, &opts, &mut tty);
    // The terminal back as it was before anything is said.
    drop(tty);
    match result {
        Ok(End::Finished | End::Quit) => exit::OK,
        Ok(End::Damaged(why)) => {
            eprintln!("tvmux: {}: {why}", path.display());
            exit::INVALID
        }
        Err(e) => {
            eprintln!("tvmux: {e}");
            exit::ERROR
        }
    }
}
