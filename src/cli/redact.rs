//! `tvmux redact`

use std::path::PathBuf;

use regex::Regex;
use tvmux::edit::Input;
use tvmux::history;

use super::edit::OutputArgs;
use super::exit;
use super::stdout::outln;

#[derive(clap::Args)]
pub struct Args {
    /// Regular expressions for the secrets (with -F: the secrets as they are).
    #[arg(required = true, value_name = "PATTERN")]
    patterns: Vec<String>,
    /// The cast (v1, v2 or v3; `-`: standard input).
    #[arg(value_name = "IN")]
    input: PathBuf,
    /// The patterns are plain text, not regular expressions.
    #[arg(short = 'F', long)]
    fixed_strings: bool,
    /// Match case-insensitively.
    #[arg(short = 'i', long)]
    ignore_case: bool,
    /// List what would be masked (time, stream, pattern, length); write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> u8 {
    let patterns: Result<Vec<Regex>, String> = args
        .patterns
        .iter()
        .map(|p| {
            let p = if args.fixed_strings {
                regex::escape(p)
            } else {
                p.clone()
            };
            super::usage::regex(&p, args.ignore_case)
        })
        .collect();
    let patterns = match patterns {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::ERROR;
        }
    };
    let list = args.dry_run;
    let mut found: Vec<history::Redaction> = Vec::new();
    let result = Input::open(&args.input).and_then(|input| {
        let output = if list {
            None
        } else {
            Some(args.output.open(&[&args.input])?)
        };
        history::redact(&input, &patterns, output, |r| found.push(r.clone()))
    });
    // Found stream by stream: listed in time order, the header first.
    let time = |r: &history::Redaction| match &r.place {
        history::Place::Header(_) => None,
        history::Place::Event { time, .. } => Some(*time),
    };
    found.sort_by_key(time);
    if list {
        for r in &found {
            let place = match &r.place {
                history::Place::Header(field) => format!("header {field}"),
                history::Place::Event { time, code } => {
                    format!("{} {code}", tvmux::edit::timestamp(*time))
                }
            };
            outln!("{place} pattern {} ({} characters)", r.pattern + 1, r.chars);
        }
    }
    let count = found.len();
    let in_header = found.iter().filter(|r| time(r).is_none()).count();
    match result {
        Ok(events) => {
            let verb = if list { "would mask" } else { "masked" };
            let header = match in_header {
                0 => String::new(),
                n => format!(" and {n} in the header"),
            };
            eprintln!(
                "tvmux: {verb} {} matches in {events} events{header}",
                count - in_header
            );
            exit::OK
        }
        Err(e) => super::edit::failed(e),
    }
}
