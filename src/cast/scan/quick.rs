//! The quick check: the header and the tail only, in time independent of
//! the file's size.

use super::tail::{Tail, check_tail};
use super::{Body, Chunk, Scan};
use crate::cast::event::{Checker, Clock};
use crate::cast::layout::Layout;

/// The quick check counts lines (for line numbers) only below this size.
const QUICK_COUNT_LIMIT: usize = 16 << 20;
/// How far back the quick check looks for the last valid event.
pub const QUICK_WINDOW_LINES: usize = 4096;
const QUICK_WINDOW_BYTES: usize = 16 << 20;

/// Looks only at the end: the partial line, the NUL run, and the last
/// complete lines back to two events (bounded), checked forward from the
/// earlier one so that a time going backwards at the end is seen. Trusts
/// everything before.
pub(super) fn quick(bytes: &[u8], layout: Layout, checker: Checker, scan: &mut Scan) -> Body {
    let counted = bytes.len() <= QUICK_COUNT_LIMIT;
    let line_at_body_end =
        counted.then(|| 1 + memchr::memchr_iter(b'\n', &bytes[..layout.body_end]).count() as u64);
    // Walk back to the second line that is an event on its own.
    let mut starts = Vec::new();
    let mut events_seen = 0;
    let mut end = layout.body_end;
    let mut window_exhausted = false;
    while end > layout.body_start && events_seen < 2 {
        if starts.len() == QUICK_WINDOW_LINES || layout.body_end - end > QUICK_WINDOW_BYTES {
            window_exhausted = events_seen == 0;
            break;
        }
        let start = memchr::memrchr(b'\n', &bytes[layout.body_start..end - 1])
            .map_or(layout.body_start, |i| layout.body_start + i + 1);
        starts.push(start);
        let alone = checker.check(&bytes[start..end - 1], &mut Clock::default(), &mut |_| {});
        if alone.events() > 0 {
            events_seen += 1;
        }
        end = start;
    }
    let window_start = starts.last().copied().unwrap_or(layout.body_end);
    let mut clock = Clock::default();
    let mut keep_end = window_start;
    let mut first_edit = None;
    for (k, &start) in starts.iter().enumerate().rev() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(layout.body_end, |i| start + i);
        let line = &bytes[start..end];
        let line_no = line_at_body_end.map(|n| n - 1 - k as u64);
        let mut issues = Vec::new();
        let verdict = checker.check(line, &mut clock, &mut |i| issues.push(i));
        for issue in issues {
            scan.findings
                .push(issue.locate(line, line_no, start as u64));
        }
        if verdict.survives() {
            keep_end = end + 1;
        }
        if !verdict.is_kept() {
            first_edit.get_or_insert(start);
        }
    }
    let partial = check_tail(
        &Tail::of(bytes, &layout),
        checker,
        clock,
        line_at_body_end,
        scan,
    );
    if counted {
        scan.lines = line_at_body_end.map(|n| n - 1 + u64::from(layout.has_unterminated_line()));
    }
    let chunks = vec![
        Chunk {
            range: layout.body_start..window_start,
            clock_in: Clock::default(),
            edited: false,
        },
        Chunk {
            range: window_start..layout.body_end,
            clock_in: Clock::default(),
            edited: first_edit.is_some(),
        },
    ];
    Body {
        layout,
        checker,
        keep_end,
        first_edit,
        partial,
        clock,
        chunks,
        window_exhausted,
        header_fix: false,
    }
}
