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
    // Found stream by stream: listed in time order.
    found.sort_by_key(|r| r.time);
    if list {
        for r in &found {
            outln!(
                "{} {} pattern {} ({} characters)",
                tvmux::edit::timestamp(r.time),
                r.code,
                r.pattern + 1,
                r.chars
            );
        }
    }
    let count = found.len();
    match result {
        Ok(events) => {
            let verb = if list { "would mask" } else { "masked" };
            eprintln!("tvmux: {verb} {count} matches in {events} events");
            exit::OK
        }
        Err(e) => super::edit::failed(e),
    }
}
