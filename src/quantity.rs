//! Sizes and spans of time as people write them in the configuration:
//! `100M`, `10G`, `1h`, `30d`; empty (or `off`) for none.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A size in bytes: a number with an optional unit `K`, `M`, `G` or `T`
/// (powers of 1024; `KB`, `KiB` the same), or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ByteSize(pub Option<u64>);

/// A span of time: a number with a unit `s`, `m`, `h`, `d` or `w`, or none
/// at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Span(pub Option<Duration>);

const SIZE_UNITS: [(&str, u64); 5] = [
    ("", 1),
    ("K", 1 << 10),
    ("M", 1 << 20),
    ("G", 1 << 30),
    ("T", 1 << 40),
];
const SPAN_UNITS: [(&str, u64); 5] = [
    ("s", 1),
    ("m", 60),
    ("h", 3600),
    ("d", 86_400),
    ("w", 604_800),
];

fn is_off(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "" | "off" | "none" | "0"
    )
}

/// `text` as a whole number times its unit's scale (`unit` names the unit
/// as `units` spells it, ASCII case ignored); none if it is not, or is 0.
fn scaled(text: &str, units: &[(&str, u64)], unit: fn(&str) -> &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n: u64 = text[..digits].parse().ok()?;
    let written = unit(text[digits..].trim());
    let (_, scale) = units
        .iter()
        .find(|(u, _)| u.eq_ignore_ascii_case(written))?;
    n.checked_mul(*scale).filter(|&v| v > 0)
}

/// `value` in the largest of `units` that divides it.
fn write_scaled(f: &mut fmt::Formatter, value: u64, units: &[(&str, u64)]) -> fmt::Result {
    let (unit, scale) = units
        .iter()
        .rev()
        .find(|(_, s)| value.is_multiple_of(*s))
        .expect("the first unit is 1");
    write!(f, "{}{unit}", value / scale)
}

/// The unit of a size: `M`, `MB` and `MiB` are all 2^20.
fn size_unit(unit: &str) -> &str {
    let unit = unit.strip_suffix(['b', 'B']).unwrap_or(unit);
    unit.strip_suffix(['i', 'I']).unwrap_or(unit)
}

impl TryFrom<String> for ByteSize {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        if is_off(&text) {
            return Ok(ByteSize(None));
        }
        match scaled(&text, &SIZE_UNITS, size_unit) {
            Some(bytes) => Ok(ByteSize(Some(bytes))),
            None => Err(format!(
                "{text:?} is not a size (say 500K, 100M, 10G, or \"\" for none)"
            )),
        }
    }
}

impl From<ByteSize> for String {
    fn from(size: ByteSize) -> String {
        size.to_string()
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.0 {
            Some(bytes) => write_scaled(f, bytes, &SIZE_UNITS),
            None => Ok(()),
        }
    }
}

impl TryFrom<String> for Span {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        if is_off(&text) {
            return Ok(Span(None));
        }
        match scaled(&text, &SPAN_UNITS, |u| u) {
            Some(secs) => Ok(Span(Some(Duration::from_secs(secs)))),
            None => Err(format!(
                "{text:?} is not a span of time (say 90s, 15m, 1h, 30d, or \"\" for none)"
            )),
        }
    }
}

impl From<Span> for String {
    fn from(span: Span) -> String {
        span.to_string()
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.0 {
            Some(span) => write_scaled(f, span.as_secs(), &SPAN_UNITS),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(text: &str) -> Result<Option<u64>, String> {
        ByteSize::try_from(text.to_string()).map(|s| s.0)
    }

    fn span(text: &str) -> Result<Option<u64>, String> {
        Span::try_from(text.to_string()).map(|s| s.0.map(|d| d.as_secs()))
    }

    #[test]
    fn sizes_as_people_write_them() {
        assert_eq!(size("100M"), Ok(Some(100 << 20)));
        assert_eq!(size("10G"), Ok(Some(10 << 30)));
        assert_eq!(size("512k"), Ok(Some(512 << 10)));
        assert_eq!(size("2MiB"), Ok(Some(2 << 20)));
        assert_eq!(size("1 MB"), Ok(Some(1 << 20)));
        assert_eq!(size("4096"), Ok(Some(4096)));
        assert_eq!(size(""), Ok(None));
        assert_eq!(size("off"), Ok(None));
        for bad in ["M", "1X", "-1M", "1.5G", "99999999999T"] {
            assert!(size(bad).is_err(), "{bad}");
        }
        assert_eq!(ByteSize(Some(100 << 20)).to_string(), "100M");
        assert_eq!(ByteSize(Some(1500)).to_string(), "1500");
    }

    #[test]
    fn spans_as_people_write_them() {
        assert_eq!(span("1h"), Ok(Some(3600)));
        assert_eq!(span("30d"), Ok(Some(30 * 86_400)));
        assert_eq!(span("90s"), Ok(Some(90)));
        assert_eq!(span("15M"), Ok(Some(900)));
        assert_eq!(span(""), Ok(None));
        for bad in ["h", "1", "1y", "-1h"] {
            assert!(span(bad).is_err(), "{bad}");
        }
        assert_eq!(Span(Some(Duration::from_secs(7200))).to_string(), "2h");
        assert_eq!(Span(Some(Duration::from_secs(90))).to_string(), "90s");
    }
}
