//! `CastWriter`: the one place that writes cast bytes, for v2 and v3.
//!
//! Every event reaches the file as one complete line: lines are built in a
//! buffer and handed to the sink whole, so a crash can tear at most the last
//! line, which `repair --quick` cuts.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::time::{Duration, Instant};

use super::events::{Data, Micros, micros};
use super::header::{Header, Version};
use super::utf8::Utf8Decoder;

/// Where a cast goes: anything writable that can also be made durable.
pub trait CastSink: Write {
    /// Makes what was written durable (fsync for a file).
    fn sync(&mut self) -> io::Result<()>;

    /// Appends `src[range]`, whose bytes are also mapped as `bytes`. A file
    /// lets the kernel copy (copy_file_range), which beats writing the mapped
    /// bytes by a wide margin on large casts.
    fn copy_from(&mut self, _src: &File, range: Range<usize>, bytes: &[u8]) -> io::Result<()> {
        self.write_all(&bytes[range])
    }

    /// Takes back the last `bytes` written: a line a failed write tore.
    /// Sinks that cannot (a pipe) say so.
    fn take_back(&mut self, _bytes: u64) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a torn line cannot be taken back here",
        ))
    }
}

impl CastSink for File {
    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
    }

    fn take_back(&mut self, bytes: u64) -> io::Result<()> {
        // Shrinking a file needs no space, so this works on a full disk.
        let end = self.stream_position()?;
        let end = end.saturating_sub(bytes);
        self.set_len(end)?;
        self.seek(SeekFrom::Start(end)).map(|_| ())
    }

    fn copy_from(&mut self, src: &File, range: Range<usize>, _bytes: &[u8]) -> io::Result<()> {
        let mut src = src;
        src.seek(SeekFrom::Start(range.start as u64))?;
        let len = range.len() as u64;
        // std's io::copy between files uses copy_file_range on Linux.
        if io::copy(&mut src.take(len), self)? != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "source file shrank",
            ));
        }
        Ok(())
    }
}

impl CastSink for Vec<u8> {
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn take_back(&mut self, bytes: u64) -> io::Result<()> {
        self.truncate(self.len().saturating_sub(bytes as usize));
        Ok(())
    }
}

impl CastSink for io::Sink {
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<S: CastSink + ?Sized> CastSink for &mut S {
    fn sync(&mut self) -> io::Result<()> {
        (**self).sync()
    }

    fn copy_from(&mut self, src: &File, range: Range<usize>, bytes: &[u8]) -> io::Result<()> {
        (**self).copy_from(src, range, bytes)
    }

    fn take_back(&mut self, bytes: u64) -> io::Result<()> {
        (**self).take_back(bytes)
    }
}

/// When written events are made durable (`recording.fsync` in the
/// configuration: `never`, `every-flush`, `on-stop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fsync {
    /// Never: the kernel writes back in its own time.
    Never,
    /// After every flush: the data-loss window is the flush interval.
    EveryFlush,
    /// Only when the writer finishes (a recording stops).
    #[serde(rename = "on-stop")]
    OnFinish,
}

/// How long written events may wait in memory, and when they are made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushPolicy {
    /// Buffered lines are written at least this often.
    pub max_delay: Duration,
    /// Buffered lines are written when they reach this many bytes.
    pub max_buffer: usize,
    /// When to make writes durable.
    pub fsync: Fsync,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        Self {
            max_delay: Duration::from_millis(100),
            max_buffer: 64 << 10,
            fsync: Fsync::OnFinish,
        }
    }
}

