//! The header line: one model for v2 and v3, with the wire shapes kept apart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::finding::{Issue, Kind};
use super::size::SIZE_LIMIT;

/// A cast format version. The configuration (`format = "v2"`) and the
/// command line (`--format v3`) name the versions tvmux writes; v1 is read
/// only.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Version {
    #[serde(skip_deserializing)]
    #[value(skip)]
    V1,
    V2,
    V3,
}

impl Version {
    pub fn number(self) -> u8 {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
            Self::V3 => 3,
        }
    }
}

/// Reports show the version as the number a cast's header has.
pub fn serialize_number<S: serde::Serializer>(
    version: &Option<Version>,
    s: S,
) -> Result<S::Ok, S::Error> {
    version.map(Version::number).serialize(s)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    pub fg: String,
    pub bg: String,
    pub palette: String,
}

/// A cast header, whatever its version. Unknown fields are kept in `extra`
/// so that a header read and written again loses nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub version: Version,
    pub cols: u32,
    pub rows: u32,
    pub term_type: Option<String>,
    pub term_version: Option<String>,
    pub theme: Option<Theme>,
    pub timestamp: Option<i64>,
    pub duration: Option<f64>,
    pub idle_time_limit: Option<f64>,
    pub command: Option<String>,
    pub title: Option<String>,
    pub env: BTreeMap<String, String>,
    pub tags: Vec<String>,
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

    /// The header as one JSON line (without the newline), in its version's shape.
    pub fn to_json(&self) -> Vec<u8> {
        let mut m = Map::new();
        m.insert("version".into(), self.version.number().into());
        let put = |m: &mut Map<String, Value>, k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        // v3 keeps the theme under `term`; v2 at the top level, after `env`.
        let mut theme = self
            .theme
            .as_ref()
            .map(|t| serde_json::to_value(t).unwrap());
        if self.version == Version::V3 {
            let mut term = Map::new();
            term.insert("cols".into(), self.cols.into());
            term.insert("rows".into(), self.rows.into());
            put(&mut term, "type", self.term_type.clone().map(Value::from));
            put(
                &mut term,
                "version",
                self.term_version.clone().map(Value::from),
            );
            put(&mut term, "theme", theme.take());
            m.insert("term".into(), term.into());
        } else {
            m.insert("width".into(), self.cols.into());
            m.insert("height".into(), self.rows.into());
        }
        put(&mut m, "timestamp", self.timestamp.map(Value::from));
        put(&mut m, "duration", self.duration.map(Value::from));
        put(
            &mut m,
            "idle_time_limit",
            self.idle_time_limit.map(Value::from),
        );
        put(&mut m, "command", self.command.clone().map(Value::from));
        put(&mut m, "title", self.title.clone().map(Value::from));
        if !self.env.is_empty() {
            let env = self
                .env
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())));
            m.insert("env".into(), Value::Object(env.collect()));
        }
        put(&mut m, "theme", theme);
        if self.version == Version::V3 && !self.tags.is_empty() {
            m.insert("tags".into(), self.tags.clone().into());
        }
        for (k, v) in &self.extra {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        serde_json::to_vec(&m).expect("a JSON map always serializes")
    }
}

/// The header and the warnings found while reading it.
#[derive(Debug, Clone)]
pub struct ParsedHeader {
    pub header: Header,
    pub warnings: Vec<Issue>,
}

#[derive(Deserialize)]
struct WireV2 {
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
struct WireV3 {
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

const V2_FIELDS: &[&str] = &[
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
const V3_FIELDS: &[&str] = &[
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

/// What the first line says about the file's version, before the rest is read.
pub enum FirstLine {
    /// A JSON object with `version` 2 or 3, or 1 for a one-line v1 file.
    Object(Map<String, Value>, Version),
    /// Not a complete JSON object; it may begin a pretty-printed v1 file.
    Incomplete,
}

/// Reads the version from the first line. Errors are `not-a-cast` or
/// `unsupported-version` issues.
pub fn sniff(line: &[u8]) -> Result<FirstLine, Issue> {
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
    let bad = |e: serde_json::Error| {
        Issue::error(
            column_offset(line, &e),
            Kind::BadHeader,
            format!(
                "invalid v{} header: {}",
                version.number(),
                serde_message(&e)
            ),
        )
    };
    let theme = match version {
        Version::V3 => map.get("term").and_then(|t| t.get("theme")),
        _ => map.get("theme"),
    };
    if theme.is_some_and(|t| t.as_object().is_some_and(|o| o.is_empty())) {
        return Err(Issue::error(
            key_offset(line, "theme"),
            Kind::BadHeader,
            "invalid header: empty `theme` object (asciinema-player refuses the whole file)",
        ));
    }
    let mut warnings = Vec::new();
    let (known, env, mut header) = match version {
        Version::V2 => {
            let w: WireV2 = serde_json::from_slice(line).map_err(bad)?;
            let mut h = Header::new(version, w.width, w.height);
            h.timestamp = w.timestamp;
            h.duration = lenient(
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
            (V2_FIELDS, w.env, h)
        }
        Version::V3 => {
            let w: WireV3 = serde_json::from_slice(line).map_err(bad)?;
            let mut h = Header::new(version, w.term.cols, w.term.rows);
            h.term_type = w.term.term_type;
            h.term_version = w.term.version;
            h.theme = w.term.theme;
            h.timestamp = w.timestamp;
            h.idle_time_limit = w.idle_time_limit;
            h.command = w.command;
            h.title = w.title;
            h.tags = lenient(
                w.tags,
                "tags",
                "a list of strings",
                line,
                &mut h.extra,
                &mut warnings,
            )
            .unwrap_or_default();
            let env = w
                .env
                .map(|env| env.into_iter().map(|(k, v)| (k, Some(v))).collect());
            if let Some(Value::Object(term)) = map.get("term") {
                for key in term.keys().filter(|k| !TERM_FIELDS.contains(&k.as_str())) {
                    warnings.push(Issue::warning(
                        key_offset(line, key),
                        Kind::UnknownHeaderField,
                        format!("unknown field `term.{key}` (kept as is)"),
                    ));
                }
            }
            (V3_FIELDS, env, h)
        }
        Version::V1 => unreachable!("v1 files are read by the v1 module"),
    };
    let (size_field, cols_key, rows_key) = match version {
        Version::V3 => ("term", "cols", "rows"),
        _ => ("", "width", "height"),
    };
    for (key, value) in [(cols_key, header.cols), (rows_key, header.rows)] {
        let name = if size_field.is_empty() {
            key.to_string()
        } else {
            format!("{size_field}.{key}")
        };
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

/// A field the players ignore: read as `T` when it has the shape the format
/// wants (`what`), otherwise a warning and the value kept as it is in `extra`.
fn lenient<T: serde::de::DeserializeOwned>(
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
fn key_offset(line: &[u8], key: &str) -> usize {
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
