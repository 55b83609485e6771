//! The index of a cast: its text already read, kept in the user's cache
//! (`$XDG_CACHE_HOME/tvmux/index/`, else `~/.cache/tvmux/index/`, never
//! beside the cast), so that `text` and `grep` answer without playing the
//! terminal again.
//!
//! An index holds both readings' lines, in order, with their times (and
//! screens): the [`Transcript`]'s and [`Everything`]'s; and keyframes, the
//! screen after every chunk of the cast (1 MiB of event data) with the
//! place to read on from, so that the screen at any time is one chunk's
//! play away. It is stamped with
//! the cast's file as it was read (device, inode, size, modification and
//! change times, to the nanosecond): any write to the cast changes its
//! change time, which nobody can set back, so a cast appended to,
//! rewritten or repaired is never answered from an index of what it was.
//! The lines are kept compressed (zstd), each reading's in a frame of its
//! own. The index is written whole beside its place, synced and renamed
//! over it.

use std::fs::{File, Metadata};
use std::hash::{Hash, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::{Everything, ScreenState, SeenLine, Shown, TimedLine, Transcript};
use crate::cast::{Clock, Events, Flow, Micros, Place, ReadError};

/// What an index file begins with (the format's version in it).
const MAGIC: &[u8; 16] = b"tvmux-index-v2\n\0";

/// The magic, the stamp, where [`Everything`]'s lines begin (the
/// [`Transcript`]'s come first) and where the keyframes begin (last).
const HEAD: usize = MAGIC.len() + 9 * 8;

/// zstd's level for the lines: text shrinks several times, faster than
/// the terminal is played.
const LEVEL: i32 = 3;

/// The cast file an index was made of, as it was then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp([u64; 7]);

impl Stamp {
    /// The stamp of a file, from its metadata (taken from the open file
    /// that was read).
    pub fn of(meta: &Metadata) -> Stamp {
        Stamp([
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime() as u64,
            meta.mtime_nsec() as u64,
            meta.ctime() as u64,
            meta.ctime_nsec() as u64,
        ])
    }
}

/// The directory of the indexes: created owner-only; one that is not the
/// user's, or that others can write, is refused (what is in it decides
/// what `grep` answers).
pub fn directory() -> io::Result<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| crate::config::home_dir().join(".cache"));
    let dir = cache.join("tvmux").join("index");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    let meta = std::fs::symlink_metadata(&dir)?;
    let uid = nix::unistd::getuid().as_raw();
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
        return Err(io::Error::other(format!(
            "{} is not a directory only uid {uid} can write: remove it, and tvmux makes a private one",
            dir.display()
        )));
    }
    Ok(dir)
}

/// Where the index of the cast at `cast` lives in `dir`: named by its
/// absolute path.
pub fn place(dir: &Path, cast: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(cast)?;
    let mut hasher = std::hash::DefaultHasher::new();
    absolute.hash(&mut hasher);
    let name = absolute
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(64).collect::<String>())
        .unwrap_or_default();
    Ok(dir.join(format!("{:016x}-{name}.idx", hasher.finish())))
}

/// Writes the index of `events` (of a cast with `stamp`) at `place`,
/// playing the terminal on `threads` cores; returns its size in bytes.
pub fn write(
    place: &Path,
    stamp: Stamp,
    events: &Events,
    threads: usize,
) -> Result<u64, ReadError> {
    let dir = place.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".tvmux-index")
        .tempfile_in(dir)?;
    let mut out = BufWriter::with_capacity(1 << 20, temp.as_file_mut());
    out.write_all(MAGIC)?;
    for word in stamp.0 {
        out.write_all(&word.to_le_bytes())?;
    }
    // Where the second reading and the keyframes begin, set once known.
    out.write_all(&[0u8; 16])?;
    let mut lines = zstd::Encoder::new(out, LEVEL)?;
    let mut keyframes = zstd::Encoder::new(tempfile::tempfile()?, LEVEL)?;
    let mut last = 0;
    super::parallel::read_with_keyframes::<Transcript>(
        events,
        threads,
        super::CHUNK,
        |l| record(&mut lines, &mut last, Shown::Primary, &l),
        Some(&mut |place, screen| keyframe(&mut keyframes, place, screen)),
    )?;
    let mut out = lines.finish()?;
    let everything = out.stream_position()?;
    let mut lines = zstd::Encoder::new(out, LEVEL)?;
    let mut last = 0;
    super::read::<Everything>(events, threads, super::CHUNK, |l| {
        record(&mut lines, &mut last, l.screen, &l.line)
    })?;
    let mut out = lines.finish()?;
    let keyframes_at = out.stream_position()?;
    let mut keyframes = keyframes.finish()?;
    keyframes.rewind()?;
    io::copy(&mut keyframes, &mut out)?;
    out.seek(SeekFrom::Start(HEAD as u64 - 16))?;
    out.write_all(&everything.to_le_bytes())?;
    out.write_all(&keyframes_at.to_le_bytes())?;
    out.flush()?;
    drop(out);
    let file = temp.as_file();
    file.sync_all()?;
    let size = file.metadata()?.len();
    temp.persist(place).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()?;
    Ok(size)
}

