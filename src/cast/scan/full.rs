//! The full check: every line, in chunks checked in parallel, the v2 clock
//! carried from each chunk to the next.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::tail::{Tail, check_tail};
use super::{Body, Chunk, Options, Partial, Scan};
use crate::cast::event::{Checker, Clock, Verdict};
use crate::cast::finding::{Findings, Issue};
use crate::cast::json;
use crate::cast::layout::{self, Layout};

pub(super) struct ChunkScan {
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
    // The line after the header's newline (the header is line 1).
    let mut joined = Joined::new(
        if layout.header_unterminated() { 1 } else { 2 },
        layout.body_start,
        checker,
        limit,
    );
    for (range, result) in ranges.into_iter().zip(results) {
        joined.add(bytes, range, result, &mut scan.findings);
    }
    let tail = Tail::of(bytes, &layout);
    joined.finish(&tail, scan);
    Body {
        layout,
        checker,
        keep_end: joined.keep_end,
        first_edit: joined.first_edit,
        partial: joined.partial,
        clock: joined.clock,
        chunks: joined.chunks,
        window_exhausted: false,
        header_fix: false,
    }
}

/// The body's chunks joined in order: the v2 clock carried (a chunk whose
/// first event is older than what came before is checked again with the
/// clock before it), the lines numbered, the counts added up.
pub(super) struct Joined {
    checker: Checker,
    limit: usize,
    pub(super) clock: Clock,
    /// The number of the next line.
    line_no: u64,
    events: u64,
    pub(super) keep_end: usize,
    pub(super) first_edit: Option<usize>,
    pub(super) chunks: Vec<Chunk>,
    pub(super) partial: Partial,
}

impl Joined {
    /// Nothing joined yet: the body's first line is number `line_no` and
    /// starts at `body_start`.
    pub(super) fn new(line_no: u64, body_start: usize, checker: Checker, limit: usize) -> Self {
        Joined {
            checker,
            limit,
            clock: Clock::default(),
            line_no,
            events: 0,
            keep_end: body_start,
            first_edit: None,
            chunks: Vec::new(),
            partial: Partial::None,
        }
    }

    /// Checks `bytes[range]` (complete lines) with the clock that comes before it.
    pub(super) fn check(&mut self, bytes: &[u8], range: Range<usize>, findings: &mut Findings) {
        let result = check_chunk(bytes, range.clone(), self.checker, self.clock, self.limit);
        self.add(bytes, range, result, findings);
    }

    /// Adds the next chunk, `result` its check on its own.
    pub(super) fn add(
        &mut self,
        bytes: &[u8],
        range: Range<usize>,
        mut result: ChunkScan,
        findings: &mut Findings,
    ) {
        let clock = self.clock;
        let older = matches!((clock.latest, result.first_time), (Some(m), Some(t)) if t < m);
        if self.checker.absolute_times() && older {
            result = check_chunk(bytes, range.clone(), self.checker, clock, self.limit);
        }
        self.chunks.push(Chunk {
            range,
            clock_in: clock,
            edited: result.first_edit.is_some(),
        });
        self.clock = clock.max(result.clock_out);
        let mut found = result.findings;
        for f in &mut found.list {
            f.line = f.line.map(|l| l + self.line_no);
        }
        findings.extend(found);
        self.line_no += result.lines;
        self.events += result.events;
        self.keep_end = result.keep_end.unwrap_or(self.keep_end);
        self.first_edit = self.first_edit.or(result.first_edit);
    }

    /// Checks the tail and sets the counts of `scan`.
    pub(super) fn finish(&mut self, tail: &Tail, scan: &mut Scan) {
        let partial = check_tail(tail, self.checker, self.clock, Some(self.line_no), scan);
        let unterminated = !tail.line.is_empty() || tail.nuls > 0 || tail.bare_header.is_some();
        scan.lines = Some(self.line_no - 1 + u64::from(unterminated));
        scan.events = Some(
            self.events
                + match partial {
                    Partial::Complete(v) => v.events(),
                    _ => 0,
                },
        );
        self.partial = partial;
    }
}
