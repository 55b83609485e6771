//! How an index's sections are written: lines as records (LEB128 varints
//! and text), the transcript's lines mostly as references to the same
//! lines among everything's, and keyframes. Each section is a zstd frame.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, BufRead, Read, Write};

use crate::cast::{Clock, Micros, Place};
use crate::screen::{ScreenState, Shown, TimedLine};

/// An index that cannot be read as written.
pub(super) fn broken() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "a broken index (run tvmux index --again)",
    )
}

pub(super) fn varint(out: &mut impl Write, mut n: u64) -> io::Result<()> {
    let mut bytes = [0u8; 10];
    let mut len = 0;
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        bytes[len] = if n == 0 { low } else { low | 0x80 };
        len += 1;
        if n == 0 {
            return out.write_all(&bytes[..len]);
        }
    }
}

/// Reads a varint; none at the end of `from`.
fn read_varint(from: &mut impl BufRead) -> io::Result<Option<u64>> {
    // Most are whole in the buffer.
    let buf = from.fill_buf()?;
    if buf.is_empty() {
        return Ok(None);
    }
    let mut n = 0u64;
    for (i, &byte) in buf.iter().take(10).enumerate() {
        n |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            from.consume(i + 1);
            return Ok(Some(n));
        }
    }
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

pub(super) fn next_varint(from: &mut impl BufRead) -> io::Result<u64> {
    read_varint(from)?.ok_or_else(broken)
}

/// Lines written as records: the time as a change from the line before's
/// (most are small; zigzag, for a time that goes back), the text's length
/// with the screen in its low bit, then the text.
#[derive(Default)]
pub(super) struct Records {
    last: Micros,
}

impl Records {
    fn put_time(&mut self, out: &mut impl Write, time: Micros) -> io::Result<()> {
        let delta = time as i64 - self.last as i64;
        self.last = time;
        varint(out, ((delta << 1) ^ (delta >> 63)) as u64)
    }

    fn next_time(&mut self, from: &mut impl BufRead) -> io::Result<Micros> {
        let delta = next_varint(from)?;
        let delta = ((delta >> 1) as i64) ^ -((delta & 1) as i64);
        self.last = self.last.checked_add_signed(delta).ok_or_else(broken)?;
        Ok(self.last)
    }

    pub(super) fn put(
        &mut self,
        out: &mut impl Write,
        screen: Shown,
        line: &TimedLine,
    ) -> io::Result<()> {
        self.put_time(out, line.time)?;
        varint(
            out,
            (line.text.len() as u64) << 1 | u64::from(screen == Shown::Alternate),
        )?;
        out.write_all(line.text.as_bytes())
    }

    /// The next record of `from`; none at its end.
    pub(super) fn next(
        &mut self,
        from: &mut impl BufRead,
    ) -> io::Result<Option<(Shown, TimedLine)>> {
        if from.fill_buf()?.is_empty() {
            return Ok(None);
        }
        let time = self.next_time(from)?;
        let len_screen = next_varint(from)?;
        let len = len_screen >> 1;
        let text = read_text(from, len)?;
        let screen = if len_screen & 1 == 1 {
            Shown::Alternate
        } else {
            Shown::Primary
        };
        Ok(Some((screen, TimedLine { time, text })))
    }
}

