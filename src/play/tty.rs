//! The terminal `tvmux play` draws on: raw mode and the alternate screen
//! for as long as it plays, and everything given back as it was after
//! (also when the player fails or is killed by SIGTERM, SIGHUP or SIGINT).

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use std::sync::atomic::{AtomicBool, Ordering};

use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::sys::termios::{self, SetArg, Termios};

/// A SIGTERM, SIGHUP or SIGINT came: the player quits as `q` does.
static STOPPED: AtomicBool = AtomicBool::new(false);

extern "C" fn stop(_: nix::libc::c_int) {
    STOPPED.store(true, Ordering::Relaxed);
}

/// The terminal changed size (SIGWINCH) since [`Tty::take_resized`].
static RESIZED: AtomicBool = AtomicBool::new(false);

extern "C" fn resized(_: nix::libc::c_int) {
    RESIZED.store(true, Ordering::Relaxed);
}

/// The terminal, in raw mode until dropped.
pub struct Tty {
    saved: Termios,
    out: io::Stdout,
}

/// Entered: the alternate screen, the cursor hidden, the pen reset.
const ENTER: &str = "\x1b[?1049h\x1b[?25l\x1b[0m\x1b[H\x1b[2J";
/// Left: the pen reset, the cursor shown, the normal screen back.
const LEAVE: &str = "\x1b[0m\x1b[?25h\x1b[?1049l";

impl Tty {
    /// Takes the terminal of standard input and output (both must be one).
    pub fn open() -> io::Result<Tty> {
        let stdin = io::stdin();
        let out = io::stdout();
        if !nix::unistd::isatty(stdin.as_fd()).unwrap_or(false)
            || !nix::unistd::isatty(out.as_fd()).unwrap_or(false)
        {
            return Err(io::Error::other(
                "tvmux play needs a terminal on standard input and output",
            ));
        }
        let saved = termios::tcgetattr(stdin.as_fd())?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw)?;
        // Without SA_RESTART: the wait for a key ends at once.
        let action = SigAction::new(SigHandler::Handler(stop), SaFlags::empty(), SigSet::empty());
        for signal in [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGINT] {
            // SAFETY: the handler only stores to an atomic.
            unsafe { sigaction(signal, &action) }.map_err(io::Error::from)?;
        }
        let on_resize = SigAction::new(
            SigHandler::Handler(resized),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler only stores to an atomic.
        unsafe { sigaction(Signal::SIGWINCH, &on_resize) }.map_err(io::Error::from)?;
        let mut tty = Tty { saved, out };
        tty.write(ENTER.as_bytes())?;
        Ok(tty)
    }

    /// Columns and rows.
    pub fn size(&self) -> (u32, u32) {
        let mut ws: nix::libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: TIOCGWINSZ fills one winsize at a valid pointer.
        let ok =
            unsafe { nix::libc::ioctl(nix::libc::STDOUT_FILENO, nix::libc::TIOCGWINSZ, &mut ws) }
                == 0;
        if ok && ws.ws_col > 0 && ws.ws_row > 0 {
            (u32::from(ws.ws_col), u32::from(ws.ws_row))
        } else {
            (80, 24)
        }
    }

    /// Writes `bytes` to the terminal at once.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut out = self.out.lock();
        out.write_all(bytes)?;
        out.flush()
    }

    /// Whether the terminal changed size since the last call.
    pub fn take_resized(&self) -> bool {
        RESIZED.swap(false, Ordering::Relaxed)
    }

    /// A signal asked the player to stop.
    pub fn stopped(&self) -> bool {
        STOPPED.load(Ordering::Relaxed)
    }

    /// What was typed within `timeout` (none: wait for it); empty if nothing.
    pub fn read(&mut self, timeout: Option<Duration>) -> io::Result<Vec<u8>> {
        let stdin = io::stdin();
        let fd: BorrowedFd = stdin.as_fd();
        let timeout = match timeout {
            None => PollTimeout::NONE,
            Some(t) => {
                PollTimeout::try_from(t.as_millis().min(60_000) as i32).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        match nix::poll::poll(&mut fds, timeout) {
            Ok(0) => return Ok(Vec::new()),
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        }
        let mut buf = [0u8; 256];
        let n = stdin.lock().read(&mut buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the terminal closed",
            ));
        }
        Ok(buf[..n].to_vec())
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        let _ = self.write(LEAVE.as_bytes());
        let _ = termios::tcsetattr(io::stdin().as_fd(), SetArg::TCSANOW, &self.saved);
    }
}
