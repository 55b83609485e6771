//! The index of a cast: its text already read, kept in the user's cache
//! (`$XDG_CACHE_HOME/tvmux/index/`, else `~/.cache/tvmux/index/`, never
//! beside the cast), so that `text` and `grep` answer without playing the
//! terminal again.
//!
//! An index holds both readings' lines, in order, with their times (and
//! screens): [`Everything`]'s, and the [`Transcript`]'s (mostly as
//! references to the same lines among everything's); and keyframes, the
//! screen after every chunk of the cast (1 MiB of event data) with the
//! place to read on from, so that the screen at any time is one chunk's
//! play away ([`format`] says how each is written; each is a zstd frame).
//!
//! It is stamped with the cast's file as it was read (device, inode, size,
//! modification and change times, to the nanosecond): any write to the
//! cast changes its change time, which nobody can set back, so a cast
//! appended to, rewritten or repaired is never answered from an index of
//! what it was. The index is written whole beside its place, synced and
//! renamed over it.

mod ahead;
mod format;
mod resume;

use resume::{Resume, Taken};

pub use format::Keyframe;

use std::cell::Cell;
use std::fs::{File, Metadata};
use std::hash::{Hash, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::{Everything, Reading, ScreenState, SeenLine, Shown, TimedLine, Transcript};
use crate::cast::{Events, Flow, Micros, Place, ReadError};

/// What an index file begins with (the format's version in it).
const MAGIC: &[u8; 16] = b"tvmux-index-v5\n\0";

/// The magic, the stamp, and where each section after the head begins:
/// [`Everything`]'s lines (at the head's end), the [`Transcript`]'s, the
/// keyframes, the place to resume from, and the cast's absolute path
/// (last, to the end: [`prune`] reads it).
const HEAD: usize = MAGIC.len() + 11 * 8;

/// The offsets the head holds after the stamp.
const SECTIONS: usize = 4;

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

/// The directory of the indexes, created owner-only if `create` (else
/// none is an error of kind `NotFound`); one that is not the user's, or
/// that others can write, is refused (what is in it decides what `grep`
/// answers).
pub fn directory(create: bool) -> io::Result<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| crate::config::home_dir().join(".cache"));
    let dir = cache.join("tvmux").join("index");
    if create {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)?;
    }
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

/// What [`write`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// The index's size in bytes.
    pub size: u64,
    /// The byte of the cast the terminal was played from: 0, or where the
    /// index of what the cast was before it grew was taken up.
    pub from: usize,
}

/// Removes the index of the cast at `cast`, if there is one (the cast is
/// removed: the recorder's budget).
pub fn forget(cast: &Path) -> io::Result<()> {
    let dir = match directory(false) {
        Ok(dir) => dir,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    match std::fs::remove_file(place(&dir, cast)?) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// An index [`prune`] removed, and why.
#[derive(Debug)]
pub struct Pruned {
    /// The index file.
    pub index: PathBuf,
    /// Why no cast needs it.
    pub why: String,
}

/// How old a temporary file of `write` is before [`prune`] takes it for
/// one a killed run left (a run writes its file as it goes).
const ABANDONED: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes from `dir` the files no cast needs: the indexes of casts that
/// are gone or are another file now (a copy renamed over the cast, which
/// is indexed anew), files of an older format, and what a killed run left
/// (its temporary file, an hour after its last write). A cast that only
/// changed keeps its index: indexing it again takes that up.
pub fn prune(dir: &Path) -> io::Result<Vec<Pruned>> {
    let mut pruned = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // A file another run renames or removes meanwhile is its business.
        let gone = |e: &io::Error| e.kind() == io::ErrorKind::NotFound;
        let why = match judge(&entry) {
            Err(e) if gone(&e) => continue,
            why => why?,
        };
        if let Some(why) = why {
            match std::fs::remove_file(&path) {
                Err(e) if gone(&e) => continue,
                removed => removed?,
            }
            pruned.push(Pruned { index: path, why });
        }
    }
    if !pruned.is_empty() {
        File::open(dir)?.sync_all()?;
    }
    Ok(pruned)
}

/// Why no cast needs the file `entry` of the index directory; none if
/// one may, or it is not tvmux's.
fn judge(entry: &std::fs::DirEntry) -> io::Result<Option<String>> {
    let name = entry.file_name();
    let name = name.to_string_lossy();
    if name.starts_with(".tvmux-index") {
        let meta = entry.metadata()?;
        let idle = meta.modified()?.elapsed().unwrap_or_default();
        Ok((meta.is_file() && idle > ABANDONED)
            .then(|| format!("left by an index run that stopped {} s ago", idle.as_secs())))
    } else if name.ends_with(".idx") && entry.file_type()?.is_file() {
        unneeded(&entry.path())
    } else {
        Ok(None)
    }
}

/// Why no cast needs the index at `path`; none if one may.
fn unneeded(path: &Path) -> io::Result<Option<String>> {
    let Some((index, stamp)) = Index::read(path)? else {
        return Ok(Some("not an index of this version".into()));
    };
    let cast = index.cast()?;
    Ok(match std::fs::metadata(&cast) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Some(format!("{} is gone", cast.display()))
        }
        Ok(meta) if (meta.dev(), meta.ino()) != (stamp.0[0], stamp.0[1]) => {
            Some(format!("{} is another file now", cast.display()))
        }
        _ => None,
    })
}

