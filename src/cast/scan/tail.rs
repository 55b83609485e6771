//! The end of a body, which both checks look at: the unterminated last
//! piece (a torn event, completed or cut by repair) and a run of NUL bytes.

use super::{Partial, Scan};
use crate::cast::event::{Checker, Clock, Verdict};
use crate::cast::finding::{Issue, Kind};
use crate::cast::layout::Layout;

/// What follows the last newline.
pub(super) struct Tail<'a> {
    /// The unterminated piece before any NUL run.
    pub line: &'a [u8],
    /// Where it starts in the file.
    pub start: u64,
    /// The NUL bytes that end the file.
    pub nuls: u64,
    /// The header line and its offset, when it is all there is and has no newline.
    pub bare_header: Option<(&'a [u8], u64)>,
}

impl<'a> Tail<'a> {
    /// The tail of a whole cast held in `bytes`.
    pub fn of(bytes: &'a [u8], layout: &Layout) -> Tail<'a> {
        let bare = layout.header_unterminated() && layout.body_start == layout.body_end;
        Tail {
            line: &bytes[layout.partial.clone()],
            start: layout.partial.start as u64,
            nuls: layout.nul_tail.len() as u64,
            bare_header: bare.then(|| (&bytes[layout.header.clone()], layout.header.start as u64)),
        }
    }
}

/// Reports the unterminated last piece and the NUL run, if any.
pub(super) fn check_tail(
    tail: &Tail,
    checker: Checker,
    clock: Clock,
    line_no: Option<u64>,
    scan: &mut Scan,
) -> Partial {
    let mut partial = Partial::None;
    let (line, start) = (tail.line, tail.start);
    if !line.is_empty() {
        let mut issues = Vec::new();
        let verdict = checker.check(line, &mut clock.clone(), &mut |i| issues.push(i));
        if verdict == Verdict::Drop {
            partial = Partial::Torn;
            let first = issues
                .into_iter()
                .find(|i| i.severity == crate::cast::finding::Severity::Error);
            let (at, why) = first.map_or((0, String::new()), |i| (i.at, i.message));
            let issue = Issue::error(
                at,
                Kind::TornLine,
                format!("torn last line (no newline; {why})"),
            );
            scan.findings.push(issue.locate(line, line_no, start));
        } else {
            partial = Partial::Complete(verdict);
            for issue in issues {
                scan.findings.push(issue.locate(line, line_no, start));
            }
            let issue = Issue::warning(
                line.len(),
                Kind::MissingFinalNewline,
                "missing final newline",
            );
            scan.findings.push(issue.locate(line, line_no, start));
        }
    } else if let Some((header_line, header_start)) = tail.bare_header {
        let issue = Issue::warning(
            header_line.len(),
            Kind::MissingFinalNewline,
            "missing final newline",
        );
        scan.findings
            .push(issue.locate(header_line, Some(1), header_start));
    }
    if tail.nuls > 0 {
        let n = tail.nuls;
        let issue = Issue::error(
            line.len(),
            Kind::NulTail,
            format!(
                "{n} NUL byte{} at the end of the file (data lost in a crash)",
                if n == 1 { "" } else { "s" }
            ),
        );
        scan.findings.push(issue.locate(line, line_no, start));
    }
    partial
}
