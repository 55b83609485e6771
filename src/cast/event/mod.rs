//! The cast rules for one line after the header: what it is, what is wrong
//! with it, and what repair should do with it.
//!
//! "Valid" means what the players read: asciinema 3.2 (which reads v2 and v3
//! through serde) and asciinema 2.4 (which reads v2 line by line in Python's
//! universal-newline text mode). Each rule's message names the player it
//! protects; docs/GUIDE.md lists them all.

mod rewrite;
mod time;

use rewrite::pieces;

use crate::cast::finding::{Issue, Kind};
use crate::cast::json::{self, RawEvent, SyntaxError};
use crate::cast::size::Size;
use crate::cast::version::{Rules, Version};

/// What to do with a line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// A valid event (perhaps with warnings) and its time: keep as is.
    Event(f64),
    /// A comment, or an allowed empty line: keep as is.
    Keep,
    /// Complete events that a player cannot read as written (time going
    /// backwards or out of range, an escaped code, a lone CR, several events
    /// on one line): repair rewrites them ([`Checker::repair_line`]).
    Fix {
        /// How many events the line holds.
        events: u32,
    },
    /// Not an event: repair moves it to the side file.
    Drop,
}

impl Verdict {
    /// The line stays exactly as it is.
    pub fn is_kept(self) -> bool {
        matches!(self, Verdict::Event(_) | Verdict::Keep)
    }

    /// The line's events survive repair (as they are, or rewritten).
    pub fn survives(self) -> bool {
        self != Verdict::Drop
    }

    /// How many events the line holds (after repair).
    pub fn events(self) -> u64 {
        match self {
            Verdict::Event(_) => 1,
            Verdict::Fix { events } => events.into(),
            _ => 0,
        }
    }
}

/// The time state carried from line to line: for v2, the latest time so far.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Clock {
    /// The latest time so far (v2); `None` before the first event.
    pub latest: Option<f64>,
}

impl Clock {
    /// The later of two clocks (for joining chunks checked apart).
    pub fn max(self, other: Clock) -> Clock {
        match (self.latest, other.latest) {
            (Some(a), Some(b)) => Clock {
                latest: Some(a.max(b)),
            },
            (a, b) => Clock { latest: a.or(b) },
        }
    }
}

/// Checks lines of a v2 or v3 body.
#[derive(Debug, Clone, Copy)]
pub struct Checker {
    /// The version whose rules apply.
    pub version: Version,
    rules: &'static Rules,
}

impl Checker {
    /// The rules of `version` (2 or 3; v1 files have no event lines).
    pub fn new(version: Version) -> Self {
        Self {
            version,
            rules: version.rules(),
        }
    }

    /// Times count from the start and may not go backwards (v2), so a
    /// chunk's clock depends on the chunks before it.
    pub fn absolute_times(&self) -> bool {
        self.rules.absolute_times
    }

    /// Checks one line (without its `\n`), advancing the clock and reporting
    /// issues to `note`.
    #[inline]
    pub fn check(&self, line: &[u8], clock: &mut Clock, note: &mut impl FnMut(Issue)) -> Verdict {
        self.check_in(line, false, clock, note)
    }

    /// [`Checker::check`] for a line already known to be valid UTF-8.
    #[inline]
    pub fn check_in(
        &self,
        line: &[u8],
        utf8_checked: bool,
        clock: &mut Clock,
        note: &mut impl FnMut(Issue),
    ) -> Verdict {
        match json::parse_event_in(line, utf8_checked) {
            Ok(event) => self.check_event(line, &event, clock, note),
            Err(e) => self.check_non_event(line, e, clock, note),
        }
    }

    /// The cast rules for a line the caller already parsed as an event.
    #[inline]
    pub fn check_event(
        &self,
        line: &[u8],
        ev: &RawEvent,
        clock: &mut Clock,
        note: &mut impl FnMut(Issue),
    ) -> Verdict {
        // The common case: a plain one-byte code, nothing unusual.
        if !ev.code.escaped && !ev.lone_cr && matches!(ev.code.raw, b"o" | b"i" | b"m") {
            if line.last() == Some(&b'\r') {
                crlf(line, note);
            }
            return self.check_time(ev, clock, note);
        }
        self.check_unusual_event(line, ev, clock, note)
    }