/// Writes the index of `events` (of the cast at `cast`, with `stamp`) at
/// `place`, playing the terminal on `threads` cores. With `resume`, an index of what
/// the cast was before it grew is taken up after its last chunk, so that
/// only what follows is played (any failure there: from scratch).
pub fn write(
    place: &Path,
    cast: &Path,
    stamp: Stamp,
    events: &Events,
    threads: usize,
    resume: bool,
) -> Result<Written, ReadError> {
    if resume
        && let Ok(Some((old, from))) = Index::grown(place, stamp, events.bytes())
        && let Ok(written) = build(place, cast, stamp, events, threads, Some((&old, &from)))
    {
        return Ok(written);
    }
    build(place, cast, stamp, events, threads, None)
}

/// [`write`], from `old`'s resume if there is one, else from the start.
fn build(
    place: &Path,
    cast: &Path,
    stamp: Stamp,
    events: &Events,
    threads: usize,
    old: Option<(&Index, &Resume)>,
) -> Result<Written, ReadError> {
    let dir = place.parent().unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".tvmux-index")
        .tempfile_in(dir)?;
    let mut out = BufWriter::with_capacity(1 << 20, temp.as_file().try_clone()?);
    out.write_all(MAGIC)?;
    for word in stamp.0 {
        out.write_all(&word.to_le_bytes())?;
    }
    // Where the sections after everything's begin, set once known.
    out.write_all(&[0u8; SECTIONS * 8])?;
    // The lines given so far, by the old index and the play after it.
    let given = Cell::new(0u64);
    let mut lines = zstd::Encoder::new(out, LEVEL)?;
    let mut keyframes = zstd::Encoder::new(tempfile::tempfile()?, LEVEL)?;
    let mut blocks = format::Blocks::default();
    if let Some((old, resume)) = old {
        let wanted = resume.everything.lines;
        old.everything_borrowed(|screen, time, text| {
            if !one_more(&given, wanted) {
                return Ok(Flow::Break(()));
            }
            blocks
                .put(&mut lines, screen, time, text)
                .map(Flow::Continue)
        })?;
        all_copied(&given, wanted)?;
        old.for_each_keyframe(|k| {
            if k.place.offset > resume.place.offset {
                return Ok(Flow::Break(()));
            }
            format::put_keyframe(&mut keyframes, &k.place, &k.screen).map(Flow::Continue)
        })?;
    }
    let last_everything = play::<Everything>(
        events,
        threads,
        old.map(|(_, r)| (&r.place, &r.everything)),
        &given,
        |l| blocks.put(&mut lines, l.screen, l.line.time, &l.line.text),
        |place, screen| format::put_keyframe(&mut keyframes, place, screen),
    )?;
    blocks.flush(&mut lines)?;
    let mut out = lines.finish()?;
    let transcript_at = out.stream_position()?;
    // The transcript is written against everything's lines, read back.
    out.flush()?;
    let mut written = temp.reopen()?;
    written.seek(SeekFrom::Start(HEAD as u64))?;
    let everything = BufReader::new(zstd::Decoder::new(
        written.take(transcript_at - HEAD as u64),
    )?);
    let mut transcript = format::Transcript::new(everything);
    let mut lines = zstd::Encoder::new(out, LEVEL)?;
    given.set(0);
    if let Some((old, resume)) = old {
        let wanted = resume.transcript.lines;
        old.transcript(|line| {
            if !one_more(&given, wanted) {
                return Ok(Flow::Break(()));
            }
            transcript.put(&mut lines, &line).map(Flow::Continue)
        })?;
        all_copied(&given, wanted)?;
    }
    let last_transcript = play::<Transcript>(
        events,
        threads,
        old.map(|(_, r)| (&r.place, &r.transcript)),
        &given,
        |l| transcript.put(&mut lines, &l),
        |_, _| Ok(()),
    )?;
    let mut out = lines.finish()?;
    let keyframes_at = out.stream_position()?;
    let mut keyframes = keyframes.finish()?;
    keyframes.rewind()?;
    io::copy(&mut keyframes, &mut out)?;
    let resume_at = out.stream_position()?;
    // Both readings after the last chunk (the same place: they are cut
    // alike); with no chunk since the old resume, that one still holds.
    let resume = match (last_everything, last_transcript) {
        (Some((at, everything)), Some((also, transcript))) if at == also => {
            Some(Resume::new(events.bytes(), at, everything, transcript))
        }
        (None, None) => old.map(|(_, r)| r.clone()),
        _ => None,
    };
    let mut section = zstd::Encoder::new(out, LEVEL)?;
    if let Some(resume) = &resume {
        resume.put(&mut section)?;
    }
    let mut out = section.finish()?;
    let path_at = out.stream_position()?;
    out.write_all(std::path::absolute(cast)?.as_os_str().as_bytes())?;
    out.seek(SeekFrom::Start((HEAD - SECTIONS * 8) as u64))?;
    for offset in [transcript_at, keyframes_at, resume_at, path_at] {
        out.write_all(&offset.to_le_bytes())?;
    }
    out.flush()?;
    drop(out);
    let file = temp.as_file();
    file.sync_all()?;
    let size = file.metadata()?.len();
    temp.persist(place).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()?;
    Ok(Written {
        size,
        from: old.map_or(0, |(_, r)| r.place.offset),
    })
}

