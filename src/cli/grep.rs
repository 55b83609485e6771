//! `tvmux grep`

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use tvmux::edit::{EditError, Input, timestamp};
use tvmux::history::{self, Hit};

use super::exit;
use super::inputs;

#[derive(clap::Args)]
pub struct Args {
    /// A regular expression (Rust regex syntax), matched against every line
    /// the screen ever showed (either screen), and what scrolled off it.
    pattern: String,
    /// Casts, or directories searched for `*.cast` (and `.cast.zst`, `.cast.gz`; default: the recordings
    /// directory from the configuration).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Match case-insensitively.
    #[arg(short = 'i', long)]
    ignore_case: bool,
    /// Show N lines of text before and after each match.
    #[arg(short = 'C', long, value_name = "N", default_value_t = 0)]
    context: usize,
    /// One JSON object per line (match or context), times in seconds.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    emulation: super::edit::EmulationArgs,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    path: &'a str,
    /// Seconds since the start of the recording.
    time: f64,
    line: &'a str,
    /// `primary` or `alternate`: the screen the line was on.
    screen: &'static str,
    submatches: Vec<Submatch<'a>>,
}

#[derive(Serialize)]
struct Submatch<'a> {
    #[serde(rename = "match")]
    text: &'a str,
    start: usize,
    end: usize,
}

pub fn run(args: Args) -> u8 {
    let regex = match super::usage::regex(&args.pattern, args.ignore_case) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return exit::ERROR;
        }
    };
    let paths = match inputs::or_recordings(&args.paths) {
        Ok(paths) => paths,
        Err(e) => {
            eprintln!("{e}");
            return exit::ERROR;
        }
    };
    // ripgrep's colours (the global --color decides whether).
    let colour = super::output::colored() && !args.json;
    // Every cast is searched in parallel; each one's lines are printed
    // together, in the order of the paths.
    let inputs = inputs::expand(&paths, inputs::Empty::Refused(None));
    // One cast takes the cores itself; several take one each.
    let mut how = args.emulation.get();
    if inputs.len() > 1 {
        how.threads = 1;
    }
    let results: Vec<(String, Result<Vec<Hit>, String>)> = inputs
        .into_par_iter()
        .map(|input| match input {
            Err((name, e)) => {
                let message = format!("{name}: {e}");
                (name, Err(message))
            }
            Ok(input) => {
                let name = input.display();
                let path = match input {
                    inputs::Input::Stdin => PathBuf::from("-"),
                    inputs::Input::File(p) => p,
                };
                let mut hits = Vec::new();
                let found = Input::open(&path)
                    .and_then(|cast| {
                        history::search(&cast, &regex, args.context, how, |h| hits.push(h))
                    })
                    .map(|_| hits)
                    .map_err(|e: EditError| e.to_string());
                (name, found)
            }
        })
        .collect();
    let mut out = std::io::BufWriter::new(super::stdout::out());
    let (mut matched, mut failed) = (false, false);
    for (name, result) in results {
        if super::stdout::failed() {
            break;
        }
        let hits = match result {
            Ok(hits) => hits,
            Err(e) => {
                eprintln!("tvmux: {e}");
                failed = true;
                continue;
            }
        };
        let mut last: Option<u64> = None;
        for hit in &hits {
            matched |= hit.is_match();
            let printed = if args.json {
                print_json(&mut out, &name, hit)
            } else {
                if args.context > 0 && last.is_some_and(|l| hit.index > l + 1) {
                    let _ = writeln!(out, "--");
                }
                print_line(&mut out, &name, hit, colour)
            };
            if printed.is_err() {
                // Standard output closed (a pager quit): nothing more to say.
                return if matched { exit::OK } else { exit::INVALID };
            }
            last = Some(hit.index);
        }
    }
    let _ = out.flush();
    if failed {
        exit::ERROR
    } else if matched {
        exit::OK
    } else {
        exit::INVALID
    }
}

fn print_line(out: &mut impl Write, name: &str, hit: &Hit, colour: bool) -> std::io::Result<()> {
    let sep = if hit.is_match() { ':' } else { '-' };
    let time = timestamp(hit.time);
    if !colour {
        return writeln!(out, "{name}{sep}{time}{sep} {}", hit.text);
    }
    // ripgrep's colours: path magenta, time green, matches bold red.
    let mut text = String::with_capacity(hit.text.len() + 16);
    let mut at = 0;
    for m in &hit.matches {
        text.push_str(&hit.text[at..m.start]);
        text.push_str("\x1b[1;31m");
        text.push_str(&hit.text[m.clone()]);
        text.push_str("\x1b[0m");
        at = m.end;
    }
    text.push_str(&hit.text[at..]);
    writeln!(
        out,
        "\x1b[35m{name}\x1b[0m{sep}\x1b[32m{time}\x1b[0m{sep} {text}"
    )
}

fn print_json(out: &mut impl Write, name: &str, hit: &Hit) -> std::io::Result<()> {
    let line = JsonLine {
        kind: if hit.is_match() { "match" } else { "context" },
        path: name,
        time: hit.time as f64 / 1e6,
        line: &hit.text,
        screen: match hit.screen {
            history::Shown::Primary => "primary",
            history::Shown::Alternate => "alternate",
        },
        submatches: hit
            .matches
            .iter()
            .map(|m| Submatch {
                text: &hit.text[m.clone()],
                start: m.start,
                end: m.end,
            })
            .collect(),
    };
    writeln!(out, "{}", serde_json::to_string(&line).unwrap())
}
