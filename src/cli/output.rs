//! How findings are printed: like a compiler, as JSON, or as GitHub
//! workflow annotations.

use clap::ValueEnum;
use tvmux::cast::{Finding, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// `path:line:col: error: message [kind]`, or `path:byte N:` when the line
/// was not counted.
pub fn human(path: &str, f: &Finding) -> String {
    let place = match f.line {
        Some(line) => format!("{path}:{line}:{}", f.column),
        None => format!("{path}:byte {}", f.offset),
    };
    format!(
        "{place}: {}: {} [{}]",
        f.severity.as_str(),
        f.message,
        f.kind.name()
    )
}

/// `::error file=…,line=…,col=…,title=…::message`
pub fn github(path: &str, f: &Finding) -> String {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = format!("file={}", escape_property(path));
    if let Some(line) = f.line {
        props.push_str(&format!(",line={line},col={}", f.column));
    }
    props.push_str(&format!(",title=tvmux {}", f.kind.name()));
    format!("::{level} {props}::{}", escape_data(&f.message))
}

/// An input that could not be read at all, as a workflow annotation.
pub fn github_failure(path: &str, message: &str) -> String {
    format!(
        "::error file={},title=tvmux unreadable::{}",
        escape_property(path),
        escape_data(message)
    )
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvmux::cast::Kind;

    fn finding(line: Option<u64>) -> Finding {
        Finding {
            line,
            column: 7,
            offset: 99,
            severity: Severity::Error,
            kind: Kind::TornLine,
            message: "torn 100%\nline".into(),
        }
    }

    #[test]
    fn formats() {
        assert_eq!(
            human("a.cast", &finding(Some(3))),
            "a.cast:3:7: error: torn 100%\nline [torn-line]"
        );
        assert_eq!(
            human("a.cast", &finding(None)),
            "a.cast:byte 99: error: torn 100%\nline [torn-line]"
        );
        assert_eq!(
            github("d,1:a.cast", &finding(Some(3))),
            "::error file=d%2C1%3Aa.cast,line=3,col=7,title=tvmux torn-line::torn 100%25%0Aline"
        );
    }
}
