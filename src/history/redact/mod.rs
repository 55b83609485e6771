//! Masking secrets in a recording: every match of the patterns in what the
//! output (`o`) and the input (`i`) streams write is replaced by `*` of the
//! same display width, so the screens play the same with the secret gone.
//! So is every match in the header's text (title, command, environment,
//! terminal type and version, tags, fields the format does not define) and
//! in the data of markers and events of codes tvmux does not know; resize
//! (`r`) and exit (`x`) data is a size and a status, never text.
//!
//! Matching runs over what each stream showed, line by line ([`lines`]):
//! a secret split across events (a password echoed one key per event),
//! across a colour change, or typed with a correction is found; text the
//! screen never showed whole is not. Each event keeps its place, time and
//! escape sequences; only the characters that showed a match change. An
//! event is written once no later state of a line can hold its characters;
//! events no match touches are copied as written.

use std::collections::{BTreeSet, VecDeque};
use std::ops::Range;

use regex::Regex;
use unicode_width::UnicodeWidthChar;

use serde_json::{Map, Value};

mod lines;

use crate::cast::{Data, Event, Flow, Header, Micros};
use crate::edit::{EditError, Input, Output};
use lines::{Cell, EscapeState, StreamLines};

/// One secret found.
#[derive(Debug, Clone, PartialEq)]
pub struct Redaction {
    /// Where it was.
    pub place: Place,
    /// Which pattern matched (0-based).
    pub pattern: usize,
    /// How many characters it covers.
    pub chars: usize,
}

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// A header field, named as in the file (`title`, `env.HOME`,
    /// `term.type`, `tags[1]`).
    Header(String),
    /// An event: when the event holding its first character happened, and
    /// its code (`o`, `i`, `m`, …).
    Event {
        /// When the event happened.
        time: Micros,
        /// Its code.
        code: String,
    },
}

/// Writes `input` to `output` (none: a dry run) with every match of
/// `patterns` masked; calls `found` with each match, in order; returns how
/// many events changed.
pub fn redact(
    input: &Input,
    patterns: &[Regex],
    output: Option<Output>,
    mut found: impl FnMut(&Redaction),
) -> Result<u64, EditError> {
    let events = input.events()?;
    let mut header = crate::edit::edited_header(events.header(), None);
    mask_header(&mut header, patterns, &mut found);
    let mut writer = match output {
        Some(out) => Some(crate::edit::writer(out, &header)?),
        None => None,
    };
    let mut masker = Masker::new(patterns);
    let mut changed = 0;
    let mut flush = |masker: &mut Masker<'_, '_>,
                     all: bool,
                     found: &mut dyn FnMut(&Redaction)|
     -> std::io::Result<()> {
        for (pending, masked) in masker.ready(all, found) {
            changed += u64::from(masked.is_some());
            if let Some(w) = writer.as_mut() {
                let data = match &masked {
                    Some(text) => Data::Text(text.as_str().into()),
                    None => pending.event.data.clone(),
                };
                w.event_at(pending.event.time, &pending.event.code, &data)?;
            }
        }
        Ok(())
    };
    events
        .for_each(|e| {
            masker.push(e, &mut found);
            flush(&mut masker, false, &mut found)?;
            Ok(Flow::Continue(()))
        })
        .map_err(|e| input.error(e))?;
    flush(&mut masker, true, &mut found).map_err(|e| EditError::io(&input.path, e))?;
    if let Some(w) = writer {
        crate::edit::finish(w)?;
    }
    Ok(changed)
}

/// An event waiting until no match can still reach it.
struct Pending<'a> {
    event: Event<'a>,
    /// Which stream its text went to (0: output, 1: input), if any.
    stream: Option<usize>,
    /// The escape parser's state before it, to walk its text again.
    escape: EscapeState,
    /// The stream offsets of its text (empty: none).
    span: Range<usize>,
    /// A marker's or another free-text event's data, masked, if a match
    /// touched it.
    masked: Option<String>,
}

/// One stream: its lines as shown, and the characters masked so far.
struct Stream {
    shown: StreamLines,
    /// The stream offset past the last text character taken.
    end: usize,
    /// The offsets of text characters that showed a match.
    masked: BTreeSet<usize>,
    /// The lines' states shown since the last search, one after another.
    batch: Vec<Cell>,
    /// The batch's text, searched (kept to spare an allocation a batch).
    text: String,
}

/// How many cells of line states are gathered before they are searched: one
/// search a batch, not one a line.
const BATCH: usize = 64 << 10;

