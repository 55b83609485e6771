//! `tvmux events`

use std::io::Write;

use anyhow::Result;
use tvmux::server::protocol::{EventKind, ServerEvent};

use super::exit;
use super::remote::Remote;

#[derive(clap::Args)]
pub struct Args {
    /// First print the kept events numbered after N (0: every kept one).
    #[arg(long, value_name = "N")]
    since: Option<u64>,
    /// Print what is kept and stop, instead of following.
    #[arg(long)]
    no_follow: bool,
    /// One JSON object per line, as the server sends them.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<u8> {
    let remote = Remote::new()?;
    let mut out = super::stdout::out();
    remote.call(async |c| {
        c.events(args.since, !args.no_follow, |e| {
            let line = if args.json {
                serde_json::to_string(&e).expect("protocol types serialize")
            } else {
                human(&e)
            };
            // Standard output closed (a pager quit): stop following.
            writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
        })
        .await
    })?;
    Ok(exit::OK)
}

fn human(e: &ServerEvent) -> String {
    let time = chrono::DateTime::from_timestamp_micros((e.time * 1e6) as i64)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    let kind = match e.kind {
        EventKind::Started => "started",
        EventKind::Stopped => "stopped",
        EventKind::Failed => "failed",
        EventKind::Repaired => "repaired",
        EventKind::Rotated => "rotated",
        EventKind::Removed => "removed",
        EventKind::Tmux => "tmux",
        EventKind::Warning => "warning",
    };
    let mut line = format!("{time} {:>5} {kind:<8}", e.seq);
    if let Some(s) = &e.status {
        line.push_str(&format!(
            " {} {}:@{} {}",
            s.id,
            s.session,
            s.window_id,
            s.path.display()
        ));
        if let Some(why) = &s.error {
            line.push_str(&format!(" ({why})"));
        }
    }
    if let Some(detail) = &e.detail {
        line.push(' ');
        line.push_str(&detail.escape_debug().to_string());
    }
    line
}
