//! The header line: one model for v2 and v3, and the checks they share; each
//! version's wire shape is in its own module ([`v2`](super::v2),
//! [`v3`](super::v3)).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::finding::{Issue, Kind};
use super::size::SIZE_LIMIT;
pub use super::version::Version;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A terminal theme: foreground, background and palette colours (`#rrggbb`).
pub struct Theme {
    /// Foreground colour.
    pub fg: String,
    /// Background colour.
    pub bg: String,
    /// 8 or 16 colours, joined by `:`.
    pub palette: String,
}

/// A cast header, whatever its version. Unknown fields are kept in `extra`
/// so that a header read and written again loses nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The format version.
    pub version: Version,
    /// Terminal columns (v2 `width`, v3 `term.cols`).
    pub cols: u32,
    /// Terminal rows (v2 `height`, v3 `term.rows`).
    pub rows: u32,
    /// v3 `term.type` (`xterm-256color`).
    pub term_type: Option<String>,
    /// v3 `term.version`.
    pub term_version: Option<String>,
    /// The terminal's colours (v2 `theme`, v3 `term.theme`).
    pub theme: Option<Theme>,
    /// Unix time the recording started.
    pub timestamp: Option<i64>,
    /// Seconds recorded (v2; the players ignore it).
    pub duration: Option<f64>,
    /// Pauses longer than this are shortened on play.
    pub idle_time_limit: Option<f64>,
    /// The command recorded.
    pub command: Option<String>,
    /// The recording's title.
    pub title: Option<String>,
    /// Environment variables (`TERM`, `SHELL`).
    pub env: BTreeMap<String, String>,
    /// v3 tags.
    pub tags: Vec<String>,
    /// Header fields the format does not define, kept to be written back.
    pub extra: Map<String, Value>,
}

impl Header {
    /// A minimal header for a new recording.
    pub fn new(version: Version, cols: u32, rows: u32) -> Self {
        Self {
            version,
            cols,
            rows,
            term_type: None,
            term_version: None,
            theme: None,
            timestamp: None,
            duration: None,
            idle_time_limit: None,
            command: None,
            title: None,
            env: BTreeMap::new(),
            tags: Vec::new(),
            extra: Map::new(),
        }
    }

    /// The header as one JSON line (without the newline), in its version's
    /// shape; unknown fields it was read with come last.
    pub fn to_json(&self) -> Vec<u8> {
        let mut m = self.version.write_header(self);
        for (k, v) in &self.extra {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        serde_json::to_vec(&m).expect("a JSON map always serializes")
    }
}

/// Fields v2 and v3 write alike, in the order asciinema writes them.
pub(super) fn put_common(h: &Header, m: &mut Map<String, Value>) {
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    put("timestamp", h.timestamp.map(Value::from));
    put("duration", h.duration.map(Value::from));
    put("idle_time_limit", h.idle_time_limit.map(Value::from));
    put("command", h.command.clone().map(Value::from));
    put("title", h.title.clone().map(Value::from));
    if !h.env.is_empty() {
        let env = h
            .env
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())));
        m.insert("env".into(), Value::Object(env.collect()));
    }
}

/// What a version's module read from a header line, for the shared checks.
pub(super) struct WireHeader {
    pub header: Header,
    /// `env` as written (v2 allows null values, which are warned about).
    pub env: Option<BTreeMap<String, Option<String>>>,
    /// The fields the version knows; others are kept in `extra`, warned.
    pub known: &'static [&'static str],
    /// The size's keys: as found in the line, and as named in messages.
    pub size_keys: [(&'static str, &'static str); 2],
    pub warnings: Vec<Issue>,
}

/// The header and the warnings found while reading it.
#[derive(Debug, Clone)]
pub struct ParsedHeader {
    pub header: Header,
    pub warnings: Vec<Issue>,
}

/// What the first line says about the file's version, before the rest is read.
pub enum FirstLine {
    /// A JSON object with `version` 2 or 3, or 1 for a one-line v1 file.
    Object(Map<String, Value>, Version),
    /// Not a complete JSON object; it may begin a pretty-printed v1 file.
    Incomplete,
}

