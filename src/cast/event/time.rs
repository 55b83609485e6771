//! The clock's rules: which times every player reads, where a v2 time may
//! not go below, and why a time is not playable.

use super::{Checker, Clock, Verdict};
use crate::cast::finding::{Issue, Kind};
use crate::cast::json::RawEvent;

/// asciinema 3.2 turns a time into `u64` seconds through its decimal text:
/// anything from 2^64 on is "number too large".
const TIME_LIMIT: f64 = 18_446_744_073_709_551_616.0;
/// `-0`, `-0.0`, `-1e-400`: 3.2 reads the text "-0" as an invalid digit.
const NEGATIVE_ZERO: u64 = 0x8000_0000_0000_0000;

impl Checker {
    #[inline]
    pub(super) fn check_time(
        &self,
        ev: &RawEvent,
        clock: &mut Clock,
        note: &mut impl FnMut(Issue),
    ) -> Verdict {
        let floor = self.floor(clock);
        let time = self.playable_time(ev.time, floor);
        if self.rules.absolute_times {
            clock.latest = Some(time.unwrap_or(floor));
        }
        if let Some(time) = time {
            return Verdict::Event(time);
        }
        let (kind, message) = self.time_fault(ev.time, floor);
        note(Issue::error(ev.time_span.start, kind, message));
        Verdict::Fix { events: 1 }
    }

    /// The time as written, if every player reads it and it is not below
    /// `floor`; repair gives any other time the floor instead.
    #[inline]
    pub(super) fn playable_time(&self, time: f64, floor: f64) -> Option<f64> {
        (time >= floor && time < TIME_LIMIT && time.to_bits() != NEGATIVE_ZERO).then_some(time)
    }

    /// Where a v2 time may not go below (v3 intervals: zero).
    pub(super) fn floor(&self, clock: &Clock) -> f64 {
        if self.rules.absolute_times {
            clock.latest.unwrap_or(0.0).max(0.0)
        } else {
            0.0
        }
    }

    /// Why a time is not playable: its kind and message.
    #[cold]
    fn time_fault(&self, time: f64, floor: f64) -> (Kind, String) {
        let what = self.rules.time_word();
        if time >= TIME_LIMIT {
            (
                Kind::TimeOutOfRange,
                format!(
                    "{what} {time:e} is too large (asciinema 3.2 reads times as 64-bit seconds: \"number too large\")"
                ),
            )
        } else if time.to_bits() == NEGATIVE_ZERO {
            (
                Kind::NegativeTime,
                format!(
                    "{what} is a negative zero (asciinema 3.2: \"invalid digit found in string\")"
                ),
            )
        } else if time < 0.0 {
            (
                Kind::NegativeTime,
                format!("negative {what} {time} (asciinema 3.2 cannot read it)"),
            )
        } else {
            (
                Kind::TimeBackwards,
                format!(
                    "time goes backwards: {time} after {floor} (asciinema 3.2's convert panics)"
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{FIX, kinds, repaired, run};
    use crate::cast::{Kind, Verdict, Version};

    #[test]
    fn v2_time_going_backwards_is_fixed_to_the_latest() {
        let lines = [
            r#"[1.0, "o", "a"]"#,
            r#"[3.0, "o", "b"]"#,
            r#"[2.0, "o", "c"]"#,
            r#"[2.5, "o", "d"]"#,
            r#"[4, "o", "e"]"#,
        ];
        let (v, issues) = run(Version::V2, &lines);
        assert_eq!(
            v,
            [
                Verdict::Event(1.0),
                Verdict::Event(3.0),
                FIX,
                FIX,
                Verdict::Event(4.0)
            ]
        );
        assert_eq!(kinds(&issues), [Kind::TimeBackwards; 2]);
        assert_eq!(
            repaired(Version::V2, &lines),
            "[1.0, \"o\", \"a\"]\n[3.0, \"o\", \"b\"]\n[3, \"o\", \"c\"]\n[3, \"o\", \"d\"]\n[4, \"o\", \"e\"]\n"
        );
    }

    #[test]
    fn v3_intervals_must_not_be_negative() {
        let lines = [
            r#"[1.0, "o", "a"]"#,
            r#"[0.5, "o", "b"]"#,
            r#"[-0.5, "o", "c"]"#,
        ];
        let (v, issues) = run(Version::V3, &lines);
        assert_eq!(v, [Verdict::Event(1.0), Verdict::Event(0.5), FIX]);
        assert_eq!(kinds(&issues), [Kind::NegativeTime]);
        assert!(repaired(Version::V3, &lines).ends_with("[0, \"o\", \"c\"]\n"));
    }

    #[test]
    fn negative_zero_and_huge_times_are_fixed_without_moving_the_clock() {
        for zero in ["-0", "-0.0", "-1e-400"] {
            let line = format!("[{zero}, \"o\", \"a\"]");
            let (v, issues) = run(Version::V2, &[&line]);
            assert_eq!((v[0], issues[0].kind), (FIX, Kind::NegativeTime), "{zero}");
            assert!(issues[0].message.contains("3.2"), "{}", issues[0].message);
            assert_eq!(repaired(Version::V2, &[&line]), "[0, \"o\", \"a\"]\n");
        }
        for huge in ["1e300", "18446744073709551616", "18446744073709551615"] {
            let lines = [
                r#"[2.5, "o", "a"]"#.to_string(),
                format!("[{huge}, \"o\", \"b\"]"),
                r#"[3, "o", "c"]"#.to_string(),
            ];
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let (v, issues) = run(Version::V2, &lines);
            assert_eq!(v, [Verdict::Event(2.5), FIX, Verdict::Event(3.0)], "{huge}");
            assert_eq!(kinds(&issues), [Kind::TimeOutOfRange]);
            // Not clamped up to the huge time, and not printed in 301 digits.
            assert_eq!(
                repaired(Version::V2, &lines),
                "[2.5, \"o\", \"a\"]\n[2.5, \"o\", \"b\"]\n[3, \"o\", \"c\"]\n"
            );
        }
        // The largest time below 2^64 is fine.
        let (v, _) = run(Version::V2, &[r#"[18446744073709549568, "o", "a"]"#]);
        assert!(matches!(v[0], Verdict::Event(_)));
    }

    #[test]
    fn a_plain_zero_going_backwards_is_not_a_negative_zero() {
        let (_, issues) = run(Version::V2, &[r#"[1, "o", "a"]"#, r#"[0, "o", "b"]"#]);
        assert_eq!(kinds(&issues), [Kind::TimeBackwards]);
    }
}
