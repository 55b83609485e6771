//! How an index's sections are written: lines as records (LEB128 varints
//! and text), the transcript's lines mostly as references to the same
//! lines among everything's, and keyframes. Each section is a zstd frame.

use std::collections::VecDeque;
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

fn varint(out: &mut impl Write, mut n: u64) -> io::Result<()> {
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

fn next_varint(from: &mut impl BufRead) -> io::Result<u64> {
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
    pub(super) fn put(
        &mut self,
        out: &mut impl Write,
        screen: Shown,
        line: &TimedLine,
    ) -> io::Result<()> {
        let delta = line.time as i64 - self.last as i64;
        self.last = line.time;
        varint(out, ((delta << 1) ^ (delta >> 63)) as u64)?;
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
        let Some(delta) = read_varint(from)? else {
            return Ok(None);
        };
        let delta = ((delta >> 1) as i64) ^ -((delta & 1) as i64);
        let time = self.last.checked_add_signed(delta).ok_or_else(broken)?;
        self.last = time;
        let len_screen = next_varint(from)?;
        let len = len_screen >> 1;
        let mut text = Vec::with_capacity(len.min(1 << 20) as usize);
        from.take(len).read_to_end(&mut text)?;
        if text.len() as u64 != len {
            return Err(broken());
        }
        let text = String::from_utf8(text).map_err(|_| broken())?;
        let screen = if len_screen & 1 == 1 {
            Shown::Alternate
        } else {
            Shown::Primary
        };
        Ok(Some((screen, TimedLine { time, text })))
    }
}

/// How far ahead among everything's lines the transcript's line is looked
/// for.
const WINDOW: usize = 64;

/// The transcript written against everything's lines (read back as they
/// were written): a line that is one of the next [`WINDOW`] of them, on the
/// primary screen with the same time, is a reference (`skipped << 1 | 1`:
/// the lines passed over, then that one), any other a `0` and a record.
pub(super) struct Transcript<R> {
    everything: R,
    records: Records,
    ahead: VecDeque<(Shown, TimedLine)>,
    own: Records,
}

impl<R: BufRead> Transcript<R> {
    /// `everything`: the frame of everything's lines.
    pub(super) fn new(everything: R) -> Transcript<R> {
        Transcript {
            everything,
            records: Records::default(),
            ahead: VecDeque::with_capacity(WINDOW),
            own: Records::default(),
        }
    }

    pub(super) fn put(&mut self, out: &mut impl Write, line: &TimedLine) -> io::Result<()> {
        while self.ahead.len() < WINDOW {
            match self.records.next(&mut self.everything)? {
                Some(next) => self.ahead.push_back(next),
                None => break,
            }
        }
        let same = self
            .ahead
            .iter()
            .position(|(screen, l)| *screen == Shown::Primary && l == line);
        match same {
            Some(skipped) => {
                self.ahead.drain(..=skipped);
                self.own.last = line.time;
                varint(out, (skipped as u64) << 1 | 1)
            }
            None => {
                varint(out, 0)?;
                self.own.put(out, Shown::Primary, line)
            }
        }
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
                .next(&mut self.everything)?
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

/// Writes a keyframe: the place, then the screen's size and dump.
pub(super) fn put_keyframe(
    out: &mut impl Write,
    place: &Place,
    screen: &ScreenState,
) -> io::Result<()> {
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

/// A keyframe read back: the screen after a chunk, and where to read on.
pub struct Keyframe {
    /// Where to read on from.
    pub place: Place,
    screen: ScreenState,
}

impl Keyframe {
    /// The screen at the keyframe.
    pub fn screen(&self) -> io::Result<crate::screen::Screen> {
        crate::screen::Screen::restore(&self.screen)
    }
}

/// The next keyframe of `from`; none at its end.
pub(super) fn next_keyframe(from: &mut impl BufRead) -> io::Result<Option<Keyframe>> {
    let Some(offset) = read_varint(from)? else {
        return Ok(None);
    };
    let (line, time) = (next_varint(from)?, next_varint(from)?);
    let mut flag = [0u8];
    from.read_exact(&mut flag)?;
    let latest = match flag[0] {
        0 => None,
        1 => {
            let mut bits = [0u8; 8];
            from.read_exact(&mut bits)?;
            Some(f64::from_bits(u64::from_le_bytes(bits)))
        }
        _ => return Err(broken()),
    };
    let (cols, rows, len) = (next_varint(from)?, next_varint(from)?, next_varint(from)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(time: Micros, text: &str) -> TimedLine {
        TimedLine {
            time,
            text: text.into(),
        }
    }

    #[test]
    fn the_transcript_reads_back_through_references_and_literals() {
        let everything = [
            (Shown::Primary, line(5, "a")),
            (Shown::Alternate, line(6, "b")),
            (Shown::Primary, line(3, "c")),
            (Shown::Primary, line(9, "d")),
        ];
        let mut all = Vec::new();
        let mut records = Records::default();
        for (screen, l) in &everything {
            records.put(&mut all, *screen, l).unwrap();
        }
        // c and d are references; b is on the other screen, "" and the
        // later a are nowhere ahead.
        let transcript = [
            line(3, "c"),
            line(6, "b"),
            line(7, ""),
            line(9, "d"),
            line(5, "a"),
        ];
        let mut own = Vec::new();
        let mut writer = Transcript::new(&all[..]);
        for l in &transcript {
            writer.put(&mut own, l).unwrap();
        }
        let mut reader = Transcript::new(&all[..]);
        let mut from = &own[..];
        let mut read = Vec::new();
        while let Some(l) = reader.next(&mut from).unwrap() {
            read.push(l);
        }
        assert_eq!(read, transcript);
        // References are a byte each: the two literals hold the rest.
        assert!(own.len() < 2 + 2 * 3 + 1 + 1 + 2 * 4, "{}", own.len());
    }
}
