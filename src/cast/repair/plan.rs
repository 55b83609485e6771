//! What a repair will do: cut at the tail, rewrite, or nothing; and whether
//! a torn last event can be salvaged.

use super::super::event::Verdict;
use super::super::json;
use super::super::scan::{Body, Partial};
use super::RepairMode;

pub(super) enum PlanKind {
    Nothing,
    /// Cut the file at `at` and write `append` after it.
    Truncate {
        at: usize,
        append: Vec<u8>,
    },
    /// Rewrite the file, keeping nothing from `limit` on.
    Rewrite {
        limit: usize,
    },
}

pub(super) struct Plan {
    pub(super) kind: PlanKind,
    pub(super) salvage: Option<Salvage>,
}

/// A torn last line closed into a complete event.
pub(super) struct Salvage {
    /// How many bytes of the torn line survive.
    pub(super) kept: usize,
    /// The complete line, newline included.
    pub(super) line: Vec<u8>,
}

pub(super) fn plan(bytes: &[u8], body: &Body, mode: RepairMode, salvage_partial: bool) -> Plan {
    let l = &body.layout;
    let salvage = (salvage_partial && body.partial == Partial::Torn)
        .then(|| salvage(bytes, body))
        .flatten();
    let partial = &bytes[l.partial.clone()];
    // What the last line becomes, if it is kept: (cut point, bytes after it).
    let last_line: Option<(usize, Vec<u8>)> = match (body.partial, &salvage) {
        (Partial::Complete(v), _) if v.is_kept() => Some((l.partial.end, b"\n".to_vec())),
        (Partial::Complete(Verdict::Fix { .. }), _) => {
            let mut fixed = Vec::new();
            body.checker
                .repair_line(partial, b"\n", &mut body.clock.clone(), &mut fixed);
            Some((l.partial.start, fixed.concat()))
        }
        (Partial::Torn, Some(s)) => Some((l.partial.start + s.kept, s.line[s.kept..].to_vec())),
        _ => None,
    };
    let damaged_body = body.damaged_before_tail(last_line.is_some());
    let kind = match (mode, body.first_edit) {
        (RepairMode::PointInTime, Some(cut)) if l.bom => PlanKind::Rewrite { limit: cut },
        (RepairMode::PointInTime, Some(cut)) => PlanKind::Truncate {
            at: cut,
            append: Vec::new(),
        },
        _ if damaged_body => PlanKind::Rewrite { limit: bytes.len() },
        _ => match last_line {
            Some((at, append)) => PlanKind::Truncate { at, append },
            None if l.header_unterminated() && l.body_start == l.partial.end => {
                PlanKind::Truncate {
                    at: l.header.end,
                    append: b"\n".to_vec(),
                }
            }
            None if body.keep_end == bytes.len() => PlanKind::Nothing,
            None => PlanKind::Truncate {
                at: body.keep_end,
                append: Vec::new(),
            },
        },
    };
    let salvage = match &kind {
        PlanKind::Truncate { at, .. } if *at < l.partial.start => None,
        PlanKind::Rewrite { limit } if *limit <= l.partial.start => None,
        _ => salvage,
    };
    Plan { kind, salvage }
}

/// The torn last line closed into a complete `o`/`i` event, if its time is
/// valid and some of its text survived.
pub(super) fn salvage(bytes: &[u8], body: &Body) -> Option<Salvage> {
    let partial = &bytes[body.layout.partial.clone()];
    let (kept, close) = json::salvage_point(partial)?;
    let line = [&partial[..kept], close].concat();
    let ev = json::parse_event(&line).ok()?;
    let worth_it = matches!(ev.code.text().as_ref(), "o" | "i") && !ev.data.raw.is_empty();
    let verdict = body
        .checker
        .check(&line, &mut body.clock.clone(), &mut |_| {});
    if !worth_it || !verdict.is_kept() {
        return None;
    }
    Some(Salvage {
        kept,
        line: [&line[..], b"\n"].concat(),
    })
}

/// Complete lines (and a torn line) removed by a cut at `at`.
pub(super) fn dropped_in_tail(bytes: &[u8], body: &Body, at: usize, salvaged: bool) -> u64 {
    let l = &body.layout;
    let complete =
        memchr::memchr_iter(b'\n', &bytes[at.min(l.body_end)..l.body_end]).count() as u64;
    complete + u64::from(body.partial == Partial::Torn && !salvaged && at <= l.partial.start)
}
