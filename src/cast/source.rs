//! Getting a cast's bytes into memory without reading it into a `Vec`: a
//! regular file is mapped; a pipe is spooled to an unnamed temporary file
//! first, which is then mapped, so every check runs on the same code path.
//!
//! A sparse file (a crash after preallocation, `truncate -s`) is mapped
//! extent by extent over anonymous zero pages: its holes read as the NULs
//! they are without the filesystem materialising them (on tmpfs, reading a
//! hole through a file mapping allocates a page, and a 1 GiB hole fills a
//! small tmpfs).
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

use super::header::HEADER_MAX;

/// A cast's bytes: a memory map of a file, or a pipe spooled to an unnamed temporary file.
pub struct Source {
    map: Option<Mmap>,
    /// The file's metadata as it was opened (for a file named by a path).
    file: Option<std::fs::Metadata>,
}

impl Source {
    /// Maps the regular file at `path` read-only (never blocking on a FIFO);
    /// a compressed cast ([`Compression`]) is decompressed into an unnamed
    /// temporary file first, which is mapped.
    pub fn open(path: &Path) -> io::Result<Source> {
        let file = open_regular(path, false)?;
        let meta = file.metadata()?;
        let mut source = if let Some(compression) = Compression::of(&file)? {
            let mut spool = tempfile::tempfile()?;
            spool_from(&mut compression.decoder(file)?, &mut spool)
                .map_err(|e| compression.error(e))?;
            Self::from_file(&spool, path)?
        } else {
            Self::from_file(&file, path)?
        };
        source.file = Some(meta);
        Ok(source)
    }

    /// The metadata of the file opened by [`Source::open`], as it was when
    /// opened (none for standard input).
    pub fn file_metadata(&self) -> Option<&std::fs::Metadata> {
        self.file.as_ref()
    }

    /// Maps an open regular file read-only; `name` is what a SIGBUS message
    /// calls it.
    pub fn from_file(file: &File, name: &Path) -> io::Result<Source> {
        let meta = file.metadata()?;
        check_regular(&meta)?;
        if meta.len() == 0 {
            return Ok(Source {
                map: None,
                file: None,
            });
        }
        note_current_file(name);
        let map = match data_extents(file, meta.len())? {
            Some(extents) => map_extents(file, meta.len(), &extents)?,
            // SAFETY: the map is read-only and private to this process. Another
            // process shrinking the file while it is mapped raises SIGBUS, which
            // `guard_sigbus` reports and exits on.
            None => unsafe { Mmap::map(file)? },
        };
        Ok(Source {
            map: Some(map),
            file: None,
        })
    }

    /// Standard input mapped, if it is a regular file (a redirection).
    pub fn stdin_if_file() -> io::Result<Option<Source>> {
        let file = File::from(io::stdin().as_fd().try_clone_to_owned()?);
        if file.metadata()?.is_file() {
            return Self::from_file(&file, Path::new("<stdin>")).map(Some);
        }
        Ok(None)
    }

    /// Standard input: mapped if it is a regular file, spooled otherwise.
    pub fn stdin() -> io::Result<Source> {
        if let Some(source) = Self::stdin_if_file()? {
            return Ok(source);
        }
        let mut spool = tempfile::tempfile()?;
        spool_from(&mut io::stdin().lock(), &mut spool)?;
        Self::from_file(&spool, Path::new("<stdin>"))
    }

    /// The whole cast.
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}

/// Copies `input` to `spool`, watching its first line as it comes: input
/// whose first bytes cannot begin a cast (NUL bytes, no JSON object, a
/// header past the limit) stops there, with what came so far (which the
/// check refuses for the same reason), instead of filling the disk.
fn spool_from(input: &mut impl io::Read, spool: &mut File) -> io::Result<()> {
    use io::Write;
    let mut first = Vec::new();
    let mut block = vec![0; 64 << 10];
    loop {
        let n = match input.read(&mut block) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        spool.write_all(&block[..n])?;
        first.extend_from_slice(&block[..n]);
        if memchr::memchr(b'\n', &first).is_some() {
            break;
        }
        if super::scan::first_line_refused(&first) {
            return Ok(());
        }
        if first.len() > HEADER_MAX {
            // Nothing further decides it early (a one-line v1 file).
            break;
        }
    }
    io::copy(input, spool).map(|_| ())
}

/// How a cast file is compressed, told by its first bytes (not its name):
/// zstd or gzip, each possibly several frames or members one after another
/// (as appending to a compressed file makes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// zstd (`.cast.zst`).
    Zstd,
    /// gzip (`.cast.gz`).
    Gzip,
}

