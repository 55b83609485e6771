//! Checking a whole cast held in memory (a mapped file): the header here,
//! then the quick check of the tail (`quick.rs`) or the full parallel check
//! of every line (`full.rs`).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::cast::event::{self, Checker, Clock, Verdict};
use crate::cast::finding::{Findings, Issue, Kind};
use crate::cast::header::{self, FirstLine, Header, Version};
use crate::cast::layout::Layout;
use crate::cast::v1;

mod full;
mod quick;
mod stream;
mod tail;

use full::full;
pub use quick::QUICK_WINDOW_LINES;
use quick::quick;
pub(crate) use stream::first_line_refused;
pub use stream::scan_stream;

/// Work unit of the parallel check: small enough to balance two cores and
/// stay cache friendly, large enough that scheduling costs nothing.
const CHUNK: usize = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
/// How much of a cast is checked.
pub enum Mode {
    /// Header and tail only: time independent of file size.
    Quick,
    /// Every line, in parallel.
    Full,
}

/// How to check a cast.
pub struct Options<'a> {
    /// Quick (header and tail) or full (every line).
    pub mode: Mode,
    /// At most this many errors (and as many warnings) are kept per file.
    pub max_findings: usize,
    /// Called with the number of bytes checked so far (full mode).
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Bytes per unit of parallel work (full mode); tests make it tiny.
    pub chunk_size: usize,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            mode: Mode::Full,
            max_findings: 20,
            progress: None,
            chunk_size: CHUNK,
        }
    }
}

/// The result of checking one cast.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Which check ran.
    pub mode: Mode,
    /// The version, when the first line says it.
    pub version: Option<Version>,
    /// The header, when it could be read.
    pub header: Option<Header>,
    /// What was found.
    pub findings: Findings,
    /// Lines and events in the file, when they were counted.
    pub lines: Option<u64>,
    /// Events in the file, when they were counted.
    pub events: Option<u64>,
    /// For a v2/v3 file with a readable header: what repair needs.
    pub body: Option<Body>,
}

impl Scan {
    /// No errors (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.findings.errors == 0
    }
}

/// The state of the unterminated piece at the end of the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Partial {
    /// The file ends with a newline.
    None,
    /// A complete event that only lacks its newline.
    Complete(Verdict),
    /// A last line that is not a complete event.
    Torn,
}

/// Where a v2/v3 file's lines stand, for repair.
#[derive(Debug, Clone)]
pub struct Body {
    /// Where header, lines, torn line and NUL run are.
    pub layout: Layout,
    /// The rules of the file's version.
    pub checker: Checker,
    /// Just past the last complete line that is kept (or the header).
    pub keep_end: usize,
    /// The first complete line that is not kept as it is (dropped or clamped).
    pub first_edit: Option<usize>,
    /// The unterminated piece at the end.
    pub partial: Partial,
    /// The clock after the last complete line (full mode), for the partial line.
    pub clock: Clock,
    /// Full mode: the pieces the body was checked in, for rewriting.
    pub chunks: Vec<Chunk>,
    /// Quick mode looked back as far as it may without finding a valid line.
    pub window_exhausted: bool,
    /// The header line must be rewritten (it holds a lone carriage return).
    pub header_fix: bool,
}

impl Body {
    /// Damage that a cut at the tail cannot fix: a byte order mark, or a
    /// line dropped or clamped before a line that is kept. `last_kept`: the
    /// unterminated last line is kept too (complete, or salvaged).
    pub fn damaged_before_tail(&self, last_kept: bool) -> bool {
        let kept_end = if last_kept {
            self.layout.body_end
        } else {
            self.keep_end
        };
        self.layout.bom || self.header_fix || self.first_edit.is_some_and(|e| e < kept_end)
    }
}

/// One piece of the body as checked: how to resume checking it on its own.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub range: Range<usize>,
    pub clock_in: Clock,
    /// Some line in it is dropped or clamped.
    pub edited: bool,
}

