//! The full check: every line, in chunks checked in parallel, the v2 clock
//! carried from each chunk to the next.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::{Body, Chunk, Options, Partial, Scan, check_tail};
use crate::cast::event::{Checker, Clock, Verdict};
use crate::cast::finding::{Findings, Issue};
use crate::cast::json;
use crate::cast::layout::{self, Layout};

struct ChunkScan {
    lines: u64,
    events: u64,
    findings: Findings,
    first_time: Option<f64>,
    clock_out: Clock,
    keep_end: Option<usize>,
    first_edit: Option<usize>,
}

fn check_chunk(
    bytes: &[u8],
    range: Range<usize>,
    checker: Checker,
    clock_in: Clock,
    limit: usize,
) -> ChunkScan {
    let mut c = ChunkScan {
        lines: 0,
        events: 0,
        findings: Findings::new(limit),
        first_time: None,
        clock_out: clock_in,
        keep_end: None,
        first_edit: None,
    };
    let mut clock = clock_in;
    let utf8_checked = simdutf8::basic::from_utf8(&bytes[range.clone()]).is_ok();
    let mut start = range.start;
    while start < range.end {
        let rest = &bytes[start..range.end];
        let line_index = c.lines;
        c.lines += 1;
        let findings = &mut c.findings;
        let mut note = |line: &[u8], issue: Issue| {
            if findings.wants(issue.severity) {
                // Line numbers are made absolute once all chunks are counted.
                findings
                    .list
                    .push(issue.locate(line, Some(line_index), start as u64));
            }
        };
        // Fast path: a well-formed event parsed straight from the chunk.
        let fast = if utf8_checked {
            json::parse_event_at(rest)
        } else {
            None
        };
        let (len, verdict) = match fast {
            Some((event, len)) => {
                let line = &rest[..len];
                (
                    len,
                    checker.check_event(line, &event, &mut clock, &mut |i| note(line, i)),
                )
            }
            None => {
                let len = memchr::memchr(b'\n', rest).expect("chunks end with a newline");
                let line = &rest[..len];
                (
                    len,
                    checker.check_in(line, utf8_checked, &mut clock, &mut |i| note(line, i)),
                )
            }
        };
        match verdict {
            Verdict::Event(time) => {
                c.events += 1;
                c.first_time.get_or_insert(time);
                c.keep_end = Some(start + len + 1);
            }
            Verdict::Keep => c.keep_end = Some(start + len + 1),
            Verdict::Fix { events } => {
                // A fix in the first event of a chunk may depend on the clock
                // before it (a v2 time going backwards): older than anything,
                // so the chunk is re-checked with the clock that comes before.
                c.events += u64::from(events);
                c.first_time.get_or_insert(f64::NEG_INFINITY);
                c.first_edit.get_or_insert(start);
                c.keep_end = Some(start + len + 1);
            }
            Verdict::Drop => {
                c.first_edit.get_or_insert(start);
            }
        }
        start += len + 1;
    }
    c.clock_out = clock;
    c
}

pub(super) fn full(
    bytes: &[u8],
    layout: Layout,
    checker: Checker,
    opts: &Options,
    scan: &mut Scan,
) -> Body {
    let ranges =
        layout::split_at_newlines(bytes, layout.body_start..layout.body_end, opts.chunk_size);
    let done = AtomicU64::new(0);
    let limit = opts.max_findings;
    let results: Vec<ChunkScan> = ranges
        .par_iter()
        .map(|r| {
            let c = check_chunk(bytes, r.clone(), checker, Clock::default(), limit);
            if let Some(progress) = opts.progress {
                progress(done.fetch_add(r.len() as u64, Ordering::Relaxed) + r.len() as u64);
            }
            c
        })
        .collect();
    // Join the chunks in order: carry the v2 clock (re-checking a chunk whose
    // first event is older than what came before) and number the lines.
    let mut clock = Clock::default();
    // The line after the header's newline (the header is line 1).
    let mut line_no = if layout.header_unterminated() { 1 } else { 2 };
    let mut events = 0;
    let mut keep_end = layout.body_start;
    let mut first_edit = None;
    let mut chunks = Vec::with_capacity(ranges.len());
    for (range, mut result) in ranges.into_iter().zip(results) {
        let older = matches!((clock.latest, result.first_time), (Some(m), Some(t)) if t < m);
        if checker.absolute_times() && older {
            result = check_chunk(bytes, range.clone(), checker, clock, limit);
        }
        chunks.push(Chunk {
            range,
            clock_in: clock,
            edited: result.first_edit.is_some(),
        });
        clock = clock.max(result.clock_out);
        let mut found = result.findings;
        for f in &mut found.list {
            f.line = f.line.map(|l| l + line_no);
        }
        scan.findings.extend(found);
        line_no += result.lines;
        events += result.events;
        keep_end = result.keep_end.unwrap_or(keep_end);
        first_edit = first_edit.or(result.first_edit);
    }
    let partial = check_tail(bytes, &layout, checker, clock, Some(line_no), scan);
    scan.lines = Some(line_no - 1 + u64::from(layout.has_unterminated_line()));
    scan.events = Some(
        events
            + match partial {
                Partial::Complete(v) => v.events(),
                _ => 0,
            },
    );
    Body {
        layout,
        checker,
        keep_end,
        first_edit,
        partial,
        clock,
        chunks,
        window_exhausted: false,
        header_fix: false,
    }
}