/// Ends each line state in a batch, so no match runs from one into the next.
const LINE_END: Cell = Cell::gap('\n');

/// The most events held back while a line still shows their characters
/// (a line whose beginning stays while its end is redrawn for hours):
/// past it, the lines are let go, and memory stays bounded.
const MAX_PENDING: usize = 16 << 10;

struct Masker<'p, 'a> {
    patterns: &'p [Regex],
    streams: [Stream; 2],
    pending: VecDeque<Pending<'a>>,
}

impl<'p, 'a> Masker<'p, 'a> {
    fn new(patterns: &'p [Regex]) -> Self {
        let stream = |typed| Stream {
            shown: StreamLines::new(typed),
            end: 0,
            masked: BTreeSet::new(),
            batch: Vec::new(),
            text: String::new(),
        };
        Masker {
            patterns,
            streams: [stream(false), stream(true)],
            pending: VecDeque::new(),
        }
    }

    /// Takes an event: its text joins its stream's lines, which are
    /// searched at each state they show; a marker's or other free text is
    /// masked on its own.
    fn push(&mut self, event: Event<'a>, found: &mut dyn FnMut(&Redaction)) {
        let stream = match event.code.as_ref() {
            "o" => Some(0),
            "i" => Some(1),
            _ => None,
        };
        let masked = match event.code.as_ref() {
            "o" | "i" | "r" | "x" => None,
            code => mask_text(
                event.data.text().as_ref(),
                self.patterns,
                |pattern, chars| {
                    found(&Redaction {
                        place: Place::Event {
                            time: event.time,
                            code: code.to_string(),
                        },
                        pattern,
                        chars,
                    })
                },
            ),
        };
        let Some(s) = stream else {
            self.pending.push_back(Pending {
                event,
                stream,
                escape: EscapeState::default(),
                span: 0..0,
                masked,
            });
            return;
        };
        let Stream {
            shown, end, batch, ..
        } = &mut self.streams[s];
        let escape = shown.escape();
        let start = *end;
        let mut search = to_batch(batch);
        shown.feed_str(&event.data.text(), end, &mut search);
        // What a player shows after the event.
        shown.settle(&mut search);
        let span = start..*end;
        self.pending.push_back(Pending {
            event,
            stream,
            escape,
            span,
            masked: None,
        });
    }

    /// Hands back, in order, the events no search can reach any more (all
    /// of them when `all`: the recording ended), each with its masked text
    /// if a match touched it.
    fn ready(
        &mut self,
        all: bool,
        found: &mut dyn FnMut(&Redaction),
    ) -> Vec<(Pending<'a>, Option<String>)> {
        if all || self.pending.len() > MAX_PENDING {
            // The recording ended, or a line has held its first characters
            // too long: the lines are searched as they stand and let go.
            self.end_lines();
        } else if self.streams.iter().all(|st| st.batch.len() < BATCH) {
            // Until a batch is searched, no event is known to be final.
            return Vec::new();
        }
        self.search_batches(found);
        let live = [0, 1].map(|s| self.streams[s].shown.first_live().unwrap_or(usize::MAX));
        let mut out = Vec::new();
        while let Some(front) = self.pending.front() {
            let reachable = front
                .stream
                .is_some_and(|s| !front.span.is_empty() && front.span.end > live[s]);
            if reachable && !all {
                break;
            }
            let mut p = self.pending.pop_front().expect("a front");
            let masked = match p.stream {
                Some(s) => mask(&p, &self.streams[s].masked),
                None => p.masked.take(),
            };
            out.push((p, masked));
        }
        for (s, st) in self.streams.iter_mut().enumerate() {
            // Offsets no pending event holds are no longer needed.
            let keep_from = self
                .pending
                .iter()
                .find(|p| p.stream == Some(s))
                .map_or(st.end, |p| p.span.start);
            st.masked = st.masked.split_off(&keep_from);
        }
        out
    }
}

impl Masker<'_, '_> {
    /// Hands both streams' lines, as they stand, to their batches, and
    /// begins them anew.
    fn end_lines(&mut self) {
        for st in &mut self.streams {
            let mut search = to_batch(&mut st.batch);
            st.shown.line.end(&mut search);
            st.shown.string.end(&mut search);
        }
    }

