//! What repair writes for a line: the line as it was, its events rewritten
//! so every player reads them, or nothing.

use std::borrow::Cow;

use super::{Checker, Clock, Verdict};
use crate::cast::json;

/// What repair writes for some lines, in parts: borrowed from the lines
/// where they are kept as they are (a huge event is never copied whole).
pub type Parts<'l> = Vec<Cow<'l, [u8]>>;

impl Checker {
    /// Checks `line` like [`Checker::check`] and appends to `out` what repair
    /// keeps of it: the line itself (with `ending`) when it is kept, its
    /// events rewritten so every player reads them when it needs a fix,
    /// nothing when it is dropped.
    pub fn repair_line<'l>(
        &self,
        line: &'l [u8],
        ending: &'l [u8],
        clock: &mut Clock,
        out: &mut Parts<'l>,
    ) -> Verdict {
        let before = *clock;
        let verdict = self.check(line, clock, &mut |_| {});
        match verdict {
            Verdict::Event(_) | Verdict::Keep => {
                out.push(Cow::Borrowed(line));
                out.push(Cow::Borrowed(ending));
            }
            Verdict::Drop => {}
            Verdict::Fix { .. } => {
                let mut clock = before;
                if json::parse_event(line).is_ok() {
                    self.rewrite_event(line, &mut clock, out);
                } else {
                    // Events split by lone CRs: each piece on its own line.
                    for (_, piece) in pieces(line) {
                        self.repair_line(piece.trim_ascii(), b"\n", &mut clock, out);
                    }
                }
            }
        }
        verdict
    }

    /// Writes one complete event as `[time, "code", "data"]`: the time token
    /// kept unless the time must change, the code unescaped, the data's JSON
    /// text byte for byte, no stray whitespace.
    fn rewrite_event<'l>(&self, line: &'l [u8], clock: &mut Clock, out: &mut Parts<'l>) {
        let ev = json::parse_event(line).expect("a fixed line is a complete event");
        let floor = self.floor(clock);
        let time = self.playable_time(ev.time, floor);
        if self.rules.absolute_times {
            clock.latest = Some(time.unwrap_or(floor));
        }
        let mut head = vec![b'['];
        match time {
            Some(_) => head.extend_from_slice(&line[ev.time_span.clone()]),
            // The shortest decimal that reads back as the same number; never
            // in exponent notation (the floor is a played time, below 2^64).
            None => head.extend_from_slice(format!("{floor}").as_bytes()),
        }
        head.extend_from_slice(b", ");
        serde_json::to_writer(&mut head, ev.code.text().as_ref()).expect("writing to a Vec");
        head.extend_from_slice(b", \"");
        out.push(Cow::Owned(head));
        out.push(Cow::Borrowed(ev.data.raw));
        out.push(Cow::Borrowed(b"\"]\n"));
    }
}

/// The pieces of a line between lone carriage returns, with their offsets;
/// pieces of only whitespace are left out.
pub(super) fn pieces(line: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = line.strip_suffix(b"\r").unwrap_or(line);
    let mut start = 0;
    body.split(|&b| b == b'\r')
        .map(move |piece| {
            let offset = start;
            start += piece.len() + 1;
            (offset, piece)
        })
        .filter(|(_, piece)| !piece.trim_ascii().is_empty())
}
