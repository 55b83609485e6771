//! Reading a cast's events in order, whatever its version, with exact
//! times: every event's time is whole microseconds since the start (v2
//! times as written, v3 intervals and v1 delays added up in integers), so
//! tools that edit casts do integer arithmetic and lose nothing.
//!
//! [`Events::open`] checks the header and the tail at once; the reader then
//! checks as it goes, with the same rules as `validate`: a line a
//! player cannot read stops it with an error that says where and why, and
//! that `tvmux repair` fixes; it never guesses.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::ops::ControlFlow;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::event::{Checker, Clock, Verdict};
use super::finding::{Finding, Severity};
use super::header::Header;
use super::json::{self, JsonStr, PIECE};
use super::layout::Layout;
use super::scan::{Mode, Options, scan};
use super::version::Version;

/// Microseconds since the start of a recording.
pub type Micros = u64;

/// Seconds as whole microseconds (negative and non-finite times: 0).
pub fn micros(seconds: f64) -> Micros {
    if seconds.is_finite() && seconds > 0.0 {
        (seconds * 1e6).round() as Micros
    } else {
        0
    }
}

/// One event: its time, code and data.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// When, in microseconds since the start.
    pub time: Micros,
    /// `o`, `i`, `m`, `r`, `x` or a code the format does not define.
    pub code: Cow<'a, str>,
    /// The data.
    pub data: Data<'a>,
}

/// An event's data: as JSON text borrowed from the file (copied to the
/// output as it is, never decoded and encoded again), or as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Data<'a> {
    /// The body of a JSON string, escapes and all, as the file has it.
    Json(&'a [u8], bool),
    /// Decoded text.
    Text(Cow<'a, str>),
}

impl<'a> Data<'a> {
    /// The data as text.
    pub fn text(&self) -> Cow<'a, str> {
        match self {
            Data::Json(..) => self.json().expect("JSON data").text(),
            Data::Text(text) => text.clone(),
        }
    }

    /// Its length as stored (JSON escapes and all, for data kept so): a
    /// measure of the work of playing it.
    pub fn stored_len(&self) -> usize {
        match self {
            Data::Json(raw, _) => raw.len(),
            Data::Text(text) => text.len(),
        }
    }

    /// The data as text in pieces of a bounded size (a huge event is never
    /// decoded whole): see [`JsonStr::pieces`].
    pub fn pieces(&self) -> impl Iterator<Item = Cow<'a, str>> {
        let text = match self {
            Data::Json(..) => None,
            Data::Text(text) => Some(text.clone()),
        };
        self.json()
            .map(JsonStr::pieces)
            .into_iter()
            .flatten()
            .chain(text)
    }

    /// The data as text if it is at most one piece long (a size, a status,
    /// a label), else `None`.
    pub fn short_text(&self) -> Option<Cow<'a, str>> {
        match self {
            Data::Json(..) => self.json().expect("JSON data").short_text(),
            Data::Text(text) => (text.len() <= PIECE).then(|| text.clone()),
        }
    }

    /// The JSON string the data is written as, if it is kept so.
    fn json(&self) -> Option<JsonStr<'a>> {
        match *self {
            Data::Json(raw, escaped) => Some(JsonStr { raw, escaped }),
            Data::Text(_) => None,
        }
    }
}

/// Why a cast's events could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The cast is not valid: the first error found.
    #[error(
        "{place}: {message}{hint}",
        // The quick check of a large file locates its tail by byte.
        place = match .0.line {
            Some(line) => format!("line {line}, column {}", .0.column),
            None => format!("byte {}", .0.offset),
        },
        message = .0.message,
        // Repair mends event lines; it refuses headers (and v1 files, whose
        // findings sit on line 1 too).
        hint = if .0.line != Some(1) { " (`tvmux repair` makes the cast valid)" } else { "" }
    )]
    Invalid(Finding),
    /// What the caller's function returned.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A place between two lines of a v2 or v3 cast, with what reading on from
/// it needs: where the next line begins, its number, the time so far and
/// the checker's clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    /// The byte where the next line begins.
    pub offset: usize,
    /// The next line's number (1-based).
    pub line: u64,
    /// The time of the last event before it.
    pub time: Micros,
    /// The checker's clock there.
    pub clock: Clock,
}

/// What [`Events::for_each`]'s function says after an event.
pub type Flow = ControlFlow<()>;

/// A valid cast's events, to be read in order.
pub struct Events<'a> {
    bytes: &'a [u8],
    header: Header,
}

impl<'a> Events<'a> {
    /// Checks the header and the tail of `bytes` (a whole cast), in time
    /// independent of its size: a torn or NUL-filled end is refused before
    /// anything is read.
    pub fn open(bytes: &'a [u8]) -> Result<Self, ReadError> {
        let quick = scan(
            bytes,
            &Options {
                mode: Mode::Quick,
                ..Options::default()
            },
        );
        if let Some(error) = first_error(&quick.findings.list) {
            return Err(ReadError::Invalid(error));
        }
        let header = quick.header.expect("a valid cast has a header");
        Ok(Events { bytes, header })
    }

