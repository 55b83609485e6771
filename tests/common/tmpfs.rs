//! A small tmpfs for tests of a full disk or of holes: mounted at a new
//! directory, unmounted when dropped. Mounting needs root, as CI runs the
//! tests; without it the test fails, saying so (it is never skipped as ok).

use std::path::Path;
use std::process::Command;

/// A tmpfs of a given size at a new directory.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`mount`'s syntax: `64m`).
    pub fn mount(size: &str) -> Tmpfs {
        assert!(
            is_root(),
            "this test mounts a tmpfs and needs root, as CI runs it"
        );
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tvmux-test"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mount: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Bytes in use on it (blocks allocated, holes not counted).
    pub fn used(&self) -> u64 {
        let stat = nix::sys::statvfs::statvfs(self.path()).unwrap();
        (stat.blocks() - stat.blocks_free()) * stat.fragment_size()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .output();
    }
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}