/// Checks a cast held in `bytes`.
pub fn scan(bytes: &[u8], opts: &Options) -> Scan {
    let mut scan = Scan {
        mode: opts.mode,
        version: None,
        header: None,
        findings: Findings::new(opts.max_findings),
        lines: None,
        events: None,
        body: None,
    };
    let refused = match bytes.first() {
        None => Some(Issue::error(0, Kind::Empty, "empty file: not an asciicast")),
        // A file preallocated and never written, or garbage: no header
        // begins so (a stream is refused as soon as it shows this).
        Some(0) => Some(Issue::error(
            0,
            Kind::NotACast,
            "not an asciicast file: it begins with NUL bytes",
        )),
        Some(_) => None,
    };
    if let Some(issue) = refused {
        scan.findings.push(issue.locate(b"", Some(1), 0));
        return scan;
    }
    let layout = Layout::of(bytes);
    let header_line = &bytes[layout.header.clone()];
    let header_issue =
        |issue: Issue| issue.locate(header_line, Some(1), layout.header.start as u64);
    if layout.bom {
        let issue = Issue::error(
            0,
            Kind::ByteOrderMark,
            "UTF-8 byte order mark before the header",
        );
        scan.findings.push(issue.locate(b"", Some(1), 0));
    }
    let (map, version) = match header::sniff(header_line) {
        Ok(FirstLine::Object(map, version)) => (map, version),
        // A pretty-printed v1 file spans lines; a one-line fragment is a torn header.
        Ok(FirstLine::Incomplete) if !layout.header_unterminated() => {
            (Default::default(), Version::V1)
        }
        Ok(FirstLine::Incomplete) => {
            let issue = Issue::error(
                header_line.len(),
                Kind::BadHeader,
                "the header is incomplete: the file ends inside its first line",
            );
            scan.findings.push(header_issue(issue));
            return scan;
        }
        Err(issue) => {
            scan.findings.push(header_issue(issue));
            return scan;
        }
    };
    scan.version = Some(version);
    if version == Version::V1 {
        let whole = &bytes[layout.header.start..];
        if let Some((header, events)) = v1::check(whole, &mut scan.findings) {
            scan.header = Some(header);
            scan.events = Some(events);
        }
        return scan;
    }
    let parsed = match header::parse(header_line, map, version) {
        Ok(parsed) => parsed,
        Err(issue) => {
            scan.findings.push(header_issue(issue));
            return scan;
        }
    };
    for w in parsed.warnings {
        scan.findings.push(header_issue(w));
    }
    scan.header = Some(parsed.header);
    if header_line.last() == Some(&b'\r') {
        let issue = Issue::warning(
            header_line.len() - 1,
            Kind::CrlfLineEnding,
            "CRLF line ending",
        );
        scan.findings.push(header_issue(issue));
    }
    // Only asciinema 2.4 splits lines at a lone CR.
    let header_cr = event::lone_cr_at(header_line).filter(|_| version.rules().read_by_2_4);
    if let Some(at) = header_cr {
        let issue = Issue::error(
            at,
            Kind::LoneCr,
            "carriage return inside the header (asciinema 2.4 reads it as a line break)",
        );
        scan.findings.push(header_issue(issue));
    }
    let checker = Checker::new(version);
    let mut body = match opts.mode {
        Mode::Full => full(bytes, layout, checker, opts, &mut scan),
        Mode::Quick => quick(bytes, layout, checker, &mut scan),
    };
    body.header_fix = header_cr.is_some();
    scan.body = Some(body);
    scan.findings.sort();
    scan
}

/// Facts about one chunk, checked on its own.
#[cfg(test)]
mod tests {
    use super::*;

    const H2: &str = "{\"version\": 2, \"width\": 80, \"height\": 24}\n";

    fn run(text: &[u8], mode: Mode) -> Scan {
        scan(
            text,
            &Options {
                mode,
                max_findings: 100,
                progress: None,
                ..Default::default()
            },
        )
    }

    fn kinds(s: &Scan) -> Vec<(Option<u64>, Kind)> {
        s.findings.list.iter().map(|f| (f.line, f.kind)).collect()
    }

    #[test]
    fn valid_file() {
        let text = format!("{H2}[0.1, \"o\", \"a\"]\n[0.2, \"o\", \"b\"]\n");
        for mode in [Mode::Quick, Mode::Full] {
            let s = run(text.as_bytes(), mode);
            assert!(s.is_valid(), "{:?}", s.findings);
            assert_eq!(s.lines, Some(3));
        }
        assert_eq!(run(text.as_bytes(), Mode::Full).events, Some(2));
    }

