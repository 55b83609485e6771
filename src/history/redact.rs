//! Masking secrets in a recording: every match of the patterns in what the
//! output (`o`) and the input (`i`) streams write is replaced by `*` of the
//! same display width, so the screens play the same with the secret gone.
//! So is every match in the header's text (title, command, environment,
//! terminal type and version, tags, fields the format does not define) and
//! in the data of markers and events of codes tvmux does not know; resize
//! (`r`) and exit (`x`) data is a size and a status, never text.
//!
//! Matching runs over each stream's text with escape sequences left out, so
//! a secret split across events (a password echoed one key per event) or
//! across an escape sequence (a colour change in the middle) is found. Each
//! event keeps its place, time and escape sequences; only the characters of
//! a match change. Events no match touches are copied as written.

use std::collections::VecDeque;
use std::ops::Range;

use regex::Regex;
use unicode_width::UnicodeWidthChar;

use serde_json::{Map, Value};

use crate::cast::{Data, Event, Flow, Header, Micros};
use crate::edit::{EditError, Input, Output};

/// The longest stretch of text a match may span, in bytes: text further
/// back than this is written out.
const REACH: usize = 4096;
/// How much new text is gathered before it is searched.
const BATCH: usize = 64 << 10;

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
    escape: Escape,
    /// The stream offsets of its visible text (empty: none).
    span: Range<usize>,
    /// A marker's or another free-text event's data, masked, if a match
    /// touched it.
    masked: Option<String>,
}

/// One stream's text with escape sequences left out, from `base` on.
#[derive(Default)]
struct Stream {
    /// The text kept: what a match may still reach, and what is new.
    window: String,
    /// The stream offset of `window`'s first byte.
    base: usize,
    /// Stream offset up to which matches are final.
    settled: usize,
    /// Stream offset up to which the text has been searched.
    searched: usize,
    /// Masked stretches, as stream offsets, with their pattern.
    masks: Vec<Range<usize>>,
    /// Where an escape sequence cut by an event boundary stands.
    escape: Escape,
}

/// Where the escape-sequence parser stands between events.
#[derive(Default, Clone, Copy, PartialEq)]
enum Escape {
    #[default]
    Text,
    /// After ESC.
    Esc,
    /// In a CSI sequence (`ESC [` … final byte).
    Csi,
    /// In a string (OSC, DCS…): its text is kept, up to BEL or ST.
    Str,
    /// After ESC inside a string (ST is `ESC \`).
    StrEsc,
}

struct Masker<'p, 'a> {
    patterns: &'p [Regex],
    streams: [Stream; 2],
    pending: VecDeque<Pending<'a>>,
}

impl<'p, 'a> Masker<'p, 'a> {
    fn new(patterns: &'p [Regex]) -> Self {
        Masker {
            patterns,
            streams: Default::default(),
            pending: VecDeque::new(),
        }
    }