/// The one writer of cast bytes (v2, v3): the header, then one complete line per event; terminal output decoded as UTF-8 incrementally; flushed and synced as its [`FlushPolicy`] says.
///
/// A failed write (a full disk) fails the writer for good: the line it
/// tore is taken back where the sink can, so the cast ends at its last
/// complete event; nothing is buffered or written after it, so no byte is
/// ever written twice and memory stays bounded. Every later call returns
/// the first error again.
pub struct CastWriter<W: CastSink> {
    out: W,
    /// The first write error, repeated to every later call.
    failed: Option<(io::ErrorKind, String)>,
    version: Version,
    policy: FlushPolicy,
    buf: Vec<u8>,
    last_flush: Instant,
    /// v2: the last time written. v3: the rounded time reached by the
    /// intervals written so far (rounding error diffuses into the next one).
    written_time: f64,
    /// [`CastWriter::event_at`]'s clock: the last time written, in microseconds.
    written_micros: Micros,
    output: Utf8Decoder,
    input: Utf8Decoder,
    text: String,
}

impl<W: CastSink> CastWriter<W> {
    /// Starts a new cast: writes the header line.
    pub fn create(out: W, header: &Header, policy: FlushPolicy) -> io::Result<Self> {
        if header.version == Version::V1 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "asciicast v1 is read-only",
            ));
        }
        let mut w = Self::resume(out, header.version, 0.0, policy);
        w.buf.extend_from_slice(&header.to_json());
        w.buf.push(b'\n');
        w.flush()?;
        Ok(w)
    }

    /// Continues a cast whose header (and maybe events) are already written;
    /// `time` is where its clock stands (v2: the last event time).
    pub fn resume(out: W, version: Version, time: f64, policy: FlushPolicy) -> Self {
        Self {
            out,
            failed: None,
            version,
            policy,
            buf: Vec::with_capacity(policy.max_buffer + 4096),
            last_flush: Instant::now(),
            written_time: time,
            written_micros: micros(time),
            output: Utf8Decoder::new(),
            input: Utf8Decoder::new(),
            text: String::new(),
        }
    }

    /// The version it writes.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The sink, for callers that need its state (bytes written, the file).
    /// Writing to it directly bypasses the line discipline.
    pub fn sink_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Copies complete lines that are already valid cast lines (repair keeps
    /// events byte for byte this way).
    pub fn raw_lines(&mut self, lines: &[u8]) -> io::Result<()> {
        debug_assert!(lines.is_empty() || lines.ends_with(b"\n"));
        if lines.len() >= self.policy.max_buffer {
            self.flush_buffer()?;
            self.write_out(lines)?;
            return self.after_write();
        }
        self.buf.extend_from_slice(lines);
        self.after_write()
    }

    /// [`CastWriter::raw_lines`] of lines given in parts (repair's rewritten
    /// events, which borrow their data from the source): large ones go to
    /// the sink without being joined.
    pub fn raw_line_parts(&mut self, parts: &[impl AsRef<[u8]>]) -> io::Result<()> {
        let len: usize = parts.iter().map(|p| p.as_ref().len()).sum();
        if len < self.policy.max_buffer {
            for part in parts {
                self.buf.extend_from_slice(part.as_ref());
            }
            return self.after_write();
        }
        self.flush_buffer()?;
        self.write_through(|line| parts.iter().try_for_each(|p| line.write_all(p.as_ref())))
    }

    /// Copies complete, valid lines `src[range]` (mapped as `bytes`), letting
    /// the kernel do it where it can.
    pub fn copy_lines(&mut self, src: &File, range: Range<usize>, bytes: &[u8]) -> io::Result<()> {
        debug_assert!(range.is_empty() || bytes[range.end - 1] == b'\n');
        self.flush_buffer()?;
        self.out.copy_from(src, range, bytes)?;
        self.after_write()
    }

    /// An event at an exact time, in microseconds since the start: v2 writes
    /// the time to the microsecond, v3 the interval since the previous event
    /// to the microsecond, so a cast converted back and forth keeps every
    /// time. `data` is written as it is when it is JSON text already. Times
    /// never go backwards: an earlier one is written as the latest.
    pub fn event_at(&mut self, time: Micros, code: &str, data: &Data) -> io::Result<()> {
        let time = time.max(self.written_micros);
        let line_start = self.buf.len();
        self.buf.push(b'[');
        self.version
            .write_micros(self.written_micros, time, &mut self.buf);
        self.written_micros = time;
        self.buf.extend_from_slice(b", ");
        if code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            // The common codes need no escaping.
            self.buf.push(b'"');
            self.buf.extend_from_slice(code.as_bytes());
            self.buf.push(b'"');
        } else {
            serde_json::to_writer(&mut self.buf, code)?;
        }
        self.buf.extend_from_slice(b", ");
        let len = match data {
            Data::Json(raw, _) => raw.len(),
            Data::Text(text) => text.len(),
        };
        if len >= self.policy.max_buffer {
            return self.huge_data(line_start, data);
        }
        write_data(&mut self.buf, data)?;
        self.after_write()
    }

    /// The end of an event line whose data is larger than the buffer: the
    /// line (begun in the buffer at `line_start`) goes straight to the
    /// sink, so memory never holds it whole.
    fn huge_data(&mut self, line_start: usize, data: &Data) -> io::Result<()> {
        self.check_failed()?;
        let begun = self.buf.split_off(line_start);
        self.flush_buffer()?;
        self.write_through(|line| {
            line.write_all(&begun)?;
            write_data(line, data)
        })
    }

    /// Writes complete lines (what `lines` writes) to the sink through a
    /// buffer of its own, not this writer's; a failed write takes back the
    /// line it tore.
    fn write_through(
        &mut self,
        lines: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(
            self.policy.max_buffer,
            Counted {
                out: &mut self.out,
                torn: 0,
            },
        );
        let written = lines(&mut out).and_then(|()| out.flush());
        // Never flushed again: what failed is taken back below.
        let (counted, _) = out.into_parts();
        let torn = counted.torn;
        let written = written.map_err(|error| take_back_torn(&mut self.out, error, torn));
        self.keep_failure(written)?;
        self.after_write()
    }

    /// Terminal output, as raw bytes in any pieces; `time` is seconds since
    /// the start of the recording.
    pub fn output(&mut self, time: f64, bytes: &[u8]) -> io::Result<()> {
        self.stream(time, "o", bytes)
    }

    /// Output from another source follows: the start of a character the
    /// output so far left unfinished is dropped, never completed by bytes
    /// that do not belong to it (the recorder's pane switch).
    pub fn drop_unfinished_output(&mut self) {
        self.output.drop_unfinished();
    }

    /// Keyboard input, as raw bytes in any pieces.
    pub fn input(&mut self, time: f64, bytes: &[u8]) -> io::Result<()> {
        self.stream(time, "i", bytes)
    }

    /// An `r` event: the terminal is now `cols` x `rows`.
    pub fn resize(&mut self, time: f64, cols: u32, rows: u32) -> io::Result<()> {
        self.event(time, "r", &format!("{cols}x{rows}"))
    }

    /// An `m` event (a marker) with `label`.
    pub fn marker(&mut self, time: f64, label: &str) -> io::Result<()> {
        self.event(time, "m", label)
    }

    /// The exit status, recorded in v3 only (v2 has no such event).
    pub fn exit(&mut self, time: f64, status: i32) -> io::Result<()> {
        if !self.version.rules().exit_events {
            return Ok(());
        }
        self.event(time, "x", &status.to_string())
    }

    /// Any event with text data.
    pub fn event(&mut self, time: f64, code: &str, data: &str) -> io::Result<()> {
        self.buf.push(b'[');
        self.push_time(time);
        self.buf.extend_from_slice(b", ");
        serde_json::to_writer(&mut self.buf, code)?;
        self.buf.extend_from_slice(b", ");
        serde_json::to_writer(&mut self.buf, data)?;
        self.buf.extend_from_slice(b"]\n");
        self.after_write()
    }

    /// Writes buffered lines to the sink if the policy says they are due.
    pub fn flush_if_due(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() && self.last_flush.elapsed() >= self.policy.max_delay {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes buffered lines to the sink (and fsyncs if the policy says so).
    pub fn flush(&mut self) -> io::Result<()> {
        self.flush_buffer()?;
        self.out.flush()?;
        if self.policy.fsync == Fsync::EveryFlush {
            self.out.sync()?;
        }
        Ok(())
    }

    /// Makes everything written so far durable.
    pub fn sync(&mut self) -> io::Result<()> {
        self.flush_buffer()?;
        self.out.flush()?;
        self.out.sync()
    }

    /// Ends the cast: unfinished characters become U+FFFD, everything is
    /// written and, unless the policy says never, made durable.
    pub fn finish(mut self, time: f64) -> io::Result<W> {
        for code in ["o", "i"] {
            let decoder = if code == "o" {
                &mut self.output
            } else {
                &mut self.input
            };
            let mut text = String::new();
            decoder.finish(&mut text);
            if !text.is_empty() {
                self.event(time, code, &text)?;
            }
        }
        self.flush()?;
        if self.policy.fsync != Fsync::Never {
            self.out.sync()?;
        }
        Ok(self.out)
    }

    fn stream(&mut self, time: f64, code: &str, bytes: &[u8]) -> io::Result<()> {
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        let decoder = if code == "o" {
            &mut self.output
        } else {
            &mut self.input
        };
        decoder.decode(bytes, &mut text);
        let result = if text.is_empty() {
            Ok(())
        } else {
            self.event(time, code, &text)
        };
        self.text = text;
        result
    }

    fn push_time(&mut self, time: f64) {
        let time = if time.is_finite() { time.max(0.0) } else { 0.0 };
        self.version
            .write_time(&mut self.written_time, time, &mut self.buf);
    }

    fn after_write(&mut self) -> io::Result<()> {
        self.check_failed()?;
        if self.buf.len() >= self.policy.max_buffer {
            self.flush()?;
        } else if self.policy.max_delay != Duration::MAX {
            // Reading the clock costs more than writing a short event.
            self.flush_if_due()?;
        }
        Ok(())
    }

    fn flush_buffer(&mut self) -> io::Result<()> {
        self.check_failed()?;
        if !self.buf.is_empty() {
            let written = write_lines(&mut self.out, &self.buf);
            self.buf.clear();
            self.keep_failure(written)?;
        }
        self.last_flush = Instant::now();
        Ok(())
    }

    /// The first error again, once the writer has failed (what was
    /// buffered since is dropped: it can never be written in order).
    fn check_failed(&mut self) -> io::Result<()> {
        match &self.failed {
            None => Ok(()),
            Some((kind, message)) => {
                self.buf.clear();
                Err(io::Error::new(*kind, message.clone()))
            }
        }
    }

    /// Writes complete lines to the sink; a failure fails the writer for good.
    fn write_out(&mut self, lines: &[u8]) -> io::Result<()> {
        let written = write_lines(&mut self.out, lines);
        self.keep_failure(written)
    }

    /// Remembers the first write error, for every later call.
    fn keep_failure(&mut self, written: io::Result<()>) -> io::Result<()> {
        if let Err(e) = &written {
            self.failed = Some((e.kind(), e.to_string()));
        }
        written
    }
}

/// A sink that counts the bytes it took since the last newline (the torn
/// line to take back if a write fails).
struct Counted<'w, W> {
    out: &'w mut W,
    torn: u64,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.torn = match memchr::memrchr(b'\n', &buf[..n]) {
            Some(i) => (n - i - 1) as u64,
            None => self.torn + n as u64,
        };
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes complete `lines` to `out`. When a write fails, the part of a
/// line it got through is taken back, so `out` ends at a complete line.
fn write_lines<W: CastSink>(out: &mut W, lines: &[u8]) -> io::Result<()> {
    let mut done = 0;
    while done < lines.len() {
        let error = match out.write(&lines[done..]) {
            Ok(0) => io::Error::new(io::ErrorKind::WriteZero, "the cast's sink took no bytes"),
            Ok(n) => {
                done += n;
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => e,
        };
        let complete = memchr::memrchr(b'\n', &lines[..done]).map_or(0, |i| i + 1);
        return Err(take_back_torn(out, error, (done - complete) as u64));
    }
    Ok(())
}

/// `error`, after the `torn` bytes a failed write left of a line are taken
/// back (the error says so if they could not be).
fn take_back_torn<W: CastSink>(out: &mut W, error: io::Error, torn: u64) -> io::Error {
    if torn == 0 {
        return error;
    }
    match out.take_back(torn) {
        Ok(()) => error,
        Err(e) => io::Error::new(
            error.kind(),
            format!("{error} (and the torn last line could not be cut: {e})"),
        ),
    }
}

/// The rest of an event line after its code: the data (JSON text as it
/// is, or text encoded), then the line's end.
fn write_data(out: &mut (impl Write + ?Sized), data: &Data) -> io::Result<()> {
    match data {
        Data::Json(raw, _) => {
            out.write_all(b"\"")?;
            out.write_all(raw)?;
            out.write_all(b"\"")?;
        }
        Data::Text(text) => serde_json::to_writer(&mut *out, text.as_ref())?,
    }
    out.write_all(b"]\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cast::{Mode, Options, scan};

    /// A disk with `room` bytes left, that may get more later.
    struct FullDisk {
        data: Vec<u8>,
        room: usize,
    }

    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::from(io::ErrorKind::StorageFull));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.data.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl CastSink for FullDisk {
        fn sync(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn take_back(&mut self, bytes: u64) -> io::Result<()> {
            self.data.truncate(self.data.len() - bytes as usize);
            Ok(())
        }
    }

    #[test]
    fn a_full_disk_fails_the_writer_at_a_complete_line_and_nothing_is_written_twice() {
        let policy = FlushPolicy {
            max_buffer: 100,
            ..FlushPolicy::default()
        };
        for room in [0, 1, 30, 57, 200, 333, 1000] {
            let disk = FullDisk {
                data: Vec::new(),
                room,
            };
            let mut w = match CastWriter::create(disk, &Header::new(Version::V2, 80, 24), policy) {
                Ok(w) => w,
                Err(e) => {
                    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
                    continue;
                }
            };
            let mut first_error = None;
            for i in 0..200 {
                let r = w.output(i as f64 * 0.1, format!("line {i}\r\n").as_bytes());
                if let Err(e) = r {
                    first_error.get_or_insert(e.kind());
                    // Space comes back: the writer must still refuse.
                    w.sink_mut().room = usize::MAX;
                }
            }
            assert_eq!(first_error, Some(io::ErrorKind::StorageFull), "room {room}");
            assert!(w.failed.is_some());
            assert!(w.flush().is_err() && w.buf.is_empty());
            let data = std::mem::take(&mut w.sink_mut().data);
            assert!(w.finish(20.0).is_err());
            assert!(
                data.ends_with(b"\n"),
                "room {room}: ends at a complete line"
            );
            let text = String::from_utf8(data).unwrap();
            let lines: Vec<&str> = text.lines().skip(1).collect();
            for (i, line) in lines.iter().enumerate() {
                assert!(
                    line.contains(&format!("\"line {i}\\r\\n\"")),
                    "room {room}: {line}"
                );
            }
            assert!(
                scan(
                    text.as_bytes(),
                    &Options {
                        mode: Mode::Full,
                        ..Default::default()
                    }
                )
                .is_valid()
            );
        }
    }

    /// Data larger than the buffer goes straight to the sink, giving the
    /// bytes the buffered path gives; a full disk takes the torn line back.
    #[test]
    fn data_larger_than_the_buffer_is_written_through_and_taken_back_whole() {
        let policy = FlushPolicy {
            max_buffer: 100,
            ..FlushPolicy::default()
        };
        let big = "x\u{e9}\"\n".repeat(100);
        let raw = serde_json::to_string(&big).unwrap();
        let raw = &raw.as_bytes()[1..raw.len() - 1];
        let events = |w: &mut CastWriter<FullDisk>| -> io::Result<()> {
            w.event_at(1_000, "o", &Data::Text("small".into()))?;
            w.event_at(2_000, "o", &Data::Json(raw, true))?;
            w.event_at(3_000, "o", &Data::Text(big.as_str().into()))?;
            w.event_at(4_000, "o", &Data::Text("after".into()))
        };
        let header = Header::new(Version::V2, 80, 24);
        let disk = |room| FullDisk {
            data: Vec::new(),
            room,
        };
        let mut w = CastWriter::create(disk(usize::MAX), &header, FlushPolicy::default()).unwrap();
        events(&mut w).unwrap();
        let whole = w.finish(5.0).unwrap().data;
        let mut w = CastWriter::create(disk(usize::MAX), &header, policy).unwrap();
        events(&mut w).unwrap();
        assert_eq!(
            w.finish(5.0).unwrap().data,
            whole,
            "the same bytes either way"
        );
        for room in (50..whole.len()).step_by(37) {
            let mut w = CastWriter::create(disk(room), &header, policy).unwrap();
            assert!(events(&mut w).is_err() || w.flush().is_err(), "room {room}");
            let data = &w.sink_mut().data;
            assert!(
                data.ends_with(b"\n"),
                "room {room}: ends at a complete line"
            );
            assert!(
                whole.starts_with(data),
                "room {room}: nothing but whole lines"
            );
        }
    }

    fn write(
        version: Version,
        f: impl FnOnce(&mut CastWriter<&mut Vec<u8>>) -> io::Result<()>,
    ) -> String {
        let mut out = Vec::new();
        let mut w = CastWriter::create(
            &mut out,
            &Header::new(version, 80, 24),
            FlushPolicy::default(),
        )
        .unwrap();
        f(&mut w).unwrap();
        w.finish(9.0).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn v2_absolute_microseconds() {
        let text = write(Version::V2, |w| {
            w.output(0.1234564, b"a\x1b[0m")?;
            w.output(0.05, b"\xE2\x82")?; // split character, and an earlier time
            w.output(0.5, b"\xAC")?;
            w.resize(1.0, 100, 30)
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], r#"{"version":2,"width":80,"height":24}"#);
        assert_eq!(lines[1], r#"[0.123456, "o", "a\u001b[0m"]"#);
        assert_eq!(lines[2], r#"[0.500000, "o", "€"]"#);
        assert_eq!(lines[3], r#"[1.000000, "r", "100x30"]"#);
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn v3_intervals_diffuse_rounding() {
        let text = write(Version::V3, |w| {
            for i in 1..=3 {
                w.output(i as f64 * 0.0004, b"x")?;
            }
            w.output(1.0, b"\xF0\x9D")?;
            w.exit(1.0, 0)
        });
        let lines: Vec<&str> = text.lines().collect();
        // 0.4 ms rounds to 0, 0.8 ms to 1 ms, 1.2 ms to 0 more: the sum tracks.
        assert_eq!(
            &lines[1..4],
            [
                r#"[0.000, "o", "x"]"#,
                r#"[0.001, "o", "x"]"#,
                r#"[0.000, "o", "x"]"#
            ]
        );
        assert_eq!(lines[4], r#"[0.999, "x", "0"]"#);
        assert_eq!(lines[5], r#"[8.000, "o", "�"]"#);
    }

    #[test]
    fn output_always_validates() {
        for version in [Version::V2, Version::V3] {
            let text = write(version, |w| {
                w.output(0.1, b"\x00\x01\x7f\"\\\xff")?;
                w.marker(0.2, "chapter \u{1F600}")?;
                w.input(0.3, b"ls\r")
            });
            let s = scan(
                text.as_bytes(),
                &Options {
                    mode: Mode::Full,
                    ..Options::default()
                },
            );
            assert!(
                s.is_valid() && s.findings.warnings == 0,
                "{text}\n{:?}",
                s.findings
            );
        }
    }
}
