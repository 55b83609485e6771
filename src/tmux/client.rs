//! A control-mode connection: `tmux -C attach -f ignore-size`, and the task
//! that reads its output continuously (tmux drops clients that lag) into a
//! channel of lines.

use std::io;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::mpsc;

use super::{SessionId, Tmux};

/// One `tmux -C attach` and the task that reads its lines.
pub struct Connection {
    child: Child,
    pub stdin: ChildStdin,
    /// tmux's output, line by line (without the newline).
    pub lines: mpsc::Receiver<Vec<u8>>,
}

/// Attaches to `session` as a control client that never resizes anything
/// (`-f ignore-size`) and starts the task that reads it.
pub fn connect(tmux: &Tmux, session: SessionId) -> io::Result<Connection> {
    let mut cmd = tmux.command();
    cmd.args(["-C", "attach-session", "-f", "ignore-size", "-t"])
        .arg(session.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    // SAFETY: prctl is async-signal-safe. The control client must never
    // outlive the server: an orphaned one can wedge the tmux server.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
                .map_err(io::Error::from)
        });
    }
    let mut child = cmd.spawn()?;
    let stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    // A reader that never waits on the cast: tmux drops clients that lag.
    let (lines_tx, lines) = mpsc::channel::<Vec<u8>>(4096);
    tokio::spawn(async move {
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                    }
                    if lines_tx.send(line).await.is_err() {
                        // Keep draining so tmux is never blocked on us.
                        while reader
                            .read_until(b'\n', &mut Vec::new())
                            .await
                            .is_ok_and(|n| n > 0)
                        {}
                        break;
                    }
                }
            }
        }
    });
    Ok(Connection {
        child,
        stdin,
        lines,
    })
}

impl Connection {
    /// Detaches (an empty line does) and drains tmux's output to the end so
    /// the client exits cleanly; kills it if it does not.
    pub async fn close(mut self) {
        let _ = self.stdin.write_all(b"\n").await;
        let _ = self.stdin.flush().await;
        let drain = async { while self.lines.recv().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(3), drain)
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
        }
        let _ = tokio::time::timeout(Duration::from_secs(3), self.child.wait()).await;
        let _ = self.child.start_kill();
    }
}