    #[test]
    fn torn_tail_with_nuls() {
        let text = format!("{H2}[0.1, \"o\", \"a\"]\n[0.2, \"o\", \"b\0\0\0");
        for mode in [Mode::Quick, Mode::Full] {
            let s = run(text.as_bytes(), mode);
            assert_eq!(
                kinds(&s),
                [(Some(3), Kind::TornLine), (Some(3), Kind::NulTail)]
            );
            let body = s.body.unwrap();
            assert_eq!(body.partial, Partial::Torn);
            assert_eq!(body.keep_end, H2.len() + 16);
            assert!(!body.damaged_before_tail(false));
        }
    }

    #[test]
    fn mid_file_damage_is_found_only_by_full() {
        let text =
            format!("{H2}[0.1, \"o\", \"a\"]\ngarbage\n[0.2, \"o\", \"b\"]\n[0.3, \"o\", \"c\"]\n");
        assert!(run(text.as_bytes(), Mode::Quick).is_valid());
        let s = run(text.as_bytes(), Mode::Full);
        assert_eq!(kinds(&s), [(Some(3), Kind::InvalidJson)]);
        assert_eq!(s.findings.list[0].column, 1);
        assert!(s.body.unwrap().damaged_before_tail(false));
    }

    #[test]
    fn backwards_times_across_chunks() {
        // Force many chunks by making lines long enough to cross CHUNK.
        let long = "x".repeat(1 << 20);
        let mut text = H2.to_string();
        for t in [1.0, 2.0, 3.0, 4.0, 5.0, 1.5, 6.0] {
            text.push_str(&format!("[{t}, \"o\", \"{long}\"]\n"));
        }
        let s = run(text.as_bytes(), Mode::Full);
        assert_eq!(kinds(&s), [(Some(7), Kind::TimeBackwards)]);
        assert!(s.body.unwrap().chunks.len() > 1);
    }

    #[test]
    fn header_problems_stop_the_scan() {
        let s = run(b"not a cast\n[1, \"o\", \"a\"]\n", Mode::Full);
        assert_eq!(kinds(&s), [(Some(1), Kind::NotACast)]);
        assert!(s.body.is_none());
        let s = run(b"", Mode::Quick);
        assert_eq!(kinds(&s), [(Some(1), Kind::Empty)]);
        let s = run(format!("\u{feff}{H2}").as_bytes(), Mode::Full);
        assert_eq!(kinds(&s), [(Some(1), Kind::ByteOrderMark)]);
    }

    #[test]
    fn quick_sees_a_time_going_backwards_at_the_end() {
        let text = format!("{H2}[0.1, \"o\", \"a\"]\n[1, \"o\", \"b\"]\n[0.5, \"o\", \"c\"]\n");
        for mode in [Mode::Quick, Mode::Full] {
            let s = run(text.as_bytes(), mode);
            assert_eq!(kinds(&s), [(Some(4), Kind::TimeBackwards)], "{mode:?}");
            let body = s.body.unwrap();
            // The fixed line survives: repair must rewrite it, not cut it.
            assert_eq!(body.keep_end, text.len());
            assert!(body.damaged_before_tail(false));
        }
        // Without its newline: the same rule.
        let torn = &text[..text.len() - 1];
        for mode in [Mode::Quick, Mode::Full] {
            let s = run(torn.as_bytes(), mode);
            assert!(
                kinds(&s).contains(&(Some(4), Kind::TimeBackwards)),
                "{mode:?}"
            );
        }
    }

    #[test]
    fn quick_reports_trailing_garbage_lines() {
        let text = format!("{H2}[0.1, \"o\", \"a\"]\nxx\nyy\n");
        let quick = run(text.as_bytes(), Mode::Quick);
        let full = run(text.as_bytes(), Mode::Full);
        assert_eq!(kinds(&quick), kinds(&full));
        assert_eq!(
            kinds(&full),
            [(Some(3), Kind::InvalidJson), (Some(4), Kind::InvalidJson)]
        );
    }
}