    /// Searches what each stream's lines showed since the last search.
    fn search_batches(&mut self, found: &mut dyn FnMut(&Redaction)) {
        let last = self.pending.back().map_or(0, |p| p.event.time);
        for (s, st) in self.streams.iter_mut().enumerate() {
            let pending = &self.pending;
            let time_of = |offset| time_of(pending, s, offset).unwrap_or(last);
            search_states(
                &st.batch,
                s,
                self.patterns,
                &mut st.masked,
                &mut st.text,
                &time_of,
                found,
            );
            st.batch.clear();
        }
    }
}

/// What a line hands over to be searched: its state, added to `batch`.
fn to_batch(batch: &mut Vec<Cell>) -> impl FnMut(&[Cell]) + '_ {
    |cells| {
        batch.extend_from_slice(cells);
        batch.push(LINE_END);
    }
}

/// When the pending event of stream `s` that holds stream offset `offset`
/// happened.
fn time_of(pending: &VecDeque<Pending<'_>>, s: usize, offset: usize) -> Option<Micros> {
    pending
        .iter()
        .find(|p| p.stream == Some(s) && p.span.contains(&offset))
        .map(|p| p.event.time)
}

/// Searches states of lines of stream `s` (0: output, 1: input), each
/// ended by [`LINE_END`]: each match that shows a character not masked yet
/// masks the characters that wrote its cells, and is told to `found`, at
/// the time (`time_of` its first character's stream offset) of the event
/// that wrote it. A match shown again (the line at a later state) is not
/// counted again.
fn search_states(
    cells: &[Cell],
    s: usize,
    patterns: &[Regex],
    masked: &mut BTreeSet<usize>,
    text: &mut String,
    time_of: &dyn Fn(usize) -> Micros,
    found: &mut dyn FnMut(&Redaction),
) {
    text.clear();
    text.extend(cells.iter().map(|cell| cell.c));
    let hits = hits(text, patterns);
    if hits.is_empty() {
        return;
    }
    // The cell of each character, by its byte in `text`.
    let mut cell_at = Vec::with_capacity(text.len());
    for (i, cell) in cells.iter().enumerate() {
        cell_at.resize(cell_at.len() + cell.c.len_utf8(), i);
    }
    for (range, n) in hits {
        let matched = &text[range.clone()];
        let wrote: Vec<usize> = matched
            .char_indices()
            .filter_map(|(i, _)| cells[cell_at[range.start + i]].source())
            .collect();
        if wrote.iter().all(|at| masked.contains(at)) {
            continue;
        }
        masked.extend(wrote.iter().copied());
        let first = wrote.iter().copied().min().unwrap_or(0);
        found(&Redaction {
            place: Place::Event {
                time: time_of(first),
                code: if s == 0 { "o" } else { "i" }.into(),
            },
            pattern: n,
            chars: matched.chars().count(),
        });
    }
}

/// Masks every match of `patterns` in the header's text, in place, keeping
/// the header valid: sizes, times and the theme's colours are no text, and
/// names (the environment's keys) stay, so no two become one.
fn mask_header(header: &mut Header, patterns: &[Regex], found: &mut dyn FnMut(&Redaction)) {
    let mut fields: Vec<(String, &mut String)> = Vec::new();
    let named = [
        ("title", header.title.as_mut()),
        ("command", header.command.as_mut()),
        ("term.type", header.term_type.as_mut()),
        ("term.version", header.term_version.as_mut()),
    ];
    fields.extend(
        named
            .into_iter()
            .filter_map(|(n, v)| Some((n.to_string(), v?))),
    );
    fields.extend(header.env.iter_mut().map(|(k, v)| (format!("env.{k}"), v)));
    fields.extend(
        header
            .tags
            .iter_mut()
            .enumerate()
            .map(|(i, t)| (format!("tags[{i}]"), t)),
    );
    let mut extra = Vec::new();
    strings_in(&mut header.extra, "", &mut extra);
    fields.extend(extra);
    for (name, text) in fields {
        let masked = mask_text(text, patterns, |pattern, chars| {
            found(&Redaction {
                place: Place::Header(name.clone()),
                pattern,
                chars,
            })
        });
        if let Some(masked) = masked {
            *text = masked;
        }
    }
}

/// Every string among the values of `map`, named by its path.
fn strings_in<'m>(
    map: &'m mut Map<String, Value>,
    prefix: &str,
    out: &mut Vec<(String, &'m mut String)>,
) {
    fn walk<'m>(value: &'m mut Value, name: String, out: &mut Vec<(String, &'m mut String)>) {
        match value {
            Value::String(s) => out.push((name, s)),
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item, format!("{name}[{i}]"), out);
                }
            }
            Value::Object(map) => strings_in(map, &name, out),
            _ => {}
        }
    }
    for (key, value) in map.iter_mut() {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        walk(value, name, out);
    }
}

