//! asciicast v1: one JSON object with the events in `stdout`. Read only.
//!
//! The events are checked one at a time as serde_json streams them, so memory
//! does not grow with the recording.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use super::finding::{Finding, Findings, Issue, Kind};
use super::header::{Header, serde_message};
use super::version::{Rules, Version};

/// v1 has no event lines: its `[delay, data]` pairs sit in one list, delays
/// counted from the previous event. Checkers are made for v2 and v3 only.
pub(super) const RULES: Rules = Rules {
    absolute_times: false,
    read_by_2_4: true,
    empty_lines: false,
    comments: false,
    exit_events: false,
};

#[derive(Deserialize)]
struct V1 {
    version: u8,
    width: u32,
    height: u32,
    duration: Option<f64>,
    command: Option<String>,
    title: Option<String>,
    env: Option<BTreeMap<String, Option<String>>>,
    stdout: Stdout,
}

/// What the stream of `[delay, data]` pairs looked like.
struct Stdout {
    events: u64,
    first_negative: Option<(u64, f64)>,
}

impl<'de> Deserialize<'de> for Stdout {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Events;
        impl<'de> Visitor<'de> for Events {
            type Value = Stdout;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of [delay, data] pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Stdout, A::Error> {
                let mut out = Stdout {
                    events: 0,
                    first_negative: None,
                };
                while let Some((delay, _data)) = seq.next_element::<(f64, Text)>()? {
                    if delay < 0.0 && out.first_negative.is_none() {
                        out.first_negative = Some((out.events, delay));
                    }
                    out.events += 1;
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Events)
    }
}

/// A string, checked but not kept.
struct Text;

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Str;
        impl Visitor<'_> for Str {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Text, E> {
                Ok(Text)
            }
        }
        d.deserialize_str(Str)
    }
}

/// Checks a whole v1 file. Returns its header (as the common model) and the
/// number of events when it is readable.
pub fn check(bytes: &[u8], findings: &mut Findings) -> Option<(Header, u64)> {
    let v1: V1 = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            let (line, line_start) = line_start(bytes, e.line());
            let line_bytes = &bytes[line_start..];
            let line_bytes =
                &line_bytes[..memchr::memchr(b'\n', line_bytes).unwrap_or(line_bytes.len())];
            let issue = Issue::error(
                e.column().saturating_sub(1),
                Kind::BadHeader,
                format!("invalid v1 file: {}", serde_message(&e)),
            );
            findings.push(issue.locate(line_bytes, Some(line), line_start as u64));
            return None;
        }
    };
    let at_start = |kind, message: String| Finding {
        line: Some(1),
        column: 1,
        offset: 0,
        severity: super::finding::Severity::Error,
        kind,
        message,
    };
    if v1.version != 1 {
        findings.push(at_start(
            Kind::UnsupportedVersion,
            "expected version 1".into(),
        ));
        return None;
    }
    if v1.width == 0 || v1.height == 0 {
        findings.push(at_start(
            Kind::BadHeader,
            "width and height must be at least 1".into(),
        ));
    }
    if let Some((index, delay)) = v1.stdout.first_negative {
        findings.push(at_start(
            Kind::NegativeTime,
            format!("stdout event {index} has a negative delay {delay}"),
        ));
    }
    let mut header = Header::new(Version::V1, v1.width, v1.height);
    header.duration = v1.duration;
    header.command = v1.command;
    header.title = v1.title;
    header.env = v1
        .env
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    Some((header, v1.stdout.events))
}

/// The 1-based line number (clamped to the file) and where that line starts.
fn line_start(bytes: &[u8], line: usize) -> (u64, usize) {
    let mut start = 0;
    let mut n = 1;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        if n == line {
            break;
        }
        start = nl + 1;
        n += 1;
    }
    (n as u64, start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_pretty_printed_v1_file() {
        let file = b"{\n  \"version\": 1,\n  \"width\": 80,\n  \"height\": 24,\n  \"duration\": 1.5,\n  \"stdout\": [\n    [0.5, \"ls\\r\\n\"],\n    [1.0, \"x\"]\n  ]\n}\n";
        let mut f = Findings::new(10);
        let (header, events) = check(file, &mut f).unwrap();
        assert_eq!((header.cols, header.rows, events), (80, 24, 2));
        assert!(f.list.is_empty());
    }

    #[test]
    fn locates_errors_by_line() {
        let file = b"{\n  \"version\": 1,\n  \"width\": 80,\n  \"height\": 24,\n  \"stdout\": [\n    [0.5, 7]\n  ]\n}\n";
        let mut f = Findings::new(10);
        assert!(check(file, &mut f).is_none());
        assert_eq!(f.list[0].line, Some(6));
        assert!(
            f.list[0].message.contains("invalid type"),
            "{}",
            f.list[0].message
        );
    }
}
