//! Running tmux commands: `tmux -S SOCKET ARGS…` with an argument vector,
//! never a shell; tmux's failures keep tmux's own message, and one rule says
//! which of them mean "not found".

use std::path::{Path, PathBuf};

use tokio::process::Command;

/// A tmux server, by socket path.
#[derive(Debug, Clone)]
pub struct Tmux {
    pub socket: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TmuxError {
    /// The target (or the whole server) does not exist.
    #[error("tmux: {0}")]
    NotFound(String),
    #[error("tmux: {0}")]
    Failed(String),
    #[error("cannot run tmux: {0}")]
    Spawn(String),
    #[error("unexpected reply from tmux: {0:?}")]
    Unexpected(String),
}

/// What tmux says when what a command names is not there.
const NOT_FOUND: &[&str] = &[
    "can't find",
    "no such",
    "not found",
    "no server running",
    "error connecting",
];

impl TmuxError {
    /// tmux's message on stderr, classified by the one not-found rule.
    pub fn from_stderr(message: &str) -> TmuxError {
        let message = message.trim().to_string();
        if NOT_FOUND.iter().any(|m| message.contains(m)) {
            TmuxError::NotFound(message)
        } else {
            TmuxError::Failed(message)
        }
    }
}

impl Tmux {
    /// `socket`; else the tmux server of the `$TMUX` this process was
    /// started from (a server started inside `tmux -L NAME` talks to that
    /// tmux); else tmux's default socket for this user.
    pub fn new(socket: Option<&Path>) -> Tmux {
        let from_env = || {
            let tmux = std::env::var("TMUX").ok()?;
            let path = tmux.split(',').next()?;
            (!path.is_empty()).then(|| PathBuf::from(path))
        };
        let socket = socket
            .map(Path::to_path_buf)
            .or_else(from_env)
            .unwrap_or_else(|| {
                let dir = std::env::var_os("TMUX_TMPDIR")
                    .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
                dir.join(format!("tmux-{}", nix::unistd::getuid()))
                    .join("default")
            });
        Tmux { socket }
    }

    /// A `tmux -S SOCKET` command to add arguments to.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(&self.socket);
        cmd
    }

    /// Runs `tmux -S SOCKET ARGS…`: its stdout, or tmux's failure.
    pub async fn run(&self, args: &[&str]) -> Result<String, TmuxError> {
        let out = self
            .command()
            .args(args)
            .output()
            .await
            .map_err(|e| TmuxError::Spawn(e.to_string()))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(TmuxError::from_stderr(&String::from_utf8_lossy(
                &out.stderr,
            )))
        }
    }

    /// Runs a `list-*` or `display` command with a tab-separated format and
    /// parses each line with `parse`.
    pub async fn list<T>(
        &self,
        args: &[&str],
        fields: &[&str],
        parse: fn(&[&str]) -> Option<T>,
    ) -> Result<Vec<T>, TmuxError> {
        let format = fields
            .iter()
            .map(|f| format!("#{{{f}}}"))
            .collect::<Vec<_>>()
            .join("\t");
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["-F", &format]);
        let text = self.run(&full).await?;
        text.lines()
            .map(|line| {
                let parts: Vec<&str> = line.splitn(fields.len(), '\t').collect();
                parse(&parts).ok_or_else(|| TmuxError::Unexpected(line.to_string()))
            })
            .collect()
    }

    /// Whether tmux still has `session`.
    pub async fn has_session(&self, session: super::SessionId) -> bool {
        self.run(&["has-session", "-t", &session.to_string()])
            .await
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_not_found() {
        for said in [
            "can't find window: 99",
            "can't find pane: %999",
            "no server running on /tmp/x",
            "error connecting to /tmp/x (No such file or directory)",
        ] {
            assert!(
                matches!(TmuxError::from_stderr(said), TmuxError::NotFound(_)),
                "{said}"
            );
        }
        assert!(matches!(
            TmuxError::from_stderr("size too small"),
            TmuxError::Failed(_)
        ));
    }
}
