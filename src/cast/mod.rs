//! The cast engine: formats, validation, repair and writing.

pub mod event;
pub mod finding;
pub mod header;
pub mod json;
pub mod layout;
pub mod repair;
pub mod scan;
pub mod source;
pub mod utf8;
pub mod v1;
pub mod writer;

pub use event::{Checker, Clock, Verdict};
pub use finding::{Finding, Findings, Kind, Severity};
pub use header::{Header, Theme, Version};
pub use repair::{RepairError, RepairMode, RepairOptions, repair_path};
pub use scan::{Mode, Options, Scan, scan};
pub use source::Source;
pub use writer::{CastWriter, FlushPolicy};