/// Every non-empty match of `patterns` in `text`: its bytes and the
/// pattern's number, in order of where they begin.
fn hits(text: &str, patterns: &[Regex]) -> Vec<(Range<usize>, usize)> {
    let mut hits: Vec<(Range<usize>, usize)> = Vec::new();
    for (n, re) in patterns.iter().enumerate() {
        hits.extend(
            re.find_iter(text)
                .filter(|m| !m.is_empty())
                .map(|m| (m.range(), n)),
        );
    }
    hits.sort_by_key(|h| h.0.start);
    hits
}

/// `text` with every match of `patterns` replaced by `*` of its display
/// width (`None`: no match); `found` is told each match (pattern, chars).
/// Linear in the matches, as the streams' search is ([`Reach`]).
fn mask_text(
    text: &str,
    patterns: &[Regex],
    mut found: impl FnMut(usize, usize),
) -> Option<String> {
    let hits = hits(text, patterns);
    if hits.is_empty() {
        return None;
    }
    let mut masks: Vec<Range<usize>> = Vec::new();
    let mut reach = Reach::default();
    for (range, n) in hits {
        if reach.at(&masks, range.start) < range.end {
            found(n, text[range.clone()].chars().count());
            masks.push(range);
        }
    }
    let mut reach = Reach::default();
    let mut out = String::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        push_masked(&mut out, c, reach.at(&masks, at) > at);
    }
    Some(out)
}

/// Writes `c`, or `*` of its display width if it is `hidden`; a control
/// character (a newline inside a match) stays, so the layout is kept.
fn push_masked(out: &mut String, c: char, hidden: bool) {
    if hidden && !c.is_control() {
        out.extend(std::iter::repeat_n('*', c.width().unwrap_or(0)));
    } else {
        out.push(c);
    }
}

/// A walk over ranges sorted by start, at positions that never go back:
/// the furthest end among the ranges that start at or before a position
/// (a position is covered when it is below it, a range when it reaches it).
#[derive(Default)]
struct Reach {
    next: usize,
    end: usize,
}

impl Reach {
    fn at(&mut self, ranges: &[Range<usize>], position: usize) -> usize {
        while let Some(r) = ranges.get(self.next).filter(|r| r.start <= position) {
            self.end = self.end.max(r.end);
            self.next += 1;
        }
        self.end
    }
}

/// `p`'s text with the masked characters replaced by `*` of their width;
/// `None` when no mask touches it.
fn mask(p: &Pending<'_>, masked: &BTreeSet<usize>) -> Option<String> {
    if p.span.is_empty() || masked.range(p.span.clone()).next().is_none() {
        return None;
    }
    // Walk the text again, as `push` did, to find each character's place in
    // the stream.
    let text = p.event.data.text();
    let mut out = String::with_capacity(text.len());
    let mut escape = p.escape;
    let mut at = p.span.start;
    for c in text.chars() {
        if !escape.is_text(c) {
            out.push(c);
            continue;
        }
        push_masked(&mut out, c, masked.contains(&at));
        at += c.len_utf8();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line whose beginning stays while its end is redrawn for ever holds
    /// back no more than `MAX_PENDING` events, and a secret on it is still
    /// found once.
    #[test]
    fn a_line_redrawn_for_ever_holds_back_a_bounded_number_of_events() {
        let patterns = [Regex::new("hunter2").unwrap()];
        let mut masker = Masker::new(&patterns);
        let mut found = 0;
        let mut released = 0;
        let event = |n: u64, text: String| Event {
            time: n,
            code: "o".into(),
            data: Data::Text(text.into()),
        };
        let mut most = 0;
        for n in 0..3 * MAX_PENDING as u64 {
            let text = match n {
                0 => "Downloading hunter2: ".to_string(),
                n => format!("\x1b[22G{}%", n % 100),
            };
            masker.push(event(n, text), &mut |_| found += 1);
            released += masker.ready(false, &mut |_| found += 1).len();
            most = most.max(masker.pending.len());
        }
        released += masker.ready(true, &mut |_| found += 1).len();
        assert!(most <= MAX_PENDING + 1, "{most} events held back");
        assert_eq!(released, 3 * MAX_PENDING);
        assert_eq!(found, 1);
    }
}
