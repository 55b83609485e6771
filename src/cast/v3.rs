//! asciicast v3: a header object `{"version": 3, "term": {"cols", "rows",
//! …}, …}`, then one event `[interval, code, data]` per line, the interval
//! in seconds since the previous event; `#` lines are comments, and `x`
//! events carry the exit status. asciinema 3.2 reads it through serde
//! (skipping empty lines); 2.4 does not read it.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::finding::{Issue, Kind};
use super::header::{self, Header, Theme, WireHeader};
use super::version::{Rules, Version};

pub(super) const RULES: Rules = Rules {
    absolute_times: false,
    read_by_2_4: false,
    empty_lines: true,
    comments: true,
    exit_events: true,
};

#[derive(Deserialize)]
struct WireTerm {
    cols: u32,
    rows: u32,
    #[serde(rename = "type")]
    term_type: Option<String>,
    version: Option<String>,
    theme: Option<Theme>,
}

#[derive(Deserialize)]
struct Wire {
    term: WireTerm,
    timestamp: Option<i64>,
    idle_time_limit: Option<f64>,
    command: Option<String>,
    title: Option<String>,
    /// Strings only: asciinema 3.2 reads v3 `env` as string→string (v2 allows null).
    env: Option<BTreeMap<String, String>>,
    /// Any value: asciinema 3.2 does not read it.
    tags: Option<Value>,
}

const FIELDS: &[&str] = &[
    "version",
    "term",
    "timestamp",
    "idle_time_limit",
    "command",
    "title",
    "env",
    "tags",
];
const TERM_FIELDS: &[&str] = &["cols", "rows", "type", "version", "theme"];

/// Reads a v3 header line (the shared checks are the header module's).
pub(super) fn read_header(line: &[u8], map: &Map<String, Value>) -> Result<WireHeader, Issue> {
    header::refuse_empty_theme(line, map.get("term").and_then(|t| t.get("theme")))?;
    let w: Wire = serde_json::from_slice(line).map_err(|e| header::bad(line, Version::V3, &e))?;
    let mut warnings = Vec::new();
    let mut h = Header::new(Version::V3, w.term.cols, w.term.rows);
    h.term_type = w.term.term_type;
    h.term_version = w.term.version;
    h.theme = w.term.theme;
    h.timestamp = w.timestamp;
    h.idle_time_limit = w.idle_time_limit;
    h.command = w.command;
    h.title = w.title;
    h.tags = header::lenient(
        w.tags,
        "tags",
        "a list of strings",
        line,
        &mut h.extra,
        &mut warnings,
    )
    .unwrap_or_default();
    let term = map.get("term").and_then(Value::as_object);
    for key in term
        .into_iter()
        .flat_map(|t| t.keys())
        .filter(|k| !TERM_FIELDS.contains(&k.as_str()))
    {
        warnings.push(Issue::warning(
            header::key_offset(line, key),
            Kind::UnknownHeaderField,
            format!("unknown field `term.{key}` (kept as is)"),
        ));
    }
    Ok(WireHeader {
        header: h,
        env: w
            .env
            .map(|env| env.into_iter().map(|(k, v)| (k, Some(v))).collect()),
        known: FIELDS,
        size_keys: [("cols", "term.cols"), ("rows", "term.rows")],
        warnings,
    })
}

/// The header as v3 writes it: size, terminal and theme under `term`.
pub(super) fn write_header(h: &Header) -> Map<String, Value> {
    let mut term = Map::new();
    term.insert("cols".into(), h.cols.into());
    term.insert("rows".into(), h.rows.into());
    if let Some(t) = &h.term_type {
        term.insert("type".into(), t.clone().into());
    }
    if let Some(v) = &h.term_version {
        term.insert("version".into(), v.clone().into());
    }
    if let Some(theme) = &h.theme {
        term.insert("theme".into(), serde_json::to_value(theme).unwrap());
    }
    let mut m = Map::new();
    m.insert("version".into(), 3.into());
    m.insert("term".into(), term.into());
    header::put_common(h, &mut m);
    if !h.tags.is_empty() {
        m.insert("tags".into(), h.tags.clone().into());
    }
    m
}

/// Writes the interval from `previous` to `time` (microseconds since the
/// start): in milliseconds as asciinema writes them when that is exact,
/// else to the microsecond.
pub(super) fn write_micros(previous: u64, time: u64, buf: &mut Vec<u8>) {
    let interval = time.saturating_sub(previous);
    let decimals = if interval.is_multiple_of(1000) { 3 } else { 6 };
    super::v2::write_seconds(interval, decimals, buf);
}

/// Writes the interval from the time reached so far (`clock`) to `time` in
/// whole milliseconds, never negative; the rounding error is carried in
/// `clock` so the sum of intervals tracks the real clock.
pub(super) fn write_time(clock: &mut f64, time: f64, buf: &mut Vec<u8>) {
    let ms = ((time - *clock) * 1000.0).round().max(0.0);
    *clock += ms / 1000.0;
    let _ = write!(buf, "{}.{:03}", (ms as u64) / 1000, (ms as u64) % 1000);
}
