//! The format versions and what sets them apart: the one place that
//! dispatches to [`v1`](super::v1), [`v2`](super::v2) and
//! [`v3`](super::v3), where everything about a version lives.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::finding::Issue;
use super::header::{Header, WireHeader};

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
    /// One JSON object holding every event (read only).
    #[serde(skip_deserializing)]
    #[value(skip)]
    V1,
    /// Newline-delimited JSON, times since the start.
    V2,
    /// Newline-delimited JSON, intervals since the previous event.
    V3,
}

impl Version {
    /// The number a cast's header gives (`"version": 2`).
    pub fn number(self) -> u8 {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
            Self::V3 => 3,
        }
    }

    /// Whether an event with `code` and `data` is readable in this version:
    /// v3 reads `x` data as an exit status, an `i32`; anything else goes.
    /// `data` is asked for only when it matters.
    pub fn holds<'d>(self, code: &str, data: impl FnOnce() -> Cow<'d, str>) -> bool {
        !(code == "x" && self.rules().exit_events) || data().parse::<i32>().is_ok()
    }

    /// What the version's event lines may hold and how its clock runs.
    pub(super) fn rules(self) -> &'static Rules {
        match self {
            Self::V1 => &super::v1::RULES,
            Self::V2 => &super::v2::RULES,
            Self::V3 => &super::v3::RULES,
        }
    }
}

impl Version {
    /// Reads a header line of this version (v2, v3) into the shared model.
    pub(super) fn read_header(
        self,
        line: &[u8],
        map: &Map<String, Value>,
    ) -> Result<WireHeader, Issue> {
        match self {
            Self::V1 => unreachable!("v1 files are read by the v1 module"),
            Self::V2 => super::v2::read_header(line, map),
            Self::V3 => super::v3::read_header(line, map),
        }
    }

    /// A header in this version's shape, without the fields it does not know.
    pub(super) fn write_header(self, header: &Header) -> Map<String, Value> {
        match self {
            Self::V1 => unreachable!("asciicast v1 is read only"),
            Self::V2 => super::v2::write_header(header),
            Self::V3 => super::v3::write_header(header),
        }
    }

    /// Writes the time `time` (microseconds since the start) as this version
    /// counts it, `previous` being the time of the event before.
    pub(super) fn write_micros(self, previous: u64, time: u64, buf: &mut Vec<u8>) {
        match self {
            Self::V3 => super::v3::write_micros(previous, time, buf),
            _ => super::v2::write_micros(time, buf),
        }
    }

    /// Writes an event's time as this version counts it; `clock` is the
    /// writer's time so far, which it advances.
    pub(super) fn write_time(self, clock: &mut f64, time: f64, buf: &mut Vec<u8>) {
        match self {
            Self::V3 => super::v3::write_time(clock, time, buf),
            _ => super::v2::write_time(clock, time, buf),
        }
    }
}

/// How a version's event lines differ, as the players read them.
#[derive(Debug)]
pub(super) struct Rules {
    /// An event's time counts from the start and may not go backwards (v2);
    /// otherwise it is the interval since the previous event (v3).
    pub absolute_times: bool,
    /// asciinema 2.4 reads this version, splitting lines at a lone CR: one
    /// inside a line (or the header) breaks it.
    pub read_by_2_4: bool,
    /// An empty line is skipped (3.2) rather than the end of play (2.4).
    pub empty_lines: bool,
    /// Lines starting with `#` are comments.
    pub comments: bool,
    /// The `x` event (exit status) exists.
    pub exit_events: bool,
}

impl Rules {
    /// How the version names an event's time in messages.
    pub fn time_word(&self) -> &'static str {
        if self.absolute_times {
            "time"
        } else {
            "interval"
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

/// Reads back what [`serialize_number`] wrote.
pub fn deserialize_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Version>, D::Error> {
    match Option::<u8>::deserialize(d)? {
        None => Ok(None),
        Some(1) => Ok(Some(Version::V1)),
        Some(2) => Ok(Some(Version::V2)),
        Some(3) => Ok(Some(Version::V3)),
        Some(n) => Err(serde::de::Error::custom(format!("no version {n}"))),
    }
}
