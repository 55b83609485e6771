//! What the validator reports: a located, classified finding.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
/// Whether a finding makes the file invalid.
pub enum Severity {
    /// The players read it; worth knowing.
    Warning,
    /// A player cannot read the file (or this part of it) as written.
    Error,
}

impl Severity {
    /// `warning` or `error`, as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// Stable, machine-readable names for every kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The first line is not an asciicast header at all.
    NotACast,
    /// `version` is not the integer 1, 2 or 3.
    UnsupportedVersion,
    /// The header cannot be read, or holds a value a player refuses.
    BadHeader,
    /// A header field the format does not define (kept as is).
    UnknownHeaderField,
    /// The file starts with a UTF-8 byte order mark.
    ByteOrderMark,
    /// A line that is not a JSON event `[time, "code", "data"]`.
    InvalidJson,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// NUL bytes inside a line.
    NulBytes,
    /// A negative time or interval (negative zero included).
    NegativeTime,
    /// A v2 time earlier than the one before it.
    TimeBackwards,
    /// A time from 2^64 seconds on.
    TimeOutOfRange,
    /// An empty event code.
    EmptyCode,
    /// An event code written with escapes.
    EscapedCode,
    /// A carriage return that does not end the line.
    LoneCr,
    /// `r` data that is not `COLSxROWS` with both from 1 to 65535.
    BadResize,
    /// `x` data that is not an integer.
    BadExitStatus,
    /// An event code the format does not define (passed through).
    UnknownCode,
    /// An empty line, or one of only whitespace.
    BlankLine,
    /// A line ending in CRLF.
    CrlfLineEnding,
    /// An unterminated last line that is not a complete event.
    TornLine,
    /// A run of NUL bytes at the end of the file (a crash before the data reached the disk).
    NulTail,
    /// The last line has no newline.
    MissingFinalNewline,
    /// The file is empty.
    Empty,
}

impl Kind {
    /// The stable name reports and `--format json` use (`time-backwards`).
    pub fn name(self) -> &'static str {
        match self {
            Self::NotACast => "not-a-cast",
            Self::UnsupportedVersion => "unsupported-version",
            Self::BadHeader => "bad-header",
            Self::UnknownHeaderField => "unknown-header-field",
            Self::ByteOrderMark => "byte-order-mark",
            Self::InvalidJson => "invalid-json",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::NulBytes => "nul-bytes",
            Self::NegativeTime => "negative-time",
            Self::TimeBackwards => "time-backwards",
            Self::TimeOutOfRange => "time-out-of-range",
            Self::EmptyCode => "empty-code",
            Self::EscapedCode => "escaped-code",
            Self::LoneCr => "lone-cr",
            Self::BadResize => "bad-resize",
            Self::BadExitStatus => "bad-exit-status",
            Self::UnknownCode => "unknown-code",
            Self::BlankLine => "blank-line",
            Self::CrlfLineEnding => "crlf-line-ending",
            Self::TornLine => "torn-line",
            Self::NulTail => "nul-tail",
            Self::MissingFinalNewline => "missing-final-newline",
            Self::Empty => "empty",
        }
    }
}

/// A finding located in a file: 1-based line and column (in characters),
/// and the 0-based byte offset of the same spot. The line is unknown only
/// where counting lines would cost time proportional to the file (the quick
/// check of a large file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// 1-based line, when it was counted (the full check always counts).
    pub line: Option<u64>,
    /// 1-based column, in characters.
    pub column: u64,
    /// Byte offset from the start of the file.
    pub offset: u64,
    /// Error or warning.
    pub severity: Severity,
    /// What kind of defect.
    pub kind: Kind,
    /// What is wrong, and which player it troubles.
    pub message: String,
}

/// A finding within one line, before the line's place in the file is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Byte offset within the line.
    pub at: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What kind of defect.
    pub kind: Kind,
    /// What is wrong, and which player it troubles.
    pub message: String,
}

impl Issue {
    /// An error `at` a byte offset within its line.
    pub fn error(at: usize, kind: Kind, message: impl Into<String>) -> Self {
        Self {
            at,
            severity: Severity::Error,
            kind,
            message: message.into(),
        }
    }

    /// A warning `at` a byte offset within its line.
    pub fn warning(at: usize, kind: Kind, message: impl Into<String>) -> Self {
        Self {
            at,
            severity: Severity::Warning,
            kind,
            message: message.into(),
        }
    }

    /// Places the issue in the file, given the line's number and start offset.
    pub fn locate(self, line_bytes: &[u8], line_no: Option<u64>, line_start: u64) -> Finding {
        let at = self.at.min(line_bytes.len());
        // Columns count characters: every byte that does not continue a UTF-8
        // sequence starts one.
        let column = 1 + line_bytes[..at]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count() as u64;
        Finding {
            line: line_no,
            column,
            offset: line_start + at as u64,
            severity: self.severity,
            kind: self.kind,
            message: self.message,
        }
    }
}

/// Findings of one file, keeping at most `limit` of each severity but
/// counting all of them.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// At most this many errors (and as many warnings) are kept in `list`.
    pub limit: usize,
    /// The findings kept, in file order once sorted.
    pub list: Vec<Finding>,
    /// Every error found, kept or not.
    pub errors: u64,
    /// Every warning found, kept or not.
    pub warnings: u64,
    kept_errors: usize,
    kept_warnings: usize,
}

impl Findings {
    /// No findings yet; keeps at most `limit` of each severity.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// Counts the finding and tells whether it will be kept, so that callers
    /// can skip building what would be thrown away.
    pub fn wants(&mut self, severity: Severity) -> bool {
        let kept = match severity {
            Severity::Error => {
                self.errors += 1;
                &mut self.kept_errors
            }
            Severity::Warning => {
                self.warnings += 1;
                &mut self.kept_warnings
            }
        };
        if *kept < self.limit {
            *kept += 1;
            true
        } else {
            false
        }
    }

    /// Counts `finding`, and keeps it while there is room for its severity.
    pub fn push(&mut self, finding: Finding) {
        if self.wants(finding.severity) {
            self.list.push(finding);
        }
    }

    /// Appends findings counted elsewhere (a later chunk of the same file).
    pub fn extend(&mut self, other: Findings) {
        self.errors += other.errors;
        self.warnings += other.warnings;
        for f in other.list {
            let kept = match f.severity {
                Severity::Error => &mut self.kept_errors,
                Severity::Warning => &mut self.kept_warnings,
            };
            if *kept < self.limit {
                *kept += 1;
                self.list.push(f);
            }
        }
    }

    /// Puts the kept findings in file order.
    pub fn sort(&mut self) {
        self.list.sort_by_key(|f| (f.offset, f.severity));
    }
}
