//! Standard output under one rule for every command: a closed pipe ends
//! the command quietly (exit 0, as ripgrep does); any other write error (a
//! full disk, `/dev/full`) is one line and exit 2. Commands write through
//! [`out`] (or [`outln!`] and [`outp!`]), which keeps the first error, and
//! `run` asks [`verdict`] last, so no command can lose its output silently.

use std::io::{self, Write};
use std::sync::Mutex;

use super::exit;

/// The first error writing to standard output.
static FAILED: Mutex<Option<io::Error>> = Mutex::new(None);

/// Standard output, keeping the first error it meets.
pub struct Stdout;

/// Standard output for a command's results.
pub fn out() -> Stdout {
    Stdout
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stdout().write(buf).inspect_err(keep)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush().inspect_err(keep)
    }
}

fn keep(e: &io::Error) {
    FAILED
        .lock()
        .unwrap()
        .get_or_insert_with(|| io::Error::new(e.kind(), e.to_string()));
}

/// Whether writing to standard output has failed: long commands stop.
pub fn failed() -> bool {
    FAILED.lock().unwrap().is_some()
}

/// Notes a closed pipe met writing elsewhere (an edit whose result goes to
/// standard output); true when it was one.
pub fn note(e: &io::Error) -> bool {
    if matches!(e.kind(), io::ErrorKind::BrokenPipe) {
        keep(e);
        return true;
    }
    false
}

/// Once the command is done: flushes, then the exit status the output's
/// fate decides, if it failed (0 for a closed pipe, 2 otherwise, said).
pub fn verdict() -> Option<u8> {
    let _ = out().flush();
    let e = FAILED.lock().unwrap().take()?;
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Some(exit::OK);
    }
    eprintln!("tvmux: cannot write the output: {e}");
    Some(exit::ERROR)
}

/// `println!` through [`out`]: errors are kept for [`verdict`].
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($crate::cli::stdout::out(), $($arg)*);
    }};
}

/// `print!` through [`out`].
macro_rules! outp {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!($crate::cli::stdout::out(), $($arg)*);
    }};
}

pub(crate) use {outln, outp};