/// Writes a record: the time as a change from the line before's (most are
/// small), and the text's length with the screen in its low bit, both as
/// LEB128 varints; then the text.
fn record(
    out: &mut impl Write,
    last: &mut Micros,
    screen: Shown,
    line: &TimedLine,
) -> io::Result<Flow> {
    let delta = line.time as i64 - *last as i64;
    *last = line.time;
    varint(out, ((delta << 1) ^ (delta >> 63)) as u64)?;
    varint(
        out,
        (line.text.len() as u64) << 1 | u64::from(screen == Shown::Alternate),
    )?;
    out.write_all(line.text.as_bytes())?;
    Ok(Flow::Continue(()))
}

fn varint(out: &mut impl Write, mut n: u64) -> io::Result<()> {
    let mut bytes = [0u8; 10];
    let mut len = 0;
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            bytes[len] = low;
            len += 1;
            break;
        }
        bytes[len] = low | 0x80;
        len += 1;
    }
    out.write_all(&bytes[..len])
}

/// Reads a varint; none at the end of `from`.
fn read_varint(from: &mut impl io::BufRead) -> io::Result<Option<u64>> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let mut byte = [0u8];
        if from.read(&mut byte)? == 0 {
            return if shift == 0 { Ok(None) } else { Err(broken()) };
        }
        n |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(Some(n));
        }
    }
    Err(broken())
}

fn broken() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "a broken index (run tvmux index --again)",
    )
}

/// Writes a keyframe: the place, then the screen's size and dump.
fn keyframe(out: &mut impl Write, place: &Place, screen: &ScreenState) -> io::Result<()> {
    varint(out, place.offset as u64)?;
    varint(out, place.line)?;
    varint(out, place.time)?;
    match place.clock.latest {
        Some(t) => {
            out.write_all(&[1])?;
            out.write_all(&t.to_bits().to_le_bytes())?;
        }
        None => out.write_all(&[0])?,
    }
    varint(out, u64::from(screen.cols))?;
    varint(out, u64::from(screen.rows))?;
    varint(out, screen.dump.len() as u64)?;
    out.write_all(screen.dump.as_bytes())
}

/// A keyframe read back.
pub struct Keyframe {
    /// Where to read on from.
    pub place: Place,
    screen: ScreenState,
}

impl Keyframe {
    /// The screen at the keyframe.
    pub fn screen(&self) -> io::Result<super::Screen> {
        super::Screen::restore(&self.screen)
    }
}

fn read_keyframe(from: &mut impl io::BufRead) -> io::Result<Option<Keyframe>> {
    let Some(offset) = read_varint(from)? else {
        return Ok(None);
    };
    let mut next = || read_varint(from)?.ok_or_else(broken);
    let (line, time) = (next()?, next()?);
    let mut flag = [0u8];
    from.read_exact(&mut flag)?;
    let latest = if flag[0] == 1 {
        let mut bits = [0u8; 8];
        from.read_exact(&mut bits)?;
        Some(f64::from_bits(u64::from_le_bytes(bits)))
    } else {
        None
    };
    let mut next = || read_varint(from)?.ok_or_else(broken);
    let (cols, rows, len) = (next()?, next()?, next()?);
    let mut dump = Vec::with_capacity(len.min(1 << 24) as usize);
    from.take(len).read_to_end(&mut dump)?;
    if dump.len() as u64 != len {
        return Err(broken());
    }
    Ok(Some(Keyframe {
        place: Place {
            offset: usize::try_from(offset).map_err(|_| broken())?,
            line,
            time,
            clock: Clock { latest },
        },
        screen: ScreenState {
            cols: u32::try_from(cols).map_err(|_| broken())?,
            rows: u32::try_from(rows).map_err(|_| broken())?,
            dump: String::from_utf8(dump).map_err(|_| broken())?,
        },
    }))
}

