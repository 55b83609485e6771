//! The end of a body, which both checks look at: the unterminated last
//! piece (a torn event, completed or cut by repair) and a run of NUL bytes.

use super::{Partial, Scan};
use crate::cast::event::{Checker, Clock, Verdict};
use crate::cast::finding::{Issue, Kind};
use crate::cast::layout::Layout;

/// Reports the unterminated last piece and the NUL run, if any.
pub(super) fn check_tail(
    bytes: &[u8],
    layout: &Layout,
    checker: Checker,
    clock: Clock,
    line_no: Option<u64>,
    scan: &mut Scan,
) -> Partial {
    let mut partial = Partial::None;
    let line = &bytes[layout.partial.clone()];
    let start = layout.partial.start as u64;
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
    } else if layout.header_unterminated() && layout.body_start == layout.body_end {
        let header_line = &bytes[layout.header.clone()];
        let issue = Issue::warning(
            header_line.len(),
            Kind::MissingFinalNewline,
            "missing final newline",
        );
        scan.findings
            .push(issue.locate(header_line, Some(1), layout.header.start as u64));
    }
    if !layout.nul_tail.is_empty() {
        let n = layout.nul_tail.len();
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