    /// The cast's bytes, as read.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The cast's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Calls `each` with every event in order, until it says to stop.
    /// Comments and allowed empty lines are skipped; a line a player cannot
    /// read stops it with [`ReadError::Invalid`] (after `each` has had every
    /// event before it).
    ///
    /// Reading (parsing and checking) runs on a thread of its own, a few
    /// thousand events ahead of `each`, so that an edit's writing and the
    /// reading use two cores; memory stays bounded by those batches.
    pub fn for_each(
        &self,
        mut each: impl FnMut(Event<'a>) -> io::Result<Flow>,
    ) -> Result<(), ReadError> {
        if self.header.version == Version::V1 {
            return read_v1(self.bytes, &mut each);
        }
        self.batched(None, |_| (), &mut |e, ()| each(e))
    }

    /// [`Events::for_each`] from `from` (a place [`Events::for_each_placed`]
    /// gave; none: the first line), giving each event with the place after
    /// it. A v1 cast has no places: it is refused.
    pub fn for_each_placed(
        &self,
        from: Option<&Place>,
        mut each: impl FnMut(Event<'a>, &Place) -> io::Result<Flow>,
    ) -> Result<(), ReadError> {
        if self.header.version == Version::V1 {
            return Err(ReadError::Io(io::Error::other(
                "a v1 cast is one JSON document: it has no places to read on from",
            )));
        }
        if from.is_some_and(|p| p.offset > self.bytes.len()) {
            return Err(ReadError::Io(io::Error::other(
                "a place past the end of the cast",
            )));
        }
        self.batched(from, |p| *p, &mut |e, p: Place| each(e, &p))
    }

    /// The reading of [`Events::for_each`]: `keep` takes what `each` needs
    /// of each event's place.
    fn batched<K: Send>(
        &self,
        from: Option<&Place>,
        keep: impl Fn(&Place) -> K + Send,
        each: &mut impl FnMut(Event<'a>, K) -> io::Result<Flow>,
    ) -> Result<(), ReadError> {
        const BATCH: usize = 4096;
        std::thread::scope(|scope| {
            let (send, batches) = std::sync::mpsc::sync_channel::<Vec<(Event<'a>, K)>>(4);
            let reader = scope.spawn(move || {
                let mut batch = Vec::with_capacity(BATCH);
                let read = self.read(from, |e, place| {
                    batch.push((e, keep(place)));
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if send.send(full).is_err() {
                            // `each` stopped: nothing more is wanted.
                            return Ok(Flow::Break(()));
                        }
                    }
                    Ok(Flow::Continue(()))
                });
                let _ = send.send(batch);
                read
            });
            for batch in batches.iter() {
                for (event, kept) in batch {
                    match each(event, kept) {
                        Ok(Flow::Continue(())) => {}
                        Ok(Flow::Break(())) => return Ok(()),
                        Err(e) => return Err(ReadError::Io(e)),
                    }
                }
            }
            reader.join().expect("the reader does not panic")
        })
    }

    /// The time of the last event (0 if there is none). Times in v1 and v3
    /// are intervals, and v2 clamps a time that goes backwards, so this is
    /// one pass over the events, on this thread.
    pub fn end(&self) -> Result<Micros, ReadError> {
        let mut end = 0;
        let mut last = |e: Event<'a>| {
            end = e.time;
            Ok(Flow::Continue(()))
        };
        if self.header.version == Version::V1 {
            read_v1(self.bytes, &mut last)?;
        } else {
            self.read(None, |e, _| last(e))?;
        }
        Ok(end)
    }

    /// [`Events::for_each_placed`] on this thread, for v2 and v3.
    fn read(
        &self,
        from: Option<&Place>,
        mut each: impl FnMut(Event<'a>, &Place) -> io::Result<Flow>,
    ) -> Result<(), ReadError> {
        let bytes = self.bytes;
        let layout = Layout::of(bytes);
        let checker = Checker::new(self.header.version);
        let absolute = checker.absolute_times();
        let start = Place {
            offset: layout.body_start,
            line: if layout.header_unterminated() { 1 } else { 2 },
            time: 0,
            clock: Clock::default(),
        };
        let Place {
            offset: mut at,
            line: mut line_no,
            mut time,
            mut clock,
        } = from.copied().unwrap_or(start);
        let end = layout.partial.end;
        // One pass over the whole body is far cheaper than one per line;
        // where it fails, each line finds its own fault.
        let utf8_checked = simdutf8::basic::from_utf8(&bytes[at..end]).is_ok();
        while at < end {
            let line_end = memchr::memchr(b'\n', &bytes[at..end]).map_or(end, |i| at + i);
            let line = &bytes[at..line_end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let mut first = None;
            let verdict = match json::parse_event_in(line, utf8_checked) {
                Ok(ev) => {
                    let verdict = checker.check_event(line, &ev, &mut clock, &mut |i| {
                        first.get_or_insert(i);
                    });
                    if let Verdict::Event(t) = verdict {
                        let t = micros(t);
                        time = if absolute { t.max(time) } else { time + t };
                        let event = Event {
                            time,
                            code: ev.code.text(),
                            data: Data::Json(ev.data.raw, ev.data.escaped),
                        };
                        let place = Place {
                            offset: (line_end + 1).min(end),
                            line: line_no + 1,
                            time,
                            clock,
                        };
                        if each(event, &place)?.is_break() {
                            return Ok(());
                        }
                    }
                    verdict
                }
                Err(_) => checker.check(line, &mut clock, &mut |i| {
                    first.get_or_insert(i);
                }),
            };
            if !verdict.is_kept() {
                let issue = first
                    .filter(|i| i.severity == Severity::Error)
                    .expect("a line that is not kept has an error");
                return Err(ReadError::Invalid(issue.locate(
                    line,
                    Some(line_no),
                    at as u64,
                )));
            }
            line_no += 1;
            at = line_end + 1;
        }
        Ok(())
    }
}

fn first_error(findings: &[Finding]) -> Option<Finding> {
    findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .cloned()
}

/// v1: the `stdout` list streamed through serde, delays added up.
fn read_v1<'a>(
    bytes: &'a [u8],
    each: &mut dyn FnMut(Event<'a>) -> io::Result<Flow>,
) -> Result<(), ReadError> {
    // The quick check of a v1 file reads it whole (it is one JSON value), so
    // every event is known to be readable here; only `each` can fail.
    let mut failed = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut each = |event| {
        each(event).map_err(|e| {
            failed = Some(e);
        })
    };
    let read = V1Document { each: &mut each }.deserialize(&mut de);
    match (read, failed) {
        (_, Some(e)) => Err(ReadError::Io(e)),
        (Ok(()), None) => Ok(()),
        (Err(e), None) => Err(ReadError::Io(io::Error::other(e))),
    }
}

/// The caller's function; `Err(())` once it has failed (the error is kept
/// aside) or asked to stop.
type EachEvent<'e, 'a> = &'e mut dyn FnMut(Event<'a>) -> Result<Flow, ()>;

struct V1Document<'e, 'a> {
    each: EachEvent<'e, 'a>,
}

impl<'de, 'a> DeserializeSeed<'de> for V1Document<'_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'a> Visitor<'de> for V1Document<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an asciicast v1 object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "stdout" {
                map.next_value_seed(V1Stdout {
                    each: &mut *self.each,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct V1Stdout<'e, 'a> {
    each: EachEvent<'e, 'a>,
}

impl<'de, 'a> DeserializeSeed<'de> for V1Stdout<'_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 'a> Visitor<'de> for V1Stdout<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of [delay, data] pairs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut time: Micros = 0;
        while let Some((delay, data)) = seq.next_element::<(f64, String)>()? {
            time += micros(delay);
            let flow = (self.each)(Event {
                time,
                code: Cow::Borrowed("o"),
                data: Data::Text(Cow::Owned(data)),
            })
            .map_err(|()| de::Error::custom("stopped"))?;
            if flow.is_break() {
                // Skip the rest of the list unread.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(bytes: &[u8]) -> Vec<(Micros, String, String)> {
        let mut out = Vec::new();
        Events::open(bytes)
            .unwrap()
            .for_each(|e| {
                out.push((e.time, e.code.to_string(), e.data.text().to_string()));
                Ok(Flow::Continue(()))
            })
            .unwrap();
        out
    }

    #[test]
    fn every_version_gives_exact_absolute_times() {
        let v2 = b"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"a\"]\n[1.000001, \"m\", \"x\"]\n";
        let v3 = b"{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}}\n# note\n[0.5, \"o\", \"a\"]\n\n[0.500001, \"m\", \"x\"]\n";
        let v1 = b"{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": [[0.5, \"a\"], [0.500001, \"x\"]]}\n";
        let want = vec![
            (500_000, "o".to_string(), "a".to_string()),
            (1_000_001, "m".to_string(), "x".to_string()),
        ];
        assert_eq!(times(v2), want);
        assert_eq!(times(v3), want);
        assert_eq!(times(v1)[1].0, 1_000_001);
    }

    #[test]
    fn a_bad_line_stops_it_saying_where() {
        let bytes = b"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"a\"]\n[0.2, \"o\", \"b\"]\n[0.7, \"o\", \"c\"]\n";
        let mut seen = 0;
        let err = Events::open(bytes)
            .unwrap()
            .for_each(|_| {
                seen += 1;
                Ok(Flow::Continue(()))
            })
            .unwrap_err();
        let ReadError::Invalid(finding) = err else {
            panic!("{err:?}")
        };
        assert_eq!((finding.line, seen), (Some(3), 1));
        // A torn end is refused before any event.
        let torn =
            b"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"a\"]\n[0.7, \"o\"";
        assert!(Events::open(torn).is_err());
    }
}
