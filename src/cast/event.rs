//! The cast rules for one line after the header: what it is, what is wrong
//! with it, and what repair should do with it.

use super::finding::{Issue, Kind};
use super::header::Version;
use super::json::{self, RawEvent, SyntaxError};

/// What to do with a line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// A valid event (perhaps with warnings) and its time: keep as is.
    Event(f64),
    /// A comment, or an allowed blank line: keep as is.
    Keep,
    /// A complete event whose time must be raised to this value (v2 time
    /// going backwards, or a negative time/interval).
    Clamp(f64),
    /// Not an event: repair moves it to the side file.
    Drop,
}

/// The time state carried from line to line: for v2, the latest time so far.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Clock {
    pub latest: Option<f64>,
}

impl Clock {
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
    pub version: Version,
}

impl Verdict {
    /// The line stays exactly as it is.
    pub fn is_kept(self) -> bool {
        matches!(self, Verdict::Event(_) | Verdict::Keep)
    }
}

impl Checker {
    pub fn new(version: Version) -> Self {
        Self { version }
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
            Err(e) => self.check_non_event(line, e, note),
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
        if line.last() == Some(&b'\r') {
            note(Issue::warning(
                line.len() - 1,
                Kind::CrlfLineEnding,
                "CRLF line ending",
            ));
        }
        // The common codes are plain one-byte strings: no decoding needed.
        let plain = (!ev.code.escaped).then_some(ev.code.raw);
        if let Some(b"o" | b"i" | b"m") = plain {
            return self.check_time(ev, clock, note);
        }
        let code = ev.code.text();
        match (code.as_ref(), self.version) {
            ("o" | "i" | "m", _) => {}
            ("r", _) => {
                if !is_size(&ev.data.text()) {
                    note(Issue::error(
                        data_offset(line, ev),
                        Kind::BadResize,
                        format!("resize data must be COLSxROWS, not {:?}", ev.data.text()),
                    ));
                    return Verdict::Drop;
                }
            }
            ("x", Version::V3) => {
                if ev.data.text().parse::<i32>().is_err() {
                    note(Issue::warning(
                        data_offset(line, ev),
                        Kind::BadExitStatus,
                        format!("exit status should be an integer, not {:?}", ev.data.text()),
                    ));
                }
            }
            (other, _) => note(Issue::warning(
                ev.time_span.end,
                Kind::UnknownCode,
                format!("unknown event code {other:?} (passed through)"),
            )),
        }
        self.check_time(ev, clock, note)
    }

    #[inline]
    fn check_time(
        &self,
        ev: &RawEvent,
        clock: &mut Clock,
        note: &mut impl FnMut(Issue),
    ) -> Verdict {
        let floor = match self.version {
            Version::V2 => clock.latest.unwrap_or(0.0).max(0.0),
            _ => 0.0,
        };
        let verdict = if ev.time >= floor {
            Verdict::Event(ev.time)
        } else {
            let (kind, message) = match (self.version, ev.time < 0.0) {
                (Version::V2, false) => (
                    Kind::TimeBackwards,
                    format!("time goes backwards: {} after {}", ev.time, floor),
                ),
                (Version::V2, true) => (Kind::NegativeTime, format!("negative time {}", ev.time)),
                _ => (Kind::NegativeTime, format!("negative interval {}", ev.time)),
            };
            note(Issue::error(ev.time_span.start, kind, message));
            Verdict::Clamp(floor)
        };
        if self.version == Version::V2 {
            clock.latest = Some(ev.time.max(floor));
        }
        verdict
    }