/// Reads `len` bytes of UTF-8 text.
fn read_text(from: &mut impl BufRead, len: u64) -> io::Result<String> {
    let buf = from.fill_buf()?;
    let bytes = if (buf.len() as u64) >= len {
        let len = len as usize;
        let text = buf[..len].to_vec();
        from.consume(len);
        text
    } else {
        let mut text = Vec::with_capacity(len.min(1 << 20) as usize);
        from.take(len).read_to_end(&mut text)?;
        if text.len() as u64 != len {
            return Err(broken());
        }
        text
    };
    simdutf8::basic::from_utf8(&bytes).map_err(|_| broken())?;
    // SAFETY: checked just above.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

/// Everything's lines in blocks: the number of lines, their times (as
/// [`Records`] writes them), their lengths with the screen in the low bit,
/// then their texts one after the other, so that a block's text is checked
/// as UTF-8 at once and searched without a copy a line.
#[derive(Default)]
pub(super) struct Blocks {
    times: Records,
    /// The block being written: lines' screens, times and lengths; texts.
    heads: Vec<(Shown, Micros, usize)>,
    text: String,
}

/// The most lines, and about the most text, in a block.
const BLOCK_LINES: usize = 4096;
const BLOCK_TEXT: usize = 1 << 20;

impl Blocks {
    pub(super) fn put(
        &mut self,
        out: &mut impl Write,
        screen: Shown,
        time: Micros,
        text: &str,
    ) -> io::Result<()> {
        self.heads.push((screen, time, text.len()));
        self.text.push_str(text);
        if self.heads.len() == BLOCK_LINES || self.text.len() >= BLOCK_TEXT {
            self.flush(out)?;
        }
        Ok(())
    }

    /// Writes the block begun (at the end: what is left).
    pub(super) fn flush(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.heads.is_empty() {
            return Ok(());
        }
        varint(out, self.heads.len() as u64)?;
        for &(_, time, _) in &self.heads {
            self.times.put_time(out, time)?;
        }
        for &(screen, _, len) in &self.heads {
            varint(
                out,
                (len as u64) << 1 | u64::from(screen == Shown::Alternate),
            )?;
        }
        out.write_all(self.text.as_bytes())?;
        self.heads.clear();
        self.text.clear();
        Ok(())
    }
}

/// Everything's lines read back, a block at a time.
#[derive(Default)]
pub(super) struct BlockReader {
    times: Records,
    heads: Vec<(Shown, Micros, usize)>,
    text: String,
    /// The next line of the block, and where its text begins.
    next: usize,
    at: usize,
}

impl BlockReader {
    /// Reads the next block of `from`; false at its end.
    fn fill(&mut self, from: &mut impl BufRead) -> io::Result<bool> {
        let Some(lines) = read_varint(from)? else {
            return Ok(false);
        };
        let lines = usize::try_from(lines).map_err(|_| broken())?;
        if lines == 0 || lines > BLOCK_LINES {
            return Err(broken());
        }
        self.heads.clear();
        for _ in 0..lines {
            let time = self.times.next_time(from)?;
            self.heads.push((Shown::Primary, time, 0));
        }
        let mut total = 0usize;
        for head in &mut self.heads {
            let len_screen = next_varint(from)?;
            head.0 = if len_screen & 1 == 1 {
                Shown::Alternate
            } else {
                Shown::Primary
            };
            head.2 = usize::try_from(len_screen >> 1).map_err(|_| broken())?;
            total = total.checked_add(head.2).ok_or_else(broken)?;
        }
        self.text = read_text(from, total as u64)?;
        (self.next, self.at) = (0, 0);
        Ok(true)
    }

    /// The next line's screen, time and text, borrowed; none at the end.
    pub(super) fn next_ref(
        &mut self,
        from: &mut impl BufRead,
    ) -> io::Result<Option<(Shown, Micros, &str)>> {
        if self.next == self.heads.len() && !self.fill(from)? {
            return Ok(None);
        }
        let (screen, time, len) = self.heads[self.next];
        let text = self.text.get(self.at..self.at + len).ok_or_else(broken)?;
        self.next += 1;
        self.at += len;
        Ok(Some((screen, time, text)))
    }

    /// The next line, owned; none at the end.
    pub(super) fn next(
        &mut self,
        from: &mut impl BufRead,
    ) -> io::Result<Option<(Shown, TimedLine)>> {
        Ok(self.next_ref(from)?.map(|(screen, time, text)| {
            (
                screen,
                TimedLine {
                    time,
                    text: text.to_string(),
                },
            )
        }))
    }
}

/// How far ahead among everything's lines the transcript's line is looked
/// for, in lines and in bytes of their text. Far: a primary line leaves the
/// transcript when it scrolls off, which may be after thousands of lines a
/// full-screen program drew on the other screen (everything gives those
/// first).
const WINDOW_LINES: usize = 1 << 16;
const WINDOW_TEXT: usize = 16 << 20;

/// The transcript written against everything's lines (read back as they
/// were written): a line that is one of the lines ahead (within the
/// window), on the primary screen with the same time, is a reference
/// (`skipped << 1 | 1`: the lines passed over, then that one), any other a
/// `0` and a record.
pub(super) struct Transcript<R> {
    everything: R,
    records: BlockReader,
    /// The writer's lines read ahead (a primary one with its `key`),
    /// the first being everything's line `first` (counted from 0), and
    /// their text's size.
    ahead: VecDeque<(Option<u64>, TimedLine)>,
    first: u64,
    ahead_text: usize,
    /// Where the primary lines ahead are (ascending), by `key`.
    at: HashMap<u64, VecDeque<u64>>,
    keys: RandomState,
    own: Records,
}

impl<R: BufRead> Transcript<R> {
    /// `everything`: the frame of everything's lines.
    pub(super) fn new(everything: R) -> Transcript<R> {
        Transcript {
            everything,
            records: BlockReader::default(),
            ahead: VecDeque::new(),
            first: 0,
            ahead_text: 0,
            at: HashMap::new(),
            keys: RandomState::new(),
            own: Records::default(),
        }
    }

    /// What finds a line among those ahead: a hash of its time and text.
    fn key(&self, line: &TimedLine) -> u64 {
        self.keys.hash_one((line.time, &line.text))
    }

    pub(super) fn put(&mut self, out: &mut impl Write, line: &TimedLine) -> io::Result<()> {
        while self.ahead.len() < WINDOW_LINES && self.ahead_text < WINDOW_TEXT {
            let Some((screen, next)) = self.records.next(&mut self.everything)? else {
                break;
            };
            let key = (screen == Shown::Primary).then(|| self.key(&next));
            if let Some(key) = key {
                let index = self.first + self.ahead.len() as u64;
                self.at.entry(key).or_default().push_back(index);
            }
            self.ahead_text += next.text.len();
            self.ahead.push_back((key, next));
        }
        let found = self.at.get(&self.key(line)).and_then(|indexes| {
            indexes
                .iter()
                .find(|&&i| self.ahead[(i - self.first) as usize].1 == *line)
        });
        match found.copied() {
            Some(index) => {
                let skipped = index - self.first;
                for _ in 0..=skipped {
                    self.pass();
                }
                self.own.last = line.time;
                varint(out, skipped << 1 | 1)
            }
            None => {
                varint(out, 0)?;
                self.own.put(out, Shown::Primary, line)
            }
        }
    }

    /// Passes the first line ahead.
    fn pass(&mut self) {
        let (key, line) = self.ahead.pop_front().expect("a line ahead");
        if let Some(key) = key
            && let Some(indexes) = self.at.get_mut(&key)
        {
            // The oldest is first: it is this one.
            indexes.pop_front();
            if indexes.is_empty() {
                self.at.remove(&key);
            }
        }
        self.ahead_text -= line.text.len();
        self.first += 1;
    }

    /// The next line of the transcript's frame `from`; none at its end.
    pub(super) fn next(&mut self, from: &mut impl BufRead) -> io::Result<Option<TimedLine>> {
        let Some(tag) = read_varint(from)? else {
            return Ok(None);
        };
        if tag & 1 == 0 {
            return Ok(self.own.next(from)?.map(|(_, line)| line));
        }
        for _ in 0..tag >> 1 {
            self.records
                .next_ref(&mut self.everything)?
                .ok_or_else(broken)?;
        }
        let (_, line) = self
            .records
            .next(&mut self.everything)?
            .ok_or_else(broken)?;
        self.own.last = line.time;
        Ok(Some(line))
    }
}

/// Writes a place to read on from.
pub(super) fn put_place(out: &mut impl Write, place: &Place) -> io::Result<()> {
    varint(out, place.offset as u64)?;
    varint(out, place.line)?;
    varint(out, place.time)?;
    match place.clock.latest {
        Some(t) => {
            out.write_all(&[1])?;
            out.write_all(&t.to_bits().to_le_bytes())
        }
        None => out.write_all(&[0]),
    }
}

/// The next place of `from`; none at its end.
pub(super) fn next_place(from: &mut impl BufRead) -> io::Result<Option<Place>> {
    let Some(offset) = read_varint(from)? else {
        return Ok(None);
    };
    let (line, time) = (next_varint(from)?, next_varint(from)?);
    let latest = match read_byte(from)? {
        0 => None,
        1 => {
            let mut bits = [0u8; 8];
            from.read_exact(&mut bits)?;
            Some(f64::from_bits(u64::from_le_bytes(bits)))
        }
        _ => return Err(broken()),
    };
    Ok(Some(Place {
        offset: usize::try_from(offset).map_err(|_| broken())?,
        line,
        time,
        clock: Clock { latest },
    }))
}

fn read_byte(from: &mut impl BufRead) -> io::Result<u8> {
    let mut byte = [0u8];
    from.read_exact(&mut byte)?;
    Ok(byte[0])
}

/// Writes bytes, their length first.
pub(super) fn put_bytes(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    varint(out, bytes.len() as u64)?;
    out.write_all(bytes)
}

/// The next bytes [`put_bytes`] wrote.
pub(super) fn next_bytes(from: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let len = next_varint(from)?;
    let mut bytes = Vec::with_capacity(len.min(1 << 24) as usize);
    from.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(broken());
    }
    Ok(bytes)
}

