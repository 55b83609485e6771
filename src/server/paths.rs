//! The per-user runtime directory: `$XDG_RUNTIME_DIR/tvmux/` or
//! `/tmp/tvmux-$UID/`, mode 0700 and owned by the user, holding the socket,
//! the pid file, the list of live recordings and the log.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::PathBuf;

#[derive(Debug, Clone)]
/// Where the server keeps its socket, pid file, log and lists: one owner-only directory.
pub struct Paths {
    /// The runtime directory (`$XDG_RUNTIME_DIR/tvmux` or `/tmp/tvmux-$UID`).
    pub dir: PathBuf,
}

impl Paths {
    /// `TVMUX_RUNTIME_DIR` (for tests and unusual setups) or the default.
    pub fn from_env() -> Paths {
        if let Some(dir) = std::env::var_os("TVMUX_RUNTIME_DIR") {
            return Paths { dir: dir.into() };
        }
        let dir = match std::env::var_os("XDG_RUNTIME_DIR") {
            Some(base) if !base.is_empty() => PathBuf::from(base).join("tvmux"),
            _ => PathBuf::from(format!("/tmp/tvmux-{}", nix::unistd::getuid())),
        };
        Paths { dir }
    }

    /// The socket the server listens on.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("server.sock")
    }

    /// The pid file, locked while the server runs.
    pub fn pid_file(&self) -> PathBuf {
        self.dir.join("server.pid")
    }

    /// Casts being recorded, so a server started after a crash finds them.
    pub fn live_list(&self) -> PathBuf {
        self.dir.join("recordings.json")
    }

    /// Helper sessions of window views, removed by a server started after a crash.
    pub fn views_list(&self) -> PathBuf {
        self.dir.join("views.json")
    }

    /// The server's log, unless the configuration names another.
    pub fn log_file(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// Creates the directory (0700) or checks that the existing one is
    /// ours and closed to others: the socket's safety rests on it.
    pub fn ensure(&self) -> io::Result<()> {
        match std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
        {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let meta = std::fs::symlink_metadata(&self.dir)?;
        let uid = nix::unistd::getuid().as_raw();
        if !meta.is_dir() || meta.uid() != uid {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is not a directory owned by uid {uid}",
                    self.dir.display()
                ),
            ));
        }
        if meta.mode() & 0o077 != 0 {
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
}