/// The place after a reading's last chunk, and its state there.
type Last<O> = (Place, Taken<O>);

/// Plays a reading `R` of `events` on `threads` cores from `start` (a
/// place and the reading's state there; none: the start), counting the
/// lines it gives in `given` and handing them to `put`, and each chunk's
/// place and screen to `keyframe`: the place after the last chunk and the
/// reading's state there, if it passed one.
fn play<R>(
    events: &Events,
    threads: usize,
    start: Option<(&Place, &Taken<R::Own>)>,
    given: &Cell<u64>,
    mut put: impl FnMut(R::Line) -> io::Result<()>,
    mut keyframe: impl FnMut(&Place, &ScreenState) -> io::Result<()>,
) -> Result<Option<Last<R::Own>>, ReadError>
where
    R: Reading + Send,
    R::Line: Send,
    R::Own: Send + Sync,
{
    let start = match start {
        Some((place, taken)) => Some((place, taken.state.restore::<R>()?)),
        None => None,
    };
    let mut last = None;
    super::parallel::read_with_keyframes::<R>(
        events,
        start,
        threads,
        super::CHUNK,
        |line| {
            given.set(given.get() + 1);
            put(line).map(Flow::Continue)
        },
        Some(&mut |place, state| {
            last = Some((
                *place,
                Taken {
                    lines: given.get(),
                    state: state.clone(),
                },
            ));
            keyframe(place, &state.screen)
        }),
    )?;
    Ok(last)
}

/// Counts a line copied from an old index: false once `wanted` are.
fn one_more(given: &Cell<u64>, wanted: u64) -> bool {
    let more = given.get() < wanted;
    if more {
        given.set(given.get() + 1);
    }
    more
}

/// Checks that an old index held the lines its resume counts.
fn all_copied(given: &Cell<u64>, wanted: u64) -> io::Result<()> {
    if given.get() == wanted {
        Ok(())
    } else {
        Err(format::broken())
    }
}

/// An index found fresh for a cast.
pub struct Index {
    file: File,
    /// Where the transcript's lines begin.
    transcript: u64,
    /// Where the keyframes begin.
    keyframes: u64,
    /// Where the resume begins.
    resume: u64,
    /// Where the cast's path begins.
    path: u64,
}

impl Index {
    /// The index at `place`, if there is one made of the cast as `stamp`
    /// says it is now; none if it is missing, stale or not an index.
    pub fn open(place: &Path, stamp: Stamp) -> io::Result<Option<Index>> {
        Ok(Index::read(place)?.and_then(|(index, found)| (found == stamp).then_some(index)))
    }