/// An index found fresh for a cast.
pub struct Index {
    file: File,
    /// Where [`Everything`]'s lines begin.
    everything: u64,
    /// Where the keyframes begin.
    keyframes: u64,
}

impl Index {
    /// The index at `place`, if there is one made of the cast as `stamp`
    /// says it is now; none if it is missing, stale or not an index.
    pub fn open(place: &Path, stamp: Stamp) -> io::Result<Option<Index>> {
        let mut file = match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(place)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut head = [0u8; HEAD];
        if file.read_exact(&mut head).is_err() || &head[..MAGIC.len()] != MAGIC {
            return Ok(None);
        }
        let mut words = head[MAGIC.len()..]
            .chunks_exact(8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")));
        let found = Stamp(std::array::from_fn(|_| words.next().expect("7 words")));
        let everything = words.next().expect("the 8th word");
        let keyframes = words.next().expect("the 9th word");
        Ok((found == stamp).then_some(Index {
            file,
            everything,
            keyframes,
        }))
    }

    /// Calls `each` with the transcript's lines (`text`), in order.
    pub fn transcript(self, mut each: impl FnMut(TimedLine) -> io::Result<Flow>) -> io::Result<()> {
        let len = self.everything - HEAD as u64;
        records(zstd::Decoder::new(self.file.take(len))?, |_, line| {
            each(line)
        })
    }

    /// Calls `each` with every line ever on screen (`grep`, `text --all`),
    /// in order.
    pub fn everything(
        mut self,
        mut each: impl FnMut(SeenLine) -> io::Result<Flow>,
    ) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(self.everything))?;
        let len = self.keyframes - self.everything;
        records(zstd::Decoder::new(self.file.take(len))?, |screen, line| {
            each(SeenLine { line, screen })
        })
    }

    /// The last keyframe whose place comes after no event later than
    /// `time` (none: there is none, play from the start).
    pub fn keyframe_at(mut self, time: Micros) -> io::Result<Option<Keyframe>> {
        self.file.seek(SeekFrom::Start(self.keyframes))?;
        let mut from = BufReader::new(zstd::Decoder::new(self.file)?);
        let mut found = None;
        while let Some(keyframe) = read_keyframe(&mut from)? {
            if keyframe.place.time > time {
                break;
            }
            found = Some(keyframe);
        }
        Ok(found)
    }
}

/// Calls `each` with the records of `from`, to its end.
fn records(
    from: impl Read,
    mut each: impl FnMut(Shown, TimedLine) -> io::Result<Flow>,
) -> io::Result<()> {
    let mut from = BufReader::with_capacity(1 << 20, from);
    let mut time: Micros = 0;
    while let Some(delta) = read_varint(&mut from)? {
        let delta = ((delta >> 1) as i64) ^ -((delta & 1) as i64);
        time = time.checked_add_signed(delta).ok_or_else(broken)?;
        let len_screen = read_varint(&mut from)?.ok_or_else(broken)?;
        let len = len_screen >> 1;
        let mut text = Vec::with_capacity(len.min(1 << 20) as usize);
        (&mut from).take(len).read_to_end(&mut text)?;
        if text.len() as u64 != len {
            return Err(broken());
        }
        let text = String::from_utf8(text).map_err(|_| broken())?;
        let screen = if len_screen & 1 == 1 {
            Shown::Alternate
        } else {
            Shown::Primary
        };
        if each(screen, TimedLine { time, text })?.is_break() {
            return Ok(());
        }
    }
    Ok(())
}
