//! Getting a cast's bytes into memory without reading it into a `Vec`: a
//! regular file is mapped; a pipe is spooled to an unnamed temporary file
//! first, which is then mapped, so every check runs on the same code path.
//!
//! A mapped file that another process shrinks makes the next read of the lost
//! pages raise SIGBUS. [`guard_sigbus`] turns that into a message naming the
//! file and exit status 2 instead of a silent death by signal.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use memmap2::Mmap;
use nix::libc;

/// A cast's bytes: a memory map of a file, or a pipe spooled to an unnamed temporary file.
pub struct Source {
    map: Option<Mmap>,
}

impl Source {
    /// Maps the regular file at `path` read-only (never blocking on a FIFO).
    pub fn open(path: &Path) -> io::Result<Source> {
        Self::from_file(&open_regular(path, false)?, path)
    }

    /// Maps an open regular file read-only; `name` is what a SIGBUS message
    /// calls it.
    pub fn from_file(file: &File, name: &Path) -> io::Result<Source> {
        let meta = file.metadata()?;
        check_regular(&meta)?;
        if meta.len() == 0 {
            return Ok(Source { map: None });
        }
        note_current_file(name);
        // SAFETY: the map is read-only and private to this process. Another
        // process shrinking the file while it is mapped raises SIGBUS, which
        // `guard_sigbus` reports and exits on.
        let map = unsafe { Mmap::map(file)? };
        Ok(Source { map: Some(map) })
    }

    /// Standard input: mapped if it is a regular file, spooled otherwise.
    pub fn stdin() -> io::Result<Source> {
        let stdin = io::stdin();
        let fd = stdin.as_fd().try_clone_to_owned()?;
        let file = File::from(fd);
        if file.metadata()?.is_file() {
            return Self::from_file(&file, Path::new("<stdin>"));
        }
        let mut spool = tempfile::tempfile()?;
        io::copy(&mut stdin.lock(), &mut spool)?;
        Self::from_file(&spool, Path::new("<stdin>"))
    }

    /// The whole cast.
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}

/// Opens `path` if it is a regular file, without blocking: a FIFO with no
/// writer would hang a plain `open`. The type is checked on the open file.
pub fn open_regular(path: &Path, write: bool) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(write)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    check_regular(&file.metadata()?)?;
    Ok(file)
}

fn check_regular(meta: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let what = if t.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    } else if t.is_file() {
        return Ok(());
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what})"),
    ))
}

const MESSAGE_MAX: usize = 1024;
/// The message the SIGBUS handler prints, prepared before each file is
/// mapped (a signal handler may not allocate or lock).
static MESSAGE: [AtomicU8; MESSAGE_MAX] = [const { AtomicU8::new(0) }; MESSAGE_MAX];
static MESSAGE_LEN: AtomicUsize = AtomicUsize::new(0);

fn note_current_file(name: &Path) {
    let text = format!(
        "tvmux: {}: error: the file shrank while it was being read (another process truncated it); nothing was changed\n",
        name.display()
    );
    let bytes = &text.as_bytes()[..text.len().min(MESSAGE_MAX)];
    MESSAGE_LEN.store(0, Ordering::SeqCst);
    for (slot, &b) in MESSAGE.iter().zip(bytes) {
        slot.store(b, Ordering::Relaxed);
    }
    MESSAGE_LEN.store(bytes.len(), Ordering::SeqCst);
}

extern "C" fn on_sigbus(_: libc::c_int) {
    let len = MESSAGE_LEN.load(Ordering::SeqCst);
    let mut buf = [0u8; MESSAGE_MAX];
    for (b, slot) in buf.iter_mut().zip(&MESSAGE[..len]) {
        *b = slot.load(Ordering::Relaxed);
    }
    // SAFETY: write(2) and _exit(2) are async-signal-safe; `buf` outlives the call.
    unsafe {
        libc::write(2, buf.as_ptr().cast(), len);
        libc::_exit(2);
    }
}

/// Makes a SIGBUS (a mapped file shrank under us) print which file and exit
/// with status 2. For programs that map casts; the CLI calls it first thing.
pub fn guard_sigbus() {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    let action = SigAction::new(
        SigHandler::Handler(on_sigbus),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only reads atomics and calls async-signal-safe functions.
    let _ = unsafe { sigaction(Signal::SIGBUS, &action) };
}