/// Writes a screen's state: its size and dump.
pub(super) fn put_screen(out: &mut impl Write, screen: &ScreenState) -> io::Result<()> {
    varint(out, u64::from(screen.cols))?;
    varint(out, u64::from(screen.rows))?;
    put_bytes(out, screen.dump.as_bytes())
}

/// The next screen's state of `from`.
pub(super) fn next_screen(from: &mut impl BufRead) -> io::Result<ScreenState> {
    let (cols, rows) = (next_varint(from)?, next_varint(from)?);
    Ok(ScreenState {
        cols: u32::try_from(cols).map_err(|_| broken())?,
        rows: u32::try_from(rows).map_err(|_| broken())?,
        dump: String::from_utf8(next_bytes(from)?).map_err(|_| broken())?,
    })
}

/// Writes a keyframe: the place, then the screen.
pub(super) fn put_keyframe(
    out: &mut impl Write,
    place: &Place,
    screen: &ScreenState,
) -> io::Result<()> {
    put_place(out, place)?;
    put_screen(out, screen)
}

/// A keyframe read back: the screen after a chunk, and where to read on.
pub struct Keyframe {
    /// Where to read on from.
    pub place: Place,
    pub(super) screen: ScreenState,
}

impl Keyframe {
    /// The screen at the keyframe.
    pub fn screen(&self) -> io::Result<crate::screen::Screen> {
        crate::screen::Screen::restore(&self.screen)
    }
}