/// The longest header line tvmux reads (v2 and v3; a one-line v1 file is
/// its events too, and is read whole). Parsed, a header costs many times its
/// size in memory; real ones are a few hundred bytes.
pub const HEADER_MAX: usize = 1 << 20;

/// Whether `line` (a header line, or the start of one) is a JSON object
/// past [`HEADER_MAX`] bytes that is not a one-line v1 file.
pub fn over_limit(line: &[u8]) -> bool {
    line.len() > HEADER_MAX
        && line.trim_ascii_start().starts_with(b"{")
        && version_of(line) != Some(1)
}

/// The error for a header line over [`HEADER_MAX`] bytes: `len` of them,
/// or `None` when only its start has been read.
pub fn too_large(len: Option<usize>) -> Issue {
    Issue::error(
        HEADER_MAX,
        Kind::BadHeader,
        format!(
            "the header line is {}, over tvmux's limit of {} MiB (a header holds the terminal's size and a few fields)",
            match len {
                Some(len) => format!("{len} bytes"),
                None => format!("longer than {HEADER_MAX} bytes"),
            },
            HEADER_MAX >> 20
        ),
    )
}

/// The `version` of a JSON object, read without keeping anything else; a
/// piece of an object gives what it holds so far.
pub fn version_of(line: &[u8]) -> Option<u64> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Version<'v>(&'v mut Option<u64>);
    impl<'de> Visitor<'de> for Version<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a header object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "version" && self.0.is_none() {
                    *self.0 = map.next_value::<Option<u64>>().ok().flatten();
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }
    let mut version = None;
    let _ = serde_json::Deserializer::from_slice(line).deserialize_map(Version(&mut version));
    version
}

/// Reads the version from the first line. Errors are `not-a-cast` or
/// `unsupported-version` issues, and `bad-header` for a header line over
/// [`HEADER_MAX`] bytes.
pub fn sniff(line: &[u8]) -> Result<FirstLine, Issue> {
    if over_limit(line) {
        return Err(too_large(Some(line.len())));
    }
    let map: Map<String, Value> = match serde_json::from_slice(line) {
        Ok(map) => map,
        Err(e) if e.is_eof() && line.trim_ascii_start().starts_with(b"{") => {
            return Ok(FirstLine::Incomplete);
        }
        Err(e) => {
            return Err(Issue::error(
                column_offset(line, &e),
                Kind::NotACast,
                format!(
                    "not an asciicast file: the first line is not a JSON header object ({})",
                    serde_message(&e)
                ),
            ));
        }
    };
    let version = match map.get("version") {
        None => {
            return Err(Issue::error(
                0,
                Kind::NotACast,
                "not an asciicast file: the header has no `version`",
            ));
        }
        Some(v) => match v.as_u64() {
            Some(1) => Version::V1,
            Some(2) => Version::V2,
            Some(3) => Version::V3,
            _ if matches!(v.as_f64(), Some(f) if f == 1.0 || f == 2.0 || f == 3.0) => {
                return Err(Issue::error(
                    key_offset(line, "version"),
                    Kind::UnsupportedVersion,
                    format!(
                        "`version` must be the integer {}, not {v} (asciinema 3.2 refuses the file)",
                        v.as_f64().unwrap_or_default()
                    ),
                ));
            }
            _ => {
                return Err(Issue::error(
                    key_offset(line, "version"),
                    Kind::UnsupportedVersion,
                    format!("unsupported asciicast version {v} (tvmux reads 1, 2 and 3)"),
                ));
            }
        },
    };
    Ok(FirstLine::Object(map, version))
}