    /// Takes an event: its text joins its stream; a marker's or other
    /// free text is masked on its own.
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
        let mut escape = Escape::Text;
        let mut span = 0..0;
        if let Some(s) = stream {
            let st = &mut self.streams[s];
            escape = st.escape;
            let start = st.base + st.window.len();
            let text = event.data.text();
            let mut run_start: Option<usize> = None;
            for (at, c) in text.char_indices() {
                let visible = step(&mut st.escape, c);
                match (visible, run_start) {
                    (true, None) => run_start = Some(at),
                    (false, Some(from)) => {
                        st.window.push_str(&text[from..at]);
                        run_start = None;
                    }
                    _ => {}
                }
            }
            if let Some(from) = run_start {
                st.window.push_str(&text[from..]);
            }
            span = start..st.base + st.window.len();
        }
        self.pending.push_back(Pending {
            event,
            stream,
            escape,
            span,
            masked,
        });
    }

    /// Searches what is due and hands back, in order, the events no match
    /// can reach any more, each with its masked text if a match touched it.
    fn ready(
        &mut self,
        all: bool,
        found: &mut dyn FnMut(&Redaction),
    ) -> Vec<(Pending<'a>, Option<String>)> {
        let mut searched = false;
        for s in 0..2 {
            let end = self.streams[s].base + self.streams[s].window.len();
            if all || end - self.streams[s].searched >= BATCH {
                self.search(s, all, found);
                searched = true;
            }
        }
        if !searched {
            // Nothing settled: no event can have become ready.
            return Vec::new();
        }
        let mut out = Vec::new();
        while let Some(front) = self.pending.front() {
            let reachable = !front.span.is_empty()
                && front.span.end
                    > self.streams[front.stream.expect("text is in a stream")].settled;
            if reachable && !all {
                break;
            }
            let mut p = self.pending.pop_front().expect("a front");
            let masked = match p.stream {
                Some(s) => mask(&p, &self.streams[s].masks),
                None => p.masked.take(),
            };
            out.push((p, masked));
        }
        for st in &mut self.streams {
            // Text before what may still be searched is no longer needed.
            let keep_from = st.settled.min(st.searched.saturating_sub(REACH));
            let first_pending = self
                .pending
                .iter()
                .filter(|p| !p.span.is_empty())
                .map(|p| p.span.start)
                .min()
                .unwrap_or(usize::MAX);
            let cut = keep_from.min(first_pending).max(st.base);
            let drop = floor_char(&st.window, cut - st.base);
            st.window.drain(..drop);
            st.base += drop;
            st.masks.retain(|m| m.end > st.base);
        }
        out
    }

    /// Finds matches in stream `s` from `REACH` before what was searched;
    /// matches starting in the last `REACH` bytes wait for more text unless
    /// `all`.
    fn search(&mut self, s: usize, all: bool, found: &mut dyn FnMut(&Redaction)) {
        let st = &mut self.streams[s];
        let end = st.base + st.window.len();
        let from = floor_char(
            &st.window,
            st.searched.saturating_sub(REACH).max(st.base) - st.base,
        );
        let limit = if all { end } else { end.saturating_sub(REACH) };
        let mut hits: Vec<(Range<usize>, usize)> = Vec::new();
        for (n, re) in self.patterns.iter().enumerate() {
            for m in re.find_iter(&st.window[from..]) {
                let range = st.base + from + m.start()..st.base + from + m.end();
                if range.start >= st.settled && range.start < limit && !range.is_empty() {
                    hits.push((range, n));
                }
            }
        }
        hits.sort_by_key(|h| h.0.start);
        // Hits come in order, so the masks (sorted, the new ones after the
        // old) and the pending events are walked once, not once a hit.
        let mut reach = Reach::default();
        let mut event = 0;
        for (range, n) in hits {
            if reach.at(&st.masks, range.start) >= range.end {
                // Inside a match already masked.
                continue;
            }
            let text = &st.window[range.start - st.base..range.end - st.base];
            while self
                .pending
                .get(event)
                .is_some_and(|p| p.stream != Some(s) || p.span.end <= range.start)
            {
                event += 1;
            }
            let time = self
                .pending
                .get(event)
                .filter(|p| p.span.contains(&range.start))
                .map_or(0, |p| p.event.time);
            found(&Redaction {
                place: Place::Event {
                    time,
                    code: if s == 0 { "o" } else { "i" }.into(),
                },
                pattern: n,
                chars: text.chars().count(),
            });
            st.masks.push(range);
        }
        st.masks.sort_by_key(|m| m.start);
        st.searched = end;
        st.settled = st.settled.max(limit);
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

/// `text` with every match of `patterns` replaced by `*` of its display
/// width (`None`: no match); `found` is told each match (pattern, chars).
/// Linear in the matches, as the streams' search is ([`Reach`]).
fn mask_text(
    text: &str,
    patterns: &[Regex],
    mut found: impl FnMut(usize, usize),
) -> Option<String> {
    let mut hits: Vec<(Range<usize>, usize)> = Vec::new();
    for (n, re) in patterns.iter().enumerate() {
        hits.extend(
            re.find_iter(text)
                .filter(|m| !m.is_empty())
                .map(|m| (m.range(), n)),
        );
    }
    if hits.is_empty() {
        return None;
    }
    hits.sort_by_key(|h| h.0.start);
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
        if reach.at(&masks, at) > at && !c.is_control() {
            out.extend(std::iter::repeat_n('*', c.width().unwrap_or(0)));
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Advances the escape parser over `c`: whether `c` is text a viewer sees.
fn step(state: &mut Escape, c: char) -> bool {
    use Escape::*;
    let (next, visible) = match (*state, c) {
        (Text, '\x1b') => (Esc, false),
        (Text, _) => (Text, true),
        (Esc, '[') => (Csi, false),
        (Esc, ']' | 'P' | 'X' | '^' | '_') => (Str, false),
        // Intermediate bytes (`ESC ( B`): still in the escape.
        (Esc, ' '..='/') => (Esc, false),
        (Esc, _) => (Text, false),
        (Csi, '@'..='~') => (Text, false),
        (Csi, _) => (Csi, false),
        (Str, '\x07') => (Text, false),
        (Str, '\x1b') => (StrEsc, false),
        (Str, _) => (Str, true),
        (StrEsc, '\\') => (Text, false),
        (StrEsc, _) => (Str, false),
    };
    *state = next;
    visible
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

/// The largest char boundary of `s` at or below `at`.
fn floor_char(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `p`'s text with the masked characters replaced by `*` of their width;
/// `None` when no mask touches it.
fn mask(p: &Pending<'_>, masks: &[Range<usize>]) -> Option<String> {
    let touched = |r: &Range<usize>| r.start < p.span.end && p.span.start < r.end;
    if p.span.is_empty() || !masks.iter().any(touched) {
        return None;
    }
    // Walk the text again, as `push` did, to find each character's place in
    // the stream.
    let text = p.event.data.text();
    let mut out = String::with_capacity(text.len());
    let mut escape = p.escape;
    let mut at = p.span.start;
    let mut reach = Reach::default();
    for c in text.chars() {
        if !step(&mut escape, c) {
            out.push(c);
            continue;
        }
        let hidden = reach.at(masks, at) > at;
        at += c.len_utf8();
        // Controls (a newline inside a match) stay: the layout is kept.
        if hidden && !c.is_control() {
            out.extend(std::iter::repeat_n('*', c.width().unwrap_or(0)));
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_not_text_but_string_payloads_are() {
        let mut state = Escape::Text;
        let visible: String = "a\x1b[31mb\x1b]0;title\x07c\x1b(Bd"
            .chars()
            .filter(|&c| step(&mut state, c))
            .collect();
        // A string's payload is searched whole (a secret in a window title).
        assert_eq!(visible, "ab0;titlecd");
    }
}