    #[cold]
    fn check_unusual_event(
        &self,
        line: &[u8],
        ev: &RawEvent,
        clock: &mut Clock,
        note: &mut impl FnMut(Issue),
    ) -> Verdict {
        if line.last() == Some(&b'\r') {
            crlf(line, note);
        }
        // None: longer than any code a reader knows.
        let code = ev.code.short_text();
        let code_at = ev.time_span.end;
        let mut fix = false;
        if ev.code.raw.is_empty() {
            note(Issue::error(
                code_at,
                Kind::EmptyCode,
                "empty event code (asciinema 3.2: \"missing event code\")",
            ));
            return Verdict::Drop;
        }
        if ev.code.escaped {
            let writable = !ev
                .code
                .pieces()
                .any(|p| p.chars().any(|c| c < ' ' || c == '"' || c == '\\'));
            note(Issue::error(
                code_at,
                Kind::EscapedCode,
                format!(
                    "event code {} is written with escapes (asciinema 3.2 cannot read it{})",
                    ev.code.quoted(),
                    if writable {
                        ""
                    } else {
                        "; nor can it be written without them"
                    }
                ),
            ));
            if !writable {
                return Verdict::Drop;
            }
            fix = true;
        }
        if ev.lone_cr {
            let at = lone_cr_at(line).unwrap_or(0);
            // Only 2.4 splits lines there.
            if self.rules.read_by_2_4 {
                note(Issue::error(
                    at,
                    Kind::LoneCr,
                    "carriage return inside the line (asciinema 2.4 reads it as a line break)",
                ));
                fix = true;
            } else {
                note(Issue::warning(
                    at,
                    Kind::LoneCr,
                    "carriage return inside the line (readers that split lines at CR, as asciinema 2.4 does for v2, would break it)",
                ));
            }
        }
        match code.as_deref().unwrap_or_default() {
            "o" | "i" | "m" => {}
            "r" => {
                if ev
                    .data
                    .short_text()
                    .as_deref()
                    .and_then(Size::parse)
                    .is_none()
                {
                    note(Issue::error(
                        data_offset(line, ev),
                        Kind::BadResize,
                        format!(
                            "resize data must be COLSxROWS with both from 1 to 65535 (asciinema 3.2 reads them as 16-bit), not {}",
                            ev.data.quoted()
                        ),
                    ));
                    return Verdict::Drop;
                }
            }
            "x" if self.rules.exit_events => {
                if !self
                    .version
                    .holds("x", || ev.data.short_text().unwrap_or_default())
                {
                    note(Issue::error(
                        data_offset(line, ev),
                        Kind::BadExitStatus,
                        format!(
                            "exit status must be an integer (asciinema 3.2 cannot read it), not {}",
                            ev.data.quoted()
                        ),
                    ));
                    return Verdict::Drop;
                }
            }
            _ => note(Issue::warning(
                code_at,
                Kind::UnknownCode,
                format!("unknown event code {} (passed through)", ev.code.quoted()),
            )),
        }
        match self.check_time(ev, clock, note) {
            Verdict::Event(_) if fix => Verdict::Fix { events: 1 },
            verdict => verdict,
        }
    }

    #[cold]
    fn check_non_event(
        &self,
        line: &[u8],
        e: json::LineError,
        clock: &mut Clock,
        note: &mut impl FnMut(Issue),
    ) -> Verdict {
        // 3.2 drops one `\r` before the newline; 2.4 reads `\r\n` as `\n`.
        let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
        if trimmed.is_empty() {
            return if self.rules.empty_lines {
                note(Issue::warning(0, Kind::BlankLine, "empty line"));
                Verdict::Keep
            } else {
                note(Issue::error(
                    0,
                    Kind::BlankLine,
                    "empty line (asciinema 2.4 stops playing here)",
                ));
                Verdict::Drop
            };
        }
        if trimmed.iter().all(|b| b.is_ascii_whitespace()) {
            note(Issue::error(
                0,
                Kind::BlankLine,
                "line of only whitespace (asciinema 3.2 cannot read it; only a truly empty line is skipped)",
            ));
            return Verdict::Drop;
        }
        if self.rules.comments && line.first() == Some(&b'#') {
            // A comment is any text: 3.2 skips lines that start with `#`.
            return match std::str::from_utf8(line) {
                Ok(_) => Verdict::Keep,
                Err(u) => {
                    note(Issue::error(
                        u.valid_up_to(),
                        Kind::InvalidUtf8,
                        "comment is not valid UTF-8",
                    ));
                    Verdict::Drop
                }
            };
        }
        if let Some(verdict) = self.check_split(line, clock, note as &mut dyn FnMut(Issue)) {
            return verdict;
        }
        let kind = if line.get(e.at) == Some(&0) {
            Kind::NulBytes
        } else if e.error == SyntaxError::InvalidUtf8 {
            Kind::InvalidUtf8
        } else {
            Kind::InvalidJson
        };
        let message = if kind == Kind::NulBytes {
            "NUL bytes (typical of a crash before data reached the disk)"
        } else {
            e.error.message()
        };
        note(Issue::error(e.at, kind, message));
        Verdict::Drop
    }

