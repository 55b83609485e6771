//! `tvmux rec start|ls|stop`

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::{Subcommand, ValueEnum};
use hyper::Method;
use serde_json::{Value, json};
use tvmux::config::{CastFormat, Config};
use tvmux::server::client::ClientError;

use super::exit;
use super::remote::Remote;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Rec>,
    #[command(flatten)]
    start: StartArgs,
}

#[derive(Subcommand)]
enum Rec {
    /// Record the current tmux window (the default).
    Start(StartArgs),
    /// List active recordings.
    Ls(LsArgs),
    /// Stop recordings (all when no ID is given).
    Stop {
        #[arg(value_name = "ID")]
        ids: Vec<String>,
    },
}

#[derive(clap::Args, Default)]
struct StartArgs {
    /// The window to record (any tmux target); default: the current one.
    #[arg(short = 't', long)]
    target: Option<String>,
    /// Directory for the cast (default: from the configuration).
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    dir: Option<PathBuf>,
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    V2,
    V3,
}

#[derive(clap::Args)]
struct LsArgs {
    /// Print ids only.
    #[arg(short, long)]
    quiet: bool,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

pub fn run(args: Args) -> Result<u8> {
    let remote = Remote::new()?;
    match args.command {
        None => start(&remote, args.start),
        Some(Rec::Start(start_args)) => start(&remote, start_args),
        Some(Rec::Ls(ls)) => list(&remote, ls),
        Some(Rec::Stop { ids }) => stop(&remote, ids),
    }
}

fn start(remote: &Remote, args: StartArgs) -> Result<u8> {
    let tmux = std::env::var("TMUX").ok().filter(|t| !t.is_empty());
    let socket = tmux
        .as_deref()
        .and_then(|t| t.split(',').next())
        .ok_or_else(|| {
            anyhow!("not inside tmux ($TMUX is not set): run tvmux rec from a tmux pane")
        })?;
    let target = match args.target {
        Some(t) => t,
        None => {
            std::env::var("TMUX_PANE").context("$TMUX_PANE is not set: name the window with -t")?
        }
    };
    let config = Config::load()?;
    remote.ensure_server(&config)?;
    let mut body = json!({ "tmux_socket": socket, "target": target });
    if let Some(format) = args.format {
        body["format"] = json!(match format {
            Format::V2 => CastFormat::V2,
            Format::V3 => CastFormat::V3,
        });
    }
    if let Some(dir) = args.dir {
        let dir = std::path::absolute(&dir)?;
        body["dir"] = json!(dir);
    }
    let reply = remote.call_ok(Method::POST, "/recordings", Some(&body))?;
    let rec = &reply["recording"];
    let (id, path) = (
        rec["id"].as_str().unwrap_or("?"),
        rec["path"].as_str().unwrap_or("?"),
    );
    if reply["already"] == true {
        println!("already recording this window: {id} {path}");
    } else {
        println!("recording {id} {path}");
    }
    Ok(exit::OK)
}

fn list(remote: &Remote, args: LsArgs) -> Result<u8> {
    let recordings = match remote.call(Method::GET, "/recordings", None) {
        Ok((_, Value::Array(list))) => list,
        Ok((_, other)) => return Err(anyhow!("unexpected reply: {other}")),
        Err(ClientError::NotRunning(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if args.quiet {
        for r in &recordings {
            println!("{}", r["id"].as_str().unwrap_or_default());
        }
    } else if args.format == ListFormat::Json {
        println!("{}", Value::Array(recordings));
    } else if recordings.is_empty() {
        println!("no active recordings");
    } else {
        println!(
            "{:<4} {:<16} {:<20} {:<6} {:>10} {:>9}  PATH",
            "ID", "SESSION", "WINDOW", "PANE", "BYTES", "DURATION"
        );
        for r in &recordings {
            println!(
                "{:<4} {:<16} {:<20} {:<6} {:>10} {:>8.1}s  {}",
                r["id"].as_str().unwrap_or_default(),
                r["session"].as_str().unwrap_or_default(),
                format!(
                    "@{} {}",
                    r["window_id"],
                    r["window"].as_str().unwrap_or_default()
                ),
                r["active_pane"]
                    .as_u64()
                    .map(|p| format!("%{p}"))
                    .unwrap_or_default(),
                r["bytes"].as_u64().unwrap_or_default(),
                r["duration"].as_f64().unwrap_or_default(),
                r["path"].as_str().unwrap_or_default(),
            );
        }
    }
    Ok(exit::OK)
}

fn stop(remote: &Remote, ids: Vec<String>) -> Result<u8> {
    let ids = if ids.is_empty() {
        match remote.call(Method::GET, "/recordings", None) {
            Ok((_, Value::Array(list))) => list
                .iter()
                .filter_map(|r| r["id"].as_str().map(String::from))
                .collect(),
            Err(ClientError::NotRunning(_)) => Vec::new(),
            Ok(_) => Vec::new(),
            Err(e) => return Err(e.into()),
        }
    } else {
        ids
    };
    if ids.is_empty() {
        println!("no active recordings");
        return Ok(exit::OK);
    }
    let mut code = exit::OK;
    for id in ids {
        match remote.call_ok(Method::DELETE, &format!("/recordings/{id}"), None) {
            Ok(rec) => {
                let path = rec["path"].as_str().unwrap_or("?");
                match rec["error"].as_str() {
                    Some(e) => println!("stopped {id}: saved {path} ({e})"),
                    None => println!("stopped {id}: saved {path}"),
                }
            }
            Err(e) => {
                eprintln!("tvmux: recording {id}: {e}");
                code = exit::INVALID;
            }
        }
    }
    Ok(code)
}
