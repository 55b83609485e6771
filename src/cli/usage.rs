//! Usage errors: the one line that says what is wrong comes first, then
//! the detail (clap's usage, the regex parser's pointer into the pattern).

use clap::Parser;
use clap::error::ErrorKind;
use regex::{Regex, RegexBuilder};

use super::Cli;

/// The command line, or the exit after a usage error, help or version.
pub fn parse() -> Result<Cli, u8> {
    Cli::try_parse().map_err(|e| {
        if matches!(
            e.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        ) {
            // Help asked for (or all there is to say): clap's own output.
            let _ = e.print();
            return e.exit_code() as u8;
        }
        eprint!("{}", first_line_first(&e.render().to_string()));
        super::exit::ERROR
    })
}

/// clap's message with its first paragraph made one line, `tvmux: `
/// before it: "error: the following required arguments were not
/// provided:\n  --to <TO>\n" becomes "tvmux: the following … provided:
/// --to <TO>\n".
fn first_line_first(message: &str) -> String {
    let mut lines = message.lines();
    let first = lines.next().unwrap_or_default();
    let mut summary = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let mut rest: Vec<&str> = Vec::new();
    for line in lines.by_ref() {
        match line.strip_prefix("  ") {
            Some(more) if rest.is_empty() => {
                summary.push_str(if summary.ends_with(':') { " " } else { ", " });
                summary.push_str(more.trim());
            }
            _ => {
                rest.push(line);
                break;
            }
        }
    }
    rest.extend(lines);
    let mut out = format!("tvmux: {summary}\n");
    for line in rest {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `pattern` as a regex; its error, if not, with what is wrong in the
/// first line and the parser's pointer into the pattern after it.
pub fn regex(pattern: &str, ignore_case: bool) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .build()
        .map_err(|e| {
            let detail = e.to_string();
            let what = detail
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or(&detail);
            let mut message = format!("tvmux: invalid pattern {pattern:?}: {what}");
            if detail.lines().count() > 1 {
                message.push('\n');
                message.push_str(&detail);
            }
            message
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_paragraph_becomes_one_line() {
        let clap = "error: the following required arguments were not provided:\n  --to <TO>\n  <IN>\n\nUsage: tvmux cut --from <FROM> --to <TO> <IN>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            first_line_first(clap),
            "tvmux: the following required arguments were not provided: --to <TO>, <IN>\n\nUsage: tvmux cut --from <FROM> --to <TO> <IN>\n\nFor more information, try '--help'.\n"
        );
        let one = "error: invalid value 'abc' for '--factor <FACTOR>': invalid float literal\n\nFor more information, try '--help'.\n";
        assert!(first_line_first(one).starts_with("tvmux: invalid value 'abc'"));
    }

    #[test]
    fn a_bad_pattern_says_what_is_wrong_first() {
        let e = regex("(", false).unwrap_err();
        let mut lines = e.lines();
        assert_eq!(
            lines.next(),
            Some("tvmux: invalid pattern \"(\": unclosed group")
        );
        assert!(lines.any(|l| l.trim() == "^"), "{e}");
    }
}
