//! How findings are printed: like a compiler, as JSON, or as GitHub
//! workflow annotations; and whether human output is coloured.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::ValueEnum;
use tvmux::cast::{Finding, Severity};

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

static COLOR: AtomicBool = AtomicBool::new(false);

/// Decides once, for the whole run, whether human output is coloured.
pub fn set_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // no-color.org: set and not empty means no colour.
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    COLOR.store(on, Ordering::Relaxed);
}

/// Whether human output is coloured.
pub fn colored() -> bool {
    COLOR.load(Ordering::Relaxed)
}

/// `text` in an SGR style (`"1;31"`: bold red) when colour is on.
pub fn paint(style: &str, text: &str) -> String {
    if colored() {
        format!("\x1b[{style}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// The style of a severity: errors red, warnings yellow.
fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
    }
}

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
        "{}: {}: {} [{}]",
        paint("1", &place),
        paint(severity_style(f.severity), f.severity.as_str()),
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

/// One record as a line of JSON (`--format json`).
pub fn json_line(out: &mut impl Write, record: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    writeln!(out)
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
