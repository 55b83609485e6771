//! A window view: tmux itself draws one window — every pane, the borders,
//! zoom, and the status line if asked — for a read-only client in a
//! pseudo-terminal of the window's size; what it draws is the cast's output.
//!
//! The client attaches to a helper session of its own, `tvmux-view-N` (N the
//! window's id), which holds nothing but the recorded window, linked at the
//! index it has in the user's session. So the user's session, windows, sizes
//! and current window are never touched (the client is `ignore-size`), and
//! switching windows there changes nothing here. When the window closes, the
//! helper has no window left and tmux ends it, which ends the client: the
//! view's end is the recording's. The helper is marked with the session
//! option `@tvmux-view`, killed when the recording stops, ends by itself if
//! its client dies (`destroy-unattached`), and is removed by the next server
//! after a crash.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::process::Stdio;
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, poll};
use nix::pty::{Winsize, openpty};
use tokio::process::Child;
use tokio::sync::mpsc;

use super::tty_stream::TtyStream;
use crate::tmux::{SessionId, Tmux, WindowId};

/// The terminal tmux draws for; asciinema's players emulate an xterm.
pub const TERM: &str = "xterm-256color";

/// The session option that marks a helper session as tvmux's.
const MARK: &str = "@tvmux-view";

/// What the view's reader reports to the recorder.
#[derive(Debug)]
pub enum Drawn {
    /// What tmux drew for the window.
    Output(WindowId, Vec<u8>),
    /// The client has ended (the window closed, or the helper was killed).
    End(WindowId),
}

/// A tmux client drawing one window into a pseudo-terminal.
pub struct WindowView {
    tmux: Tmux,
    helper: String,
    master: OwnedFd,
    child: Child,
    /// Rows of status line drawn besides the window's own.
    pub status_lines: u32,
}

/// The helper session that shows `window`.
pub fn helper_name(window: WindowId) -> String {
    format!("{HELPER_PREFIX}{}", window.0)
}

const HELPER_PREFIX: &str = "tvmux-view-";

