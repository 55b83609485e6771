//! The records `validate --format json` and `repair --format json` print,
//! one JSON object per input on its own line. Typed here so the CLI writes
//! them and the tests read them with the same definitions.

use serde::{Deserialize, Serialize};

use super::finding::Finding;
use super::repair::Report;
use super::scan::Mode;

/// One line of `validate --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ValidateRecord {
    /// The input was read and checked.
    Checked(Checked),
    /// The input could not be read.
    Unreadable(Unreadable),
}

/// What the check of one readable input found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checked {
    /// The input as named on the command line (or found under a directory).
    pub path: String,
    /// Both players read all of it (and, with `--strict`, no warnings).
    pub valid: bool,
    /// The header's version number, when the first line says it.
    pub version: Option<u8>,
    /// Which check ran.
    pub mode: Mode,
    /// Lines in the file, when they were counted.
    pub lines: Option<u64>,
    /// Events in the file, when they were counted.
    pub events: Option<u64>,
    /// Every error found, shown or not.
    pub errors: u64,
    /// Every warning found, shown or not.
    pub warnings: u64,
    /// The findings shown (at most `--max-errors` of each severity).
    pub findings: Vec<Finding>,
}

/// An input that could not be read (missing, unreadable, not a file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unreadable {
    /// The input as named.
    pub path: String,
    /// Always false: what cannot be read is not valid.
    pub valid: bool,
    /// Why it could not be read.
    pub error: String,
}

/// One line of `repair --format json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RepairRecord {
    /// The file was repaired (or was valid already).
    Repaired(Repaired),
    /// The file was refused or could not be read: nothing was written.
    Failed(RepairFailed),
}

/// What repair found and did to one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Repaired {
    /// The input as named.
    pub path: String,
    /// What was done, and to what.
    #[serde(flatten)]
    pub report: Report,
    /// Every error found before the repair, shown or not.
    pub errors: u64,
    /// The findings shown.
    pub findings: Vec<Finding>,
}

/// A file repair would not or could not touch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepairFailed {
    /// The input as named.
    pub path: String,
    /// Repair declined (locked, not a cast, nothing safe to do), as opposed
    /// to an I/O error.
    pub refused: bool,
    /// Why.
    pub error: String,
}