/// Parses a v2 or v3 header line (without its newline).
pub fn parse(
    line: &[u8],
    map: Map<String, Value>,
    version: Version,
) -> Result<ParsedHeader, Issue> {
    let WireHeader {
        mut header,
        env,
        known,
        size_keys,
        mut warnings,
    } = version.read_header(line, &map)?;
    for ((key, name), value) in size_keys.into_iter().zip([header.cols, header.rows]) {
        if value == 0 {
            return Err(Issue::error(
                key_offset(line, key),
                Kind::BadHeader,
                format!("invalid header: `{name}` must be at least 1"),
            ));
        }
        if value > SIZE_LIMIT {
            return Err(Issue::error(
                key_offset(line, key),
                Kind::BadHeader,
                format!(
                    "invalid header: `{name}` is {value}, above 65535 (asciinema 3.2 reads sizes as 16-bit and refuses the file)"
                ),
            ));
        }
    }
    if header.timestamp.is_some_and(|t| t < 0) {
        return Err(Issue::error(
            key_offset(line, "timestamp"),
            Kind::BadHeader,
            "invalid header: negative `timestamp` (asciinema 3.2 refuses the file)",
        ));
    }
    if let Some(theme) = &header.theme {
        check_theme(theme)
            .map_err(|msg| Issue::error(key_offset(line, "theme"), Kind::BadHeader, msg))?;
    }
    // Both players read these whatever their sign.
    for (key, value) in [
        ("duration", header.duration),
        ("idle_time_limit", header.idle_time_limit),
    ] {
        if value.is_some_and(|v| v < 0.0) {
            warnings.push(Issue::warning(
                key_offset(line, key),
                Kind::BadHeader,
                format!("`{key}` is negative (the players ignore it)"),
            ));
        }
    }
    for (name, value) in env.unwrap_or_default() {
        match value {
            Some(v) => {
                header.env.insert(name, v);
            }
            None => warnings.push(Issue::warning(
                key_offset(line, "env"),
                Kind::BadHeader,
                format!("`env.{name}` is null; the format wants a string"),
            )),
        }
    }
    for (key, value) in map {
        if !known.contains(&key.as_str()) {
            warnings.push(Issue::warning(
                key_offset(line, &key),
                Kind::UnknownHeaderField,
                format!("unknown header field `{key}` (kept as is)"),
            ));
            header.extra.insert(key, value);
        }
    }
    Ok(ParsedHeader { header, warnings })
}

/// A header that serde cannot read as `version`'s shape.
pub(super) fn bad(line: &[u8], version: Version, e: &serde_json::Error) -> Issue {
    Issue::error(
        column_offset(line, e),
        Kind::BadHeader,
        format!("invalid v{} header: {}", version.number(), serde_message(e)),
    )
}

/// `"theme": {}` makes asciinema-player refuse the whole file.
pub(super) fn refuse_empty_theme(line: &[u8], theme: Option<&Value>) -> Result<(), Issue> {
    if theme.is_some_and(|t| t.as_object().is_some_and(|o| o.is_empty())) {
        return Err(Issue::error(
            key_offset(line, "theme"),
            Kind::BadHeader,
            "invalid header: empty `theme` object (asciinema-player refuses the whole file)",
        ));
    }
    Ok(())
}

/// A field the players ignore: read as `T` when it has the shape the format
/// wants (`what`), otherwise a warning and the value kept as it is in `extra`.
pub(super) fn lenient<T: serde::de::DeserializeOwned>(
    value: Option<Value>,
    key: &str,
    what: &str,
    line: &[u8],
    extra: &mut Map<String, Value>,
    warnings: &mut Vec<Issue>,
) -> Option<T> {
    let value = value.filter(|v| !v.is_null())?;
    if let Ok(read) = T::deserialize(&value) {
        return Some(read);
    }
    warnings.push(Issue::warning(
        key_offset(line, key),
        Kind::BadHeader,
        format!("`{key}` should be {what}, not {value} (the players ignore it; kept as is)"),
    ));
    extra.insert(key.to_string(), value);
    None
}

fn check_theme(theme: &Theme) -> Result<(), String> {
    let is_colour = |s: &str| {
        s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
    };
    for (name, value) in [("fg", &theme.fg), ("bg", &theme.bg)] {
        if !is_colour(value) {
            return Err(format!(
                "invalid theme: `{name}` must be #rrggbb, not {value:?}"
            ));
        }
    }
    let colours: Vec<&str> = theme.palette.split(':').collect();
    if !matches!(colours.len(), 8 | 16) || !colours.iter().all(|c| is_colour(c)) {
        return Err(format!(
            "invalid theme: `palette` must be 8 or 16 #rrggbb colours joined by `:`, not {:?}",
            theme.palette
        ));
    }
    Ok(())
}