/// The next keyframe of `from`; none at its end.
pub(super) fn next_keyframe(from: &mut impl BufRead) -> io::Result<Option<Keyframe>> {
    let Some(place) = next_place(from)? else {
        return Ok(None);
    };
    Ok(Some(Keyframe {
        place,
        screen: next_screen(from)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(time: Micros, text: &str) -> TimedLine {
        TimedLine {
            time,
            text: text.into(),
        }
    }

    /// Writes `everything`'s lines, then `transcript` against them, reads
    /// the transcript back (it must be the same) and gives its frame.
    fn round_trip(everything: &[(Shown, TimedLine)], transcript: &[TimedLine]) -> Vec<u8> {
        let mut all = Vec::new();
        let mut blocks = Blocks::default();
        for (screen, l) in everything {
            blocks.put(&mut all, *screen, l.time, &l.text).unwrap();
        }
        blocks.flush(&mut all).unwrap();
        let mut own = Vec::new();
        let mut writer = Transcript::new(&all[..]);
        for l in transcript {
            writer.put(&mut own, l).unwrap();
        }
        let mut reader = Transcript::new(&all[..]);
        let mut from = &own[..];
        let mut read = Vec::new();
        while let Some(l) = reader.next(&mut from).unwrap() {
            read.push(l);
        }
        assert_eq!(read, transcript);
        own
    }

    #[test]
    fn the_transcript_reads_back_through_references_and_literals() {
        let everything = [
            (Shown::Primary, line(5, "a")),
            (Shown::Alternate, line(6, "b")),
            (Shown::Primary, line(3, "c")),
            (Shown::Primary, line(9, "d")),
        ];
        // c and d are references; b is on the other screen, "" and the
        // later a are nowhere ahead.
        let transcript = [
            line(3, "c"),
            line(6, "b"),
            line(7, ""),
            line(9, "d"),
            line(5, "a"),
        ];
        let own = round_trip(&everything, &transcript);
        // References are a byte each: the two literals hold the rest.
        assert!(own.len() < 2 + 2 * 3 + 1 + 1 + 2 * 4, "{}", own.len());
    }

    #[test]
    fn a_transcript_line_far_behind_the_other_screen_is_a_reference() {
        // A primary line scrolls off only after a full-screen program drew
        // thousands of lines, which everything gives first; then lines with
        // the same text at other times, and the same line twice.
        let mut everything = Vec::new();
        for i in 0..5000 {
            everything.push((Shown::Alternate, line(i, "drawn by the program")));
        }
        everything.push((Shown::Primary, line(1, "$ vim")));
        everything.push((Shown::Primary, line(7, "x")));
        everything.push((Shown::Primary, line(8, "x")));
        everything.push((Shown::Primary, line(8, "x")));
        let transcript = [line(1, "$ vim"), line(8, "x"), line(8, "x"), line(7, "x")];
        let own = round_trip(&everything, &transcript);
        // Three references (the first of two bytes), and the line passed
        // over a literal.
        assert_eq!(own.len(), 2 + 1 + 1 + 1 + 3, "{own:?}");
    }
}
