//! `tvmux index`

use std::path::PathBuf;

use tvmux::edit::{EditError, Input};
use tvmux::history;

use super::exit;
use super::inputs;

#[derive(clap::Args)]
pub struct Args {
    /// Casts, or directories of casts (default: the recordings directory
    /// from the configuration).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Index casts whose index is fresh too, and a grown cast from the
    /// start.
    #[arg(long)]
    again: bool,
    /// Index nothing: remove the indexes no cast needs (of casts that are
    /// gone or are another file now, and what a killed run left).
    #[arg(long, conflicts_with_all = ["paths", "again", "threads"])]
    prune: bool,
    /// Play the terminal on N cores (default: all).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<std::num::NonZeroUsize>,
}

pub fn run(args: Args) -> u8 {
    if args.prune {
        return prune();
    }
    let paths = match inputs::or_recordings(&args.paths) {
        Ok(paths) => paths,
        Err(e) => {
            eprintln!("{e}");
            return exit::ERROR;
        }
    };
    let threads = args.threads.map_or_else(tvmux::screen::cores, usize::from);
    let mut failed = false;
    for input in inputs::expand(&paths, inputs::Empty::Refused(None)) {
        let path = match input {
            Ok(inputs::Input::File(path)) => path,
            Ok(inputs::Input::Stdin) => {
                eprintln!("tvmux: standard input cannot be indexed");
                failed = true;
                continue;
            }
            Err((name, e)) => {
                eprintln!("tvmux: {name}: {e}");
                failed = true;
                continue;
            }
        };
        let done = Input::open(&path).and_then(|cast| {
            let size = cast.file_metadata().map_or(0, |m| m.len());
            history::index(&cast, threads, args.again).map(|i| (i, size))
        });
        match done {
            Ok((Some(written), size)) => println!(
                "{}: indexed ({} bytes, {:.1}% of the cast){}",
                path.display(),
                written.size,
                written.size as f64 * 100.0 / size.max(1) as f64,
                match written.from {
                    0 => String::new(),
                    from => format!(", played from byte {from} on"),
                }
            ),
            Ok((None, _)) => println!("{}: the index is fresh", path.display()),
            Err(e) => {
                match e {
                    EditError::Usage(why) => eprintln!("tvmux: {}: {why}", path.display()),
                    e => eprintln!("tvmux: {e}"),
                }
                failed = true;
            }
        }
    }
    if failed { exit::ERROR } else { exit::OK }
}

/// `--prune`.
fn prune() -> u8 {
    let dir = match tvmux::screen::index::directory(false) {
        Ok(dir) => dir,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("no indexes");
            return exit::OK;
        }
        Err(e) => {
            eprintln!("tvmux: {e}");
            return exit::ERROR;
        }
    };
    match tvmux::screen::index::prune(&dir) {
        Ok(pruned) => {
            for p in &pruned {
                println!("removed {}: {}", p.index.display(), p.why);
            }
            println!("{} removed", pruned.len());
            exit::OK
        }
        Err(e) => {
            eprintln!("tvmux: {}: {e}", dir.display());
            exit::ERROR
        }
    }
}