    /// A line that asciinema 2.4 reads as several events because lone CRs
    /// split it: a fix when every piece is an event (or empty).
    /// Not generic over `note`: it calls [`Checker::check`] again, which
    /// would otherwise instantiate itself without end.
    fn check_split(
        &self,
        line: &[u8],
        clock: &mut Clock,
        note: &mut dyn FnMut(Issue),
    ) -> Option<Verdict> {
        let at = lone_cr_at(line)?;
        let mut trial = *clock;
        let mut events = 0;
        let mut issues = Vec::new();
        for (offset, piece) in pieces(line) {
            let mut collect = |i: Issue| {
                issues.push(Issue {
                    at: i.at + offset,
                    ..i
                })
            };
            let mut collect: &mut dyn FnMut(Issue) = &mut collect;
            match self.check(piece, &mut trial, &mut collect) {
                Verdict::Drop => return None,
                verdict => events += verdict.events() as u32,
            }
        }
        if events < 2 {
            return None;
        }
        note(Issue::error(
            at,
            Kind::LoneCr,
            format!(
                "{events} events on one line separated by a carriage return (asciinema 2.4 plays them; 3.2 cannot read the line)"
            ),
        ));
        issues.into_iter().for_each(note);
        *clock = trial;
        Some(Verdict::Fix { events })
    }
}

fn crlf(line: &[u8], note: &mut impl FnMut(Issue)) {
    note(Issue::warning(
        line.len() - 1,
        Kind::CrlfLineEnding,
        "CRLF line ending",
    ));
}

/// Where the first carriage return that does not end the line is.
pub(super) fn lone_cr_at(line: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'\r', line).find(|&i| i + 1 < line.len())
}

