//! What repair writes for a line: the line as it was, its events rewritten
//! so every player reads them, or nothing.

use super::{Checker, Clock, Verdict};
use crate::cast::json;

impl Checker {
    /// Checks `line` like [`Checker::check`] and appends to `out` what repair
    /// keeps of it: the line itself (with `ending`) when it is kept, its
    /// events rewritten so every player reads them when it needs a fix,
    /// nothing when it is dropped.
    pub fn repair_line(
        &self,
        line: &[u8],
        ending: &[u8],
        clock: &mut Clock,
        out: &mut Vec<u8>,
    ) -> Verdict {
        let before = *clock;
        let verdict = self.check(line, clock, &mut |_| {});
        match verdict {
            Verdict::Event(_) | Verdict::Keep => {
                out.extend_from_slice(line);
                out.extend_from_slice(ending);
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
    fn rewrite_event(&self, line: &[u8], clock: &mut Clock, out: &mut Vec<u8>) {
        let ev = json::parse_event(line).expect("a fixed line is a complete event");
        let floor = self.floor(clock);
        let time = self.playable_time(ev.time, floor);
        if self.rules.absolute_times {
            clock.latest = Some(time.unwrap_or(floor));
        }
        out.push(b'[');
        match time {
            Some(_) => out.extend_from_slice(&line[ev.time_span.clone()]),
            // The shortest decimal that reads back as the same number; never
            // in exponent notation (the floor is a played time, below 2^64).
            None => out.extend_from_slice(format!("{floor}").as_bytes()),
        }
        out.extend_from_slice(b", ");
        serde_json::to_writer(&mut *out, ev.code.text().as_ref()).expect("writing to a Vec");
        out.extend_from_slice(b", \"");
        out.extend_from_slice(ev.data.raw);
        out.extend_from_slice(b"\"]\n");
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
