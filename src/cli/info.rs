//! `tvmux info`

use std::path::PathBuf;

use clap::ValueEnum;
use tvmux::edit::{self, Info, Input, clock};

use super::exit;
use super::stdout::{outln, outp};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// The casts (v1, v2 or v3; `-`: standard input).
    #[arg(required = true, value_name = "CAST")]
    paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    /// One JSON object per cast, one per line.
    Json,
}

pub fn run(args: Args) -> u8 {
    let mut status = exit::OK;
    for path in &args.paths {
        match Input::open(path).and_then(|input| edit::info(&input)) {
            Ok(info) => match args.format {
                Format::Human => outp!("{}", human(&info)),
                Format::Json => outln!("{}", serde_json::to_string(&info).unwrap()),
            },
            Err(e) => status = status.max(super::edit::failed(e)),
        }
    }
    status
}

fn at(seconds: f64) -> String {
    clock((seconds * 1e6).round() as u64)
}

fn human(info: &Info) -> String {
    let mut out = format!("{}\n", info.path.display());
    let mut row = |name: &str, value: String| {
        if !value.is_empty() {
            out.push_str(&format!("  {name:<9} {value}\n"));
        }
    };
    row("version", info.version.to_string());
    let term = info
        .term
        .as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    row("terminal", format!("{}{term}", info.size));
    row(
        "resized",
        info.resizes
            .iter()
            .map(|r| format!("{} at {}", r.data, at(r.time)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    row(
        "duration",
        format!("{} ({:.3} s)", at(info.duration), info.duration),
    );
    row(
        "events",
        info.events
            .iter()
            .map(|(code, n)| format!("{code} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    row(
        "markers",
        info.markers
            .iter()
            .map(|m| format!("{} {:?}", at(m.time), m.data))
            .collect::<Vec<_>>()
            .join(", "),
    );
    row(
        "pauses",
        info.pauses
            .iter()
            .map(|p| format!("{:.3} s at {}", p.seconds, at(p.at)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    row("title", info.title.clone().unwrap_or_default());
    row("command", info.command.clone().unwrap_or_default());
    row(
        "env",
        info.env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    out
}