/// Whether `session` is the name of a window view's helper session.
pub fn is_helper_name(session: &str) -> bool {
    session
        .strip_prefix(HELPER_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl WindowView {
    /// Makes the helper session for `window` of `session` and attaches a
    /// client to it in a terminal of `size` (plus the status line with
    /// `status_line`); its drawing goes to `drawn`.
    pub async fn open(
        tmux: &Tmux,
        session: SessionId,
        window: WindowId,
        size: (u32, u32),
        status_line: bool,
        drawn: mpsc::Sender<Drawn>,
    ) -> io::Result<WindowView> {
        let helper = helper_name(window);
        let target = format!("={helper}:");
        let index = window_index(tmux, session, window).await?;
        // A helper left by a crash would hold the name.
        remove_helper(tmux, &helper).await;
        let (cols, rows) = (size.0.to_string(), size.1.to_string());
        let at_index = format!("{target}{index}");
        let status = if status_line { "on" } else { "off" };
        let id = window.to_string();
        // One command list, so nothing happens in between. The first window
        // of a new session must run something: `sleep`, run without a shell,
        // replaced by the linked window (or killed with -a).
        #[rustfmt::skip]
        let args = [
            "new-session", "-d", "-s", &helper, "-x", &cols, "-y", &rows, "sleep", "60", ";",
            "link-window", "-d", "-k", "-s", &id, "-t", &at_index, ";",
            "kill-window", "-a", "-t", &at_index, ";",
            "set-option", "-t", &target, MARK, &id, ";",
            "set-option", "-t", &target, "status", status,
        ];
        tmux.run(&args).await.map_err(io::Error::other)?;
        let status_lines = if status_line {
            status_rows(tmux, &target).await
        } else {
            0
        };
        let opened = Self::attach(tmux, &target, window, size.0, size.1 + status_lines, drawn);
        match opened {
            Ok((master, child)) => Ok(WindowView {
                tmux: tmux.clone(),
                helper,
                master,
                child,
                status_lines,
            }),
            Err(e) => {
                remove_helper(tmux, &helper).await;
                Err(e)
            }
        }
    }

    /// Starts the read-only client in a new pseudo-terminal and the thread
    /// that reads it.
    fn attach(
        tmux: &Tmux,
        target: &str,
        window: WindowId,
        cols: u32,
        rows: u32,
        drawn: mpsc::Sender<Drawn>,
    ) -> io::Result<(OwnedFd, Child)> {
        let pty = openpty(&winsize(cols, rows), None).map_err(io::Error::from)?;
        let mut cmd = tmux.command();
        // -u: the terminal takes UTF-8; RGB: colours as the pane wrote them.
        cmd.args(["-u", "-T", "RGB", "attach-session", "-f"])
            .args(["read-only,ignore-size", "-t", target, ";"])
            // Once attached: the helper ends with its client.
            .args(["set-option", "-t", target, "destroy-unattached", "on"])
            .env("TERM", TERM)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .stdin(Stdio::from(pty.slave.try_clone()?))
            .stdout(Stdio::from(pty.slave.try_clone()?))
            .stderr(Stdio::from(pty.slave))
            .kill_on_drop(true);
        // SAFETY: setsid, ioctl and prctl are async-signal-safe. The
        // terminal becomes the client's own, so a resize reaches it as
        // SIGWINCH; the client dies with the server.
        unsafe {
            cmd.pre_exec(|| {
                nix::unistd::setsid()?;
                if nix::libc::ioctl(0, nix::libc::TIOCSCTTY, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)?;
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        let reader = File::from(pty.master.try_clone()?);
        std::thread::Builder::new()
            .name(format!("view {window}"))
            .spawn(move || read_drawing(reader, window, drawn))?;
        Ok((pty.master, child))
    }

    /// The window changed size: so does the terminal (tmux redraws).
    pub fn resize(&self, cols: u32, rows: u32) -> io::Result<()> {
        let size = winsize(cols, rows + self.status_lines);
        // SAFETY: TIOCSWINSZ reads one winsize from a valid pointer.
        let r = unsafe {
            nix::libc::ioctl(
                self.master.as_raw_fd(),
                nix::libc::TIOCSWINSZ,
                &size as *const Winsize,
            )
        };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Ends the helper session and its client.
    pub async fn close(mut self) {
        remove_helper(&self.tmux, &self.helper).await;
        if tokio::time::timeout(Duration::from_secs(3), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}

/// Kills the helper session `name` if it is one of tvmux's (marked).
pub async fn remove_helper(tmux: &Tmux, name: &str) {
    let target = format!("={name}:");
    if tmux
        .run(&["show-options", "-v", "-t", &target, MARK])
        .await
        .is_ok_and(|v| !v.trim().is_empty())
    {
        let _ = tmux.run(&["kill-session", "-t", &target]).await;
    }
}

/// The index `window` has in `session`.
async fn window_index(tmux: &Tmux, session: SessionId, window: WindowId) -> io::Result<u32> {
    let windows = tmux
        .list(
            &["list-windows", "-t", &session.to_string()],
            &["window_id", "window_index"],
            |f| {
                Some((
                    WindowId::parse(f.first()?.as_bytes())?,
                    f.get(1)?.parse().ok()?,
                ))
            },
        )
        .await
        .map_err(io::Error::other)?;
    windows
        .into_iter()
        .find_map(|(id, index)| (id == window).then_some(index))
        .ok_or_else(|| io::Error::other(format!("tmux: no window {window} in {session}")))
}

/// How many rows the helper's status line takes (`status` is on, or 2–5).
async fn status_rows(tmux: &Tmux, target: &str) -> u32 {
    let value = tmux
        .run(&["display-message", "-p", "-t", target, "#{status}"])
        .await
        .unwrap_or_default();
    value.trim().parse().unwrap_or(1)
}

fn winsize(cols: u32, rows: u32) -> Winsize {
    let clamp = |n: u32| n.clamp(1, u16::MAX as u32) as u16;
    Winsize {
        ws_row: clamp(rows),
        ws_col: clamp(cols),
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// The reader thread: the client's output, kept to the drawing, to the
/// recorder, until the client ends. Bytes held back as a possible exit go
/// out after a quiet moment.
fn read_drawing(mut master: File, window: WindowId, drawn: mpsc::Sender<Drawn>) {
    let mut stream = TtyStream::default();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        if stream.holding() {
            let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
            if poll(&mut fds, 20u16).is_ok_and(|n| n == 0) {
                let out = stream.release();
                if !out.is_empty() && drawn.blocking_send(Drawn::Output(window, out)).is_err() {
                    return;
                }
                continue;
            }
        }
        // EIO once the client has closed the terminal.
        let n = match master.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let out = stream.push(&buf[..n]);
        if !out.is_empty() && drawn.blocking_send(Drawn::Output(window, out)).is_err() {
            return;
        }
    }
    let _ = drawn.blocking_send(Drawn::End(window));
}