/// serde_json's message without its " at line L column C" suffix.
pub(crate) fn serde_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The byte offset serde_json points at, for a one-line input.
fn column_offset(line: &[u8], e: &serde_json::Error) -> usize {
    e.column().saturating_sub(1).min(line.len())
}

/// Where `"key"` appears in the line, for pointing at a header field.
pub(super) fn key_offset(line: &[u8], key: &str) -> usize {
    let quoted = format!("\"{key}\"");
    memchr::memmem::find(line, quoted.as_bytes()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<ParsedHeader, Issue> {
        match sniff(line.as_bytes())? {
            FirstLine::Object(map, version) => parse(line.as_bytes(), map, version),
            FirstLine::Incomplete => panic!("incomplete"),
        }
    }

    #[test]
    fn reads_v2_and_v3() {
        let h =
            parse_line(r#"{"version": 2, "width": 80, "height": 24, "env": {"TERM": "xterm"}}"#)
                .unwrap();
        assert_eq!((h.header.cols, h.header.rows), (80, 24));
        assert_eq!(h.header.env["TERM"], "xterm");
        assert!(h.warnings.is_empty());
        let h = parse_line(r#"{"version": 3, "term": {"cols": 100, "rows": 30, "type": "xterm-256color"}, "tags": ["a"]}"#)
            .unwrap();
        assert_eq!((h.header.cols, h.header.rows), (100, 30));
        assert_eq!(h.header.term_type.as_deref(), Some("xterm-256color"));
    }

    #[test]
    fn unknown_fields_are_kept_and_warned() {
        let h = parse_line(r#"{"version": 3, "term": {"cols": 1, "rows": 1}, "x-app": {"k": 1}}"#)
            .unwrap();
        assert_eq!(h.warnings.len(), 1);
        assert_eq!(h.warnings[0].kind, Kind::UnknownHeaderField);
        assert_eq!(h.warnings[0].at, 47);
        let line = String::from_utf8(h.header.to_json()).unwrap();
        assert!(line.contains(r#""x-app":{"k":1}"#), "{line}");
    }

    #[test]
    fn rejects_what_is_not_a_header() {
        assert_eq!(parse_line("hello").unwrap_err().kind, Kind::NotACast);
        assert_eq!(parse_line(r#"{"a": 1}"#).unwrap_err().kind, Kind::NotACast);
        assert_eq!(
            parse_line(r#"{"version": 9}"#).unwrap_err().kind,
            Kind::UnsupportedVersion
        );
        let e = parse_line(r#"{"version": 2, "height": 24}"#).unwrap_err();
        assert_eq!(e.kind, Kind::BadHeader);
        assert!(e.message.contains("width"), "{}", e.message);
    }

    #[test]
    fn checks_theme_and_sizes() {
        let e =
            parse_line(r#"{"version": 2, "width": 80, "height": 24, "theme": {}}"#).unwrap_err();
        assert!(e.message.contains("empty `theme`"), "{}", e.message);
        let e = parse_line(
            r##"{"version": 2, "width": 80, "height": 24, "theme": {"fg": "#ffffff", "bg": "#000000", "palette": "#000000:#111111"}}"##,
        )
        .unwrap_err();
        assert!(e.message.contains("palette"), "{}", e.message);
        assert_eq!(e.at, 42);
        let e = parse_line(r#"{"version": 2, "width": 0, "height": 24}"#).unwrap_err();
        assert!(e.message.contains("width"), "{}", e.message);
    }

    #[test]
    fn round_trips_through_json() {
        let line = r##"{"version":2,"width":80,"height":24,"timestamp":1504467315,"title":"Demo","env":{"SHELL":"/bin/zsh","TERM":"xterm"},"theme":{"fg":"#ffffff","bg":"#000000","palette":"#000000:#111111:#222222:#333333:#444444:#555555:#666666:#777777"}}"##;
        let h = parse_line(line).unwrap().header;
        assert_eq!(String::from_utf8(h.to_json()).unwrap(), line);
    }
}