fn data_offset(line: &[u8], ev: &RawEvent) -> usize {
    (ev.data.raw.as_ptr() as usize).saturating_sub(line.as_ptr() as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn run(version: Version, lines: &[&str]) -> (Vec<Verdict>, Vec<Issue>) {
        let checker = Checker::new(version);
        let mut clock = Clock::default();
        let mut issues = Vec::new();
        let verdicts = lines
            .iter()
            .map(|l| checker.check(l.as_bytes(), &mut clock, &mut |i| issues.push(i)))
            .collect();
        (verdicts, issues)
    }

    pub(super) fn kinds(issues: &[Issue]) -> Vec<Kind> {
        issues.iter().map(|i| i.kind).collect()
    }

    /// What repair writes for these lines, one after the other.
    pub(super) fn repaired(version: Version, lines: &[&str]) -> String {
        let checker = Checker::new(version);
        let mut clock = Clock::default();
        let mut out = Vec::new();
        for line in lines {
            checker.repair_line(line.as_bytes(), b"\n", &mut clock, &mut out);
        }
        String::from_utf8(out.concat()).unwrap()
    }

    pub(super) const FIX: Verdict = Verdict::Fix { events: 1 };

    #[test]
    fn codes_must_be_plain_and_not_empty() {
        let (v, issues) = run(
            Version::V2,
            &[
                r#"[1, "\u006f", "a"]"#,
                r#"[1, "\/o", "a"]"#,
                r#"[1, "", "a"]"#,
            ],
        );
        assert_eq!(v, [FIX, FIX, Verdict::Drop]);
        assert_eq!(
            kinds(&issues),
            [
                Kind::EscapedCode,
                Kind::EscapedCode,
                Kind::UnknownCode,
                Kind::EmptyCode
            ]
        );
        assert_eq!(
            repaired(
                Version::V2,
                &[r#"[1, "\u006f", "a\u001b"]"#, r#"[1, "\/o", "a"]"#]
            ),
            "[1, \"o\", \"a\\u001b\"]\n[1, \"/o\", \"a\"]\n"
        );
        // A code that cannot be written without escapes cannot be fixed.
        let (v, _) = run(Version::V2, &[r#"[1, "\n", "a"]"#]);
        assert_eq!(v, [Verdict::Drop]);
    }

    #[test]
    fn resize_and_exit_data_must_be_what_3_2_reads() {
        let (v, issues) = run(
            Version::V2,
            &[
                r#"[1, "r", "80x24"]"#,
                r#"[1, "r", "65535x65535"]"#,
                r#"[1, "r", "70000x24"]"#,
                r#"[1, "r", "65536x1"]"#,
                r#"[1, "r", "80x"]"#,
                r#"[1, "x", "boom"]"#,
            ],
        );
        assert_eq!(
            v,
            [
                Verdict::Event(1.0),
                Verdict::Event(1.0),
                Verdict::Drop,
                Verdict::Drop,
                Verdict::Drop,
                Verdict::Event(1.0)
            ]
        );
        assert_eq!(
            kinds(&issues),
            [
                Kind::BadResize,
                Kind::BadResize,
                Kind::BadResize,
                Kind::UnknownCode
            ]
        );
        let (v, issues) = run(
            Version::V3,
            &[
                r#"[1, "x", "0"]"#,
                r#"[1, "x", "-3"]"#,
                r#"[1, "x", "1.5"]"#,
            ],
        );
        assert_eq!(v, [Verdict::Event(1.0), Verdict::Event(1.0), Verdict::Drop]);
        assert_eq!(kinds(&issues), [Kind::BadExitStatus]);
        assert_eq!(issues[0].severity, super::super::Severity::Error);
    }

    #[test]
    fn a_lone_cr_is_only_a_warning_in_v3() {
        let (v, issues) = run(Version::V3, &["[0.1,\r\"o\", \"a\"]"]);
        assert_eq!(v, [Verdict::Event(0.1)]);
        assert_eq!(issues[0].severity, super::super::Severity::Warning);
    }

    #[test]
    fn a_lone_cr_is_removed_or_splits_the_line() {
        let (v, issues) = run(
            Version::V2,
            &["[0.1,\r\"o\", \"a\"]", "[0.1, \"o\", \"a\"]\r"],
        );
        assert_eq!(v, [FIX, Verdict::Event(0.1)]);
        assert_eq!(kinds(&issues), [Kind::LoneCr, Kind::CrlfLineEnding]);
        assert_eq!(
            repaired(Version::V2, &["[0.1,\r\"o\", \"a\"]"]),
            "[0.1, \"o\", \"a\"]\n"
        );
        let split = "[0.1,\"o\",\"a\"]\r[0.2,\"o\",\"b\"]\r\r[0.15,\"o\",\"c\"]";
        let (v, issues) = run(Version::V2, &[split]);
        assert_eq!(v, [Verdict::Fix { events: 3 }]);
        assert_eq!(kinds(&issues), [Kind::LoneCr, Kind::TimeBackwards]);
        assert_eq!(
            repaired(Version::V2, &[split]),
            "[0.1,\"o\",\"a\"]\n[0.2,\"o\",\"b\"]\n[0.2, \"o\", \"c\"]\n"
        );
        // Pieces that are not all events: the line is not a cast line.
        let (v, _) = run(Version::V2, &["[0.1,\"o\",\"a\"]\rjunk"]);
        assert_eq!(v, [Verdict::Drop]);
    }

    #[test]
    fn comments_blank_lines_and_damage() {
        let (v, issues) = run(
            Version::V3,
            &["# a comment", "# with \0 NUL", "", "\r", "  ", "\0\0\0"],
        );
        assert_eq!(
            v,
            [
                Verdict::Keep,
                Verdict::Keep,
                Verdict::Keep,
                Verdict::Keep,
                Verdict::Drop,
                Verdict::Drop
            ]
        );
        assert_eq!(
            kinds(&issues),
            [
                Kind::BlankLine,
                Kind::BlankLine,
                Kind::BlankLine,
                Kind::NulBytes
            ]
        );
        assert_eq!(issues[2].severity, super::super::Severity::Error);
        let (v, issues) = run(Version::V2, &["# not in v2", ""]);
        assert_eq!(v, [Verdict::Drop, Verdict::Drop]);
        assert_eq!(kinds(&issues), [Kind::InvalidJson, Kind::BlankLine]);
    }
}
