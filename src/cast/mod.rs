//! The cast engine: formats, validation, repair and writing.
//!
//! The front door is small: [`scan`] checks a cast held in memory
//! ([`Source`] maps one) and returns a [`Scan`] with its [`Findings`];
//! [`repair_path`] makes a damaged cast valid again and returns a [`Report`];
//! [`CastWriter`] is the one writer of cast bytes. How one line is judged is
//! [`Checker`]'s job. Everything else stays inside.

mod event;
mod events;
mod finding;
mod header;
mod json;
mod layout;
mod repair;
mod report;
mod scan;
mod size;
mod source;
mod utf8;
mod v1;
mod v2;
mod v3;
mod version;
mod writer;

pub use event::{Checker, Clock, Verdict};
pub use events::{Data, Event, Events, Flow, Micros, Place, ReadError, micros};
pub use finding::{Finding, Findings, Issue, Kind, Severity};
pub use header::{Header, Theme};
pub use repair::{
    Action, RepairError, RepairMode, RepairOptions, Report, repair_path, side_file_path,
};
pub use report::{Checked, RepairFailed, RepairRecord, Repaired, Unreadable, ValidateRecord};
pub use scan::{Body, Mode, Options, Partial, Scan, scan, scan_stream};
pub use size::Size;
pub use source::{Compression, Source, guard_sigbus, open_regular};
pub use utf8::Utf8Decoder;
pub use version::Version;
pub use writer::{CastSink, CastWriter, FlushPolicy, Fsync};

/// Internals that the property tests and fuzz targets check directly
/// (the line checker against serde_json, the header reader). Not an API.
#[doc(hidden)]
pub mod testing {
    pub use super::header::{FirstLine, parse as parse_header, sniff};
    pub use super::json::{RawEvent, parse_event, parse_event_at, salvage_point};
}
