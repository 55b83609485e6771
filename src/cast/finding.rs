//! What the validator reports: a located, classified finding.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// Stable, machine-readable names for every kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The first line is not an asciicast header at all.
    NotACast,
    UnsupportedVersion,
    BadHeader,
    UnknownHeaderField,
    ByteOrderMark,
    InvalidJson,
    InvalidUtf8,
    NulBytes,
    NegativeTime,
    TimeBackwards,
    /// A time from 2^64 seconds on.
    TimeOutOfRange,
    EmptyCode,
    /// An event code written with escapes.
    EscapedCode,
    /// A carriage return that does not end the line.
    LoneCr,
    BadResize,
    BadExitStatus,
    UnknownCode,
    BlankLine,
    CrlfLineEnding,
    /// An unterminated last line that is not a complete event.
    TornLine,
    NulTail,
    MissingFinalNewline,
    Empty,
}

impl Kind {
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub line: Option<u64>,
    pub column: u64,
    pub offset: u64,
    pub severity: Severity,
    pub kind: Kind,
    pub message: String,
}

/// A finding within one line, before the line's place in the file is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Byte offset within the line.
    pub at: usize,
    pub severity: Severity,
    pub kind: Kind,
    pub message: String,
}

impl Issue {
    pub fn error(at: usize, kind: Kind, message: impl Into<String>) -> Self {
        Self {
            at,
            severity: Severity::Error,
            kind,
            message: message.into(),
        }
    }

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
    pub limit: usize,
    pub list: Vec<Finding>,
    pub errors: u64,
    pub warnings: u64,
    kept_errors: usize,
    kept_warnings: usize,
}

impl Findings {
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

    pub fn sort(&mut self) {
        self.list.sort_by_key(|f| (f.offset, f.severity));
    }
}