impl Compression {
    /// How `file` is compressed, if it is.
    pub fn of(file: &File) -> io::Result<Option<Compression>> {
        use std::os::unix::fs::FileExt;
        let mut magic = [0; 4];
        let n = file.read_at(&mut magic, 0)?;
        Ok(match &magic[..n] {
            [0x28, 0xb5, 0x2f, 0xfd] => Some(Compression::Zstd),
            [0x1f, 0x8b, ..] => Some(Compression::Gzip),
            _ => None,
        })
    }

    /// The decompressed bytes of `file`, from its start.
    pub fn decoder(self, file: File) -> io::Result<Box<dyn io::Read>> {
        Ok(match self {
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        })
    }

    /// What a file compressed so has added to its name: `.zst`, `.gz`.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::Zstd => ".zst",
            Compression::Gzip => ".gz",
        }
    }

    /// Compresses all of `input` into `output` (zstd and gzip at their
    /// default levels).
    pub fn compress(
        self,
        input: &mut impl io::Read,
        output: &mut impl io::Write,
    ) -> io::Result<()> {
        match self {
            Compression::Zstd => {
                let mut encoder = zstd::stream::write::Encoder::new(output, 0)?;
                io::copy(input, &mut encoder)?;
                encoder.finish()?;
            }
            Compression::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(output, flate2::Compression::default());
                io::copy(input, &mut encoder)?;
                encoder.finish()?;
            }
        }
        Ok(())
    }

    /// Its name: `zstd`, `gzip`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Zstd => "zstd",
            Compression::Gzip => "gzip",
        }
    }

    /// A decompression error, saying it is one.
    pub fn error(self, e: io::Error) -> io::Error {
        io::Error::new(
            e.kind(),
            format!("cannot decompress ({}): {e}", self.name()),
        )
    }
}

/// More extents than this and the file is mapped as a whole: each extent
/// costs a mapping, and a process may hold only so many.
const MAX_EXTENTS: usize = 1024;

/// The ranges of `file` that hold data, when it has holes (`None`: no hole,
/// too many extents, or a filesystem that cannot tell).
fn data_extents(file: &File, len: u64) -> io::Result<Option<Vec<std::ops::Range<u64>>>> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    let seek = |pos: u64, whence| {
        // SAFETY: lseek on a descriptor we own; the offset it sets is not used
        // by anything else (maps and reads name their offsets).
        let at = unsafe { libc::lseek(fd, pos as libc::off_t, whence) };
        if at < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(at as u64)
        }
    };
    match seek(0, libc::SEEK_HOLE) {
        Ok(hole) if hole >= len => return Ok(None),
        Ok(_) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut extents = Vec::new();
    let mut pos = 0;
    while pos < len {
        let data = match seek(pos, libc::SEEK_DATA) {
            Ok(data) => data,
            // Only holes from here to the end.
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => break,
            Err(e) => return Err(e),
        };
        let hole = seek(data, libc::SEEK_HOLE)?.min(len);
        if hole > data {
            extents.push(data..hole);
        }
        if extents.len() > MAX_EXTENTS {
            return Ok(None);
        }
        pos = hole.max(data + 1);
    }
    Ok(Some(extents))
}

/// Maps `len` bytes of anonymous zero pages, then each data extent of
/// `file` over them (page-aligned, so a page holding data is the file's).
fn map_extents(file: &File, len: u64, extents: &[std::ops::Range<u64>]) -> io::Result<Mmap> {
    use std::os::fd::AsRawFd;
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .unwrap_or(4096) as u64;
    let mut zeros = memmap2::MmapOptions::new().len(len as usize).map_anon()?;
    let base = zeros.as_mut_ptr();
    for extent in extents {
        let start = extent.start / page * page;
        // The kernel rounds the length up to a page, which stays inside the
        // anonymous map (its length is rounded the same way).
        let size = (extent.end - start) as usize;
        // SAFETY: the range lies inside `zeros`, which this function owns;
        // MAP_FIXED replaces those pages of it and nothing else. The map is
        // private and read-only (a file shrunk under it raises SIGBUS, which
        // `guard_sigbus` reports).
        let at = unsafe {
            libc::mmap(
                base.add(start as usize).cast(),
                size,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                file.as_raw_fd(),
                start as libc::off_t,
            )
        };
        if at == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
    }
    // Dropping it unmaps the whole range, the file's pages with it.
    zeros.make_read_only()
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
        "tvmux: {}: error: the file could not be read (SIGBUS): another process truncated it while it was read, or its filesystem could not supply a page (a full tmpfs); nothing was changed\n",
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
