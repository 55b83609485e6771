//! The per-user runtime directory: `$XDG_RUNTIME_DIR/tvmux/` or
//! `/tmp/tvmux-$UID/`, mode 0700 and owned by the user, holding the socket,
//! the pid file, the list of live recordings and the log.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

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
    /// ours and that nobody else could have put anything in it: the
    /// socket's safety, and every file the server opens there, rest on it.
    /// A directory others can write (or any parent that others can write
    /// and is not sticky, or that neither we nor root own) is refused with
    /// what to do; one that others can only read is closed (0700).
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
        let uid = nix::unistd::getuid().as_raw();
        let meta = std::fs::symlink_metadata(&self.dir)?;
        let dir = self.dir.display();
        if !meta.is_dir() || meta.uid() != uid {
            return Err(refused(format!(
                "{dir} is not a directory owned by uid {uid} (a link, or another user's): \
                 remove it, or set TVMUX_RUNTIME_DIR to a directory of your own"
            )));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(refused(format!(
                "{dir} can be written by others (mode {:o}): what they put there could be \
                 used against you; remove it (rm -r {dir}) and tvmux makes a private one, \
                 or set TVMUX_RUNTIME_DIR to a directory only you can write",
                meta.mode() & 0o7777
            )));
        }
        for parent in self
            .dir
            .ancestors()
            .skip(1)
            .filter(|p| !p.as_os_str().is_empty())
        {
            let p = std::fs::metadata(parent)?;
            let others_write = p.mode() & 0o022 != 0;
            let sticky = p.mode() & 0o1000 != 0;
            if (p.uid() != uid && p.uid() != 0) || (others_write && !sticky) {
                return Err(refused(format!(
                    "{} (above the runtime directory {dir}) can be changed by others: \
                     set TVMUX_RUNTIME_DIR to a directory in a place only you and root control",
                    parent.display()
                )));
            }
        }
        if meta.mode() & 0o077 != 0 {
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    /// Opens a file of the runtime directory, never through a symbolic
    /// link, and only if it is a regular file: with `create`, made 0600.
    pub fn open(&self, path: &Path, options: &mut OpenOptions) -> io::Result<File> {
        let file = options
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(nix::libc::ELOOP) {
                    refused(format!(
                        "{} is a symbolic link, which tvmux does not follow here: remove it",
                        path.display()
                    ))
                } else {
                    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                }
            })?;
        if !file.metadata()?.is_file() {
            return Err(refused(format!("{} is not a regular file", path.display())));
        }
        Ok(file)
    }
}

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, message)
}
