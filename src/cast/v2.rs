//! asciicast v2: a header object `{"version": 2, "width", "height", …}`, then
//! one event `[time, code, data]` per line, times in seconds since the start
//! that never go backwards. asciinema 2.4 reads it line by line in Python's
//! universal-newline mode (a lone CR breaks a line; an empty line ends
//! play); 3.2 reads it through serde.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::finding::Issue;
use super::header::{self, Header, Theme, WireHeader};
use super::version::{Rules, Version};

pub(super) const RULES: Rules = Rules {
    absolute_times: true,
    read_by_2_4: true,
    empty_lines: false,
    comments: false,
    exit_events: false,
};

#[derive(Deserialize)]
struct Wire {
    width: u32,
    height: u32,
    timestamp: Option<i64>,
    /// Any value: neither player reads it.
    duration: Option<Value>,
    idle_time_limit: Option<f64>,
    command: Option<String>,
    title: Option<String>,
    env: Option<BTreeMap<String, Option<String>>>,
    theme: Option<Theme>,
}

const FIELDS: &[&str] = &[
    "version",
    "width",
    "height",
    "timestamp",
    "duration",
    "idle_time_limit",
    "command",
    "title",
    "env",
    "theme",
];

/// Reads a v2 header line (the shared checks are the header module's).
pub(super) fn read_header(line: &[u8], map: &Map<String, Value>) -> Result<WireHeader, Issue> {
    header::refuse_empty_theme(line, map.get("theme"))?;
    let w: Wire = serde_json::from_slice(line).map_err(|e| header::bad(line, Version::V2, &e))?;
    let mut warnings: Vec<Issue> = Vec::new();
    let mut h = Header::new(Version::V2, w.width, w.height);
    h.timestamp = w.timestamp;
    h.duration = header::lenient(
        w.duration,
        "duration",
        "a number",
        line,
        &mut h.extra,
        &mut warnings,
    );
    h.idle_time_limit = w.idle_time_limit;
    h.command = w.command;
    h.title = w.title;
    h.theme = w.theme;
    Ok(WireHeader {
        header: h,
        env: w.env,
        known: FIELDS,
        size_keys: [("width", "width"), ("height", "height")],
        warnings,
    })
}

/// The header as v2 writes it: the size at the top, the theme after `env`.
pub(super) fn write_header(h: &Header) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("version".into(), 2.into());
    m.insert("width".into(), h.cols.into());
    m.insert("height".into(), h.rows.into());
    header::put_common(h, &mut m);
    if let Some(theme) = &h.theme {
        m.insert("theme".into(), serde_json::to_value(theme).unwrap());
    }
    m
}

/// Writes `time` (microseconds since the start) as seconds with six decimals.
pub(super) fn write_micros(time: u64, buf: &mut Vec<u8>) {
    write_seconds(time, 6, buf);
}

/// Writes `micros` as seconds with the first `decimals` (3 or 6) of its six
/// digits after the point; by hand, as formatting machinery costs more than the rest of a
/// short event.
pub(super) fn write_seconds(micros: u64, decimals: u32, buf: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut n = micros / 1_000_000;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[at..]);
    buf.push(b'.');
    let mut fraction = [b'0'; 6];
    let mut n = micros % 1_000_000;
    for digit in fraction.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
    buf.extend_from_slice(&fraction[..decimals as usize]);
}

/// Writes `time` as seconds since the start with microseconds, never
/// before the last time written (`clock`), which it advances.
pub(super) fn write_time(clock: &mut f64, time: f64, buf: &mut Vec<u8>) {
    let micros = (time * 1e6).round().max(*clock * 1e6);
    *clock = micros / 1e6;
    let _ = write!(
        buf,
        "{}.{:06}",
        (micros as u64) / 1_000_000,
        (micros as u64) % 1_000_000
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_written_digit_by_digit() {
        for (micros, decimals, text) in [
            (0, 6, "0.000000"),
            (1, 6, "0.000001"),
            (1_500_000, 3, "1.500"),
            (123_456_789_012, 6, "123456.789012"),
            (u64::MAX, 6, "18446744073709.551615"),
        ] {
            let mut buf = Vec::new();
            write_seconds(micros, decimals, &mut buf);
            assert_eq!(String::from_utf8(buf).unwrap(), text);
        }
    }
}