    /// The index at `place` of what the cast in `bytes` (with `stamp`)
    /// was before it grew (the same file, no larger), and where to take it
    /// up, if the cast still begins as it did there.
    fn grown(place: &Path, stamp: Stamp, bytes: &[u8]) -> io::Result<Option<(Index, Resume)>> {
        let Some((index, found)) = Index::read(place)? else {
            return Ok(None);
        };
        let [dev, ino, size, ..] = found.0;
        if (dev, ino) != (stamp.0[0], stamp.0[1]) || size > stamp.0[2] {
            return Ok(None);
        }
        let resume = Resume::next(&mut index.frame(index.resume, index.path)?)?;
        Ok(resume
            .filter(|r| r.holds_for(bytes))
            .map(|resume| (index, resume)))
    }

    /// The index at `place` and the stamp it was made with; none if it is
    /// missing or not an index.
    fn read(place: &Path) -> io::Result<Option<(Index, Stamp)>> {
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
        let [transcript, keyframes, resume, path] =
            std::array::from_fn(|_| words.next().expect("the sections' words"));
        if !(HEAD as u64 <= transcript
            && transcript <= keyframes
            && keyframes <= resume
            && resume <= path)
        {
            return Ok(None);
        }
        let index = Index {
            file,
            transcript,
            keyframes,
            resume,
            path,
        };
        Ok(Some((index, found)))
    }

    /// The frame from `start` to `end`, decompressed (each read at its own
    /// offset: two frames are read side by side) on a thread of its own.
    fn frame(&self, start: u64, end: u64) -> io::Result<ahead::ReadAhead> {
        let section = Section {
            file: self.file.try_clone()?,
            at: start,
            end,
        };
        Ok(ahead::ReadAhead::new(zstd::Decoder::new(section)?))
    }

    /// The path of the cast it was made of.
    fn cast(&self) -> io::Result<PathBuf> {
        let mut path = Vec::new();
        Section {
            file: self.file.try_clone()?,
            at: self.path,
            end: u64::MAX,
        }
        .read_to_end(&mut path)?;
        Ok(PathBuf::from(std::ffi::OsString::from_vec(path)))
    }

    /// Everything's frame.
    fn everything_frame(&self) -> io::Result<ahead::ReadAhead> {
        self.frame(HEAD as u64, self.transcript)
    }

    /// Calls `each` with the transcript's lines (`text`), in order.
    pub fn transcript(
        &self,
        mut each: impl FnMut(TimedLine) -> io::Result<Flow>,
    ) -> io::Result<()> {
        let mut lines = format::Transcript::new(self.everything_frame()?);
        let mut from = self.frame(self.transcript, self.keyframes)?;
        while let Some(line) = lines.next(&mut from)? {
            if each(line)?.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Calls `each` with every line ever on screen (`grep`, `text --all`),
    /// in order.
    pub fn everything(&self, mut each: impl FnMut(SeenLine) -> io::Result<Flow>) -> io::Result<()> {
        self.everything_borrowed(|screen, time, text| {
            each(SeenLine {
                line: TimedLine {
                    time,
                    text: text.to_string(),
                },
                screen,
            })
        })
    }

    /// [`Index::everything`], each line lent (a search copies only what it
    /// keeps).
    pub fn everything_borrowed(
        &self,
        mut each: impl FnMut(Shown, Micros, &str) -> io::Result<Flow>,
    ) -> io::Result<()> {
        let mut from = self.everything_frame()?;
        let mut lines = format::BlockReader::default();
        while let Some((screen, time, text)) = lines.next_ref(&mut from)? {
            if each(screen, time, text)?.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The last keyframe whose place comes after no event later than
    /// `time` (none: there is none, play from the start).
    pub fn keyframe_at(&self, time: Micros) -> io::Result<Option<Keyframe>> {
        let mut found = None;
        self.for_each_keyframe(|keyframe| {
            if keyframe.place.time > time {
                return Ok(Flow::Break(()));
            }
            found = Some(keyframe);
            Ok(Flow::Continue(()))
        })?;
        Ok(found)
    }

    /// Calls `each` with the keyframes, in order.
    fn for_each_keyframe(
        &self,
        mut each: impl FnMut(Keyframe) -> io::Result<Flow>,
    ) -> io::Result<()> {
        let mut from = self.frame(self.keyframes, self.resume)?;
        while let Some(keyframe) = format::next_keyframe(&mut from)? {
            if each(keyframe)?.is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// A part of a file, read at its own offset.
struct Section {
    file: File,
    at: u64,
    end: u64,
}

impl Read for Section {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.at)).unwrap_or(usize::MAX);
        let len = buf.len().min(left);
        let n = std::os::unix::fs::FileExt::read_at(&self.file, &mut buf[..len], self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}