    #[cold]
    fn check_non_event(
        &self,
        line: &[u8],
        e: json::LineError,
        note: &mut impl FnMut(Issue),
    ) -> Verdict {
        let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
        if trimmed.iter().all(|b| b.is_ascii_whitespace()) {
            return if self.version == Version::V3 {
                note(Issue::warning(0, Kind::BlankLine, "blank line"));
                Verdict::Keep
            } else {
                note(Issue::error(
                    0,
                    Kind::BlankLine,
                    "blank line (asciinema 2.4 stops playing here)",
                ));
                Verdict::Drop
            };
        }
        if self.version == Version::V3 && line.first() == Some(&b'#') {
            return match std::str::from_utf8(line) {
                Ok(_) if !line.contains(&0) => Verdict::Keep,
                _ => {
                    let at = std::str::from_utf8(line).map_or_else(|u| u.valid_up_to(), |_| 0);
                    note(Issue::error(
                        at,
                        Kind::InvalidUtf8,
                        "comment is not valid text",
                    ));
                    Verdict::Drop
                }
            };
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
}

fn data_offset(line: &[u8], ev: &RawEvent) -> usize {
    (ev.data.raw.as_ptr() as usize).saturating_sub(line.as_ptr() as usize + 1)
}

/// `COLSxROWS` with both at least 1.
pub fn is_size(s: &str) -> bool {
    parse_size(s).is_some()
}

pub fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (c, r) = s.split_once('x')?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(c) || !digits(r) {
        return None;
    }
    let (c, r) = (c.parse().ok()?, r.parse().ok()?);
    (c > 0 && r > 0).then_some((c, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(version: Version, lines: &[&str]) -> (Vec<Verdict>, Vec<Issue>) {
        let checker = Checker::new(version);
        let mut clock = Clock::default();
        let mut issues = Vec::new();
        let verdicts = lines
            .iter()
            .map(|l| checker.check(l.as_bytes(), &mut clock, &mut |i| issues.push(i)))
            .collect();
        (verdicts, issues)
    }

    #[test]
    fn v2_time_going_backwards_is_clamped_to_the_latest() {
        let (v, issues) = run(
            Version::V2,
            &[
                r#"[1.0, "o", "a"]"#,
                r#"[3.0, "o", "b"]"#,
                r#"[2.0, "o", "c"]"#,
                r#"[2.5, "o", "d"]"#,
                r#"[4, "o", "e"]"#,
            ],
        );
        assert_eq!(
            v,
            [
                Verdict::Event(1.0),
                Verdict::Event(3.0),
                Verdict::Clamp(3.0),
                Verdict::Clamp(3.0),
                Verdict::Event(4.0)
            ]
        );
        assert!(issues.iter().all(|i| i.kind == Kind::TimeBackwards));
        assert_eq!(issues.len(), 2);
    }

    #[test]
    fn v3_intervals_must_not_be_negative() {
        let (v, issues) = run(
            Version::V3,
            &[
                r#"[1.0, "o", "a"]"#,
                r#"[0.5, "o", "b"]"#,
                r#"[-0.5, "o", "b"]"#,
            ],
        );
        assert_eq!(
            v,
            [
                Verdict::Event(1.0),
                Verdict::Event(0.5),
                Verdict::Clamp(0.0)
            ]
        );
        assert_eq!(issues[0].kind, Kind::NegativeTime);
    }

    #[test]
    fn codes_and_their_data() {
        let (v, issues) = run(
            Version::V2,
            &[
                r#"[1, "r", "80x24"]"#,
                r#"[1, "r", "80x"]"#,
                r#"[1, "x", "0"]"#,
                r#"[1, "zz", ""]"#,
            ],
        );
        assert_eq!(
            v,
            [
                Verdict::Event(1.0),
                Verdict::Drop,
                Verdict::Event(1.0),
                Verdict::Event(1.0)
            ]
        );
        let kinds: Vec<Kind> = issues.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            [Kind::BadResize, Kind::UnknownCode, Kind::UnknownCode]
        );
        let (v, issues) = run(Version::V3, &[r#"[1, "x", "0"]"#, r#"[1, "x", "boom"]"#]);
        assert_eq!(v, [Verdict::Event(1.0), Verdict::Event(1.0)]);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, Kind::BadExitStatus);
    }

    #[test]
    fn comments_blank_lines_and_damage() {
        let (v, issues) = run(Version::V3, &["# a comment", "", "\0\0\0"]);
        assert_eq!(v, [Verdict::Keep, Verdict::Keep, Verdict::Drop]);
        assert_eq!(issues[0].kind, Kind::BlankLine);
        assert_eq!(issues[1].kind, Kind::NulBytes);
        let (v, issues) = run(Version::V2, &["# not in v2", ""]);
        assert_eq!(v, [Verdict::Drop, Verdict::Drop]);
        assert_eq!(issues[0].kind, Kind::InvalidJson);
        assert_eq!(issues[1].kind, Kind::BlankLine);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("80x24"), Some((80, 24)));
        for bad in ["80x", "x24", "0x1", "80X24", " 80x24", "+1x2"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
