//! `tvmux rec start|ls|stop|forget|toggle|status`

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Subcommand, ValueEnum};
use tvmux::cast::Version;
use tvmux::config::Config;
use tvmux::server::client::ClientError;
use tvmux::server::protocol::{
    RecordingStatus, StartReply, StartRequest, State, View, check_target,
};

use super::exit;
use super::output::paint;
use super::remote::Remote;
use super::stdout::outln;

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
    /// List active recordings, and failed ones until they are forgotten.
    Ls(LsArgs),
    /// Stop recordings (all active ones when no ID is given).
    Stop {
        #[arg(value_name = "ID")]
        ids: Vec<String>,
    },
    /// Acknowledge recordings that have ended (failed ones stay listed until then).
    Forget {
        #[arg(value_name = "ID", required = true)]
        ids: Vec<String>,
    },
    /// Stop the window's recording if it has one, else start one (the tmux
    /// plugin's key).
    Toggle {
        #[command(flatten)]
        start: StartArgs,
        /// Also say what happened in tmux's status line.
        #[arg(long)]
        message: bool,
    },
    /// Print `● REC` if the window is being recorded, nothing otherwise
    /// (for a status line).
    Status {
        /// The window (any tmux target); default: the current one.
        #[arg(short = 't', long)]
        target: Option<String>,
        /// Styled for tmux's status line.
        #[arg(long)]
        tmux: bool,
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
    format: Option<Version>,
    /// pane: the active pane, following switches; window: the whole window
    /// as tmux draws it, every pane and border (default: from the configuration).
    #[arg(long, value_enum)]
    view: Option<View>,
    /// With --view window: draw the window's status line too.
    #[arg(long)]
    status: bool,
}

#[derive(clap::Args)]
struct LsArgs {
    /// Print ids only.
    #[arg(short, long)]
    quiet: bool,
    /// Every recording of this server, stopped ones included.
    #[arg(short, long)]
    all: bool,
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
        Some(Rec::Forget { ids }) => forget(&remote, ids),
        Some(Rec::Toggle { start, message }) => toggle(&remote, start, message),
        Some(Rec::Status { target, tmux }) => status(&remote, target, tmux),
    }
}

/// The id (`@N`) of the window `target` names, asked of the tmux of `$TMUX`.
fn window_id(target: Option<&str>) -> Result<u32> {
    let target = match target {
        Some(t) => t.to_string(),
        None => {
            std::env::var("TMUX_PANE").context("$TMUX_PANE is not set: name the window with -t")?
        }
    };
    check_target(&target).map_err(|e| anyhow!(e))?;
    let out = std::process::Command::new("tmux")
        .args(["display-message", "-p", "-t", &target, "#{window_id}"])
        .output()
        .context("cannot run tmux")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix('@')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow!("tmux: can't find window {target}"))
}

/// The cast a live recording is writing: that of the window `target`
/// names, or of the recording `id` (for `tvmux play`).
pub(super) fn live_cast(target: Option<&str>, id: Option<&str>) -> Result<std::path::PathBuf> {
    let remote = Remote::new()?;
    let found = match id {
        Some(id) => recordings(&remote, false)?
            .into_iter()
            .find(|r| r.id == id && r.state == State::Recording),
        None => recording_of(&remote, window_id(target)?)?,
    };
    found
        .map(|r| r.path)
        .ok_or_else(|| anyhow!("no live recording there (tvmux rec ls lists them)"))
}

/// The active recording of window `@id`, if any.
fn recording_of(remote: &Remote, id: u32) -> Result<Option<RecordingStatus>> {
    Ok(recordings(remote, false)?
        .into_iter()
        .find(|r| r.window_id == id && r.state == State::Recording))
}

/// Asks to start; the server answers with the window's recording if it has
/// one already, which is then stopped: one request decides.
fn toggle(remote: &Remote, args: StartArgs, message: bool) -> Result<u8> {
    let reply = request_start(remote, args)?;
    let r = reply.recording;
    let (said, code) = if reply.already {
        let stopped = remote.call(async |c| c.stop(&r.id).await)?;
        let (ok, outcome) = stop_outcome(&stopped);
        let said = format!("tvmux: stopped recording @{}: {outcome}", r.window_id);
        (said, if ok { exit::OK } else { exit::INVALID })
    } else {
        let path = printable(&r.path.display().to_string());
        (
            format!("tvmux: recording @{} to {path}", r.window_id),
            exit::OK,
        )
    };
    if code == exit::OK {
        outln!("{said}");
    } else {
        eprintln!("{said}");
    }
    if message {
        // An argument vector: the path is never read by a shell; `#` would
        // be read by tmux as a format.
        let _ = std::process::Command::new("tmux")
            .args(["display-message", "-d", "3000", &said.replace('#', "##")])
            .status();
    }
    Ok(code)
}

/// What a stop left: true and "saved PATH" when the cast is valid and
/// complete; false and what went wrong (and what the file holds) when not.
fn stop_outcome(rec: &RecordingStatus) -> (bool, String) {
    let path = printable(&rec.path.display().to_string());
    match (&rec.state, &rec.error) {
        (State::Failed, why) => (
            false,
            format!("failed: {}", printable(why.as_deref().unwrap_or("unknown"))),
        ),
        (State::Recording, _) => (false, "still recording".to_string()),
        (State::Stopped, _) if rec.empty => (
            true,
            "nothing was recorded (stopped before the first frame; no file left)".to_string(),
        ),
        (State::Stopped, Some(note)) => (true, format!("saved {path} ({})", printable(note))),
        (State::Stopped, None) => (true, format!("saved {path}")),
    }
}

fn status(remote: &Remote, target: Option<String>, tmux: bool) -> Result<u8> {
    let id = window_id(target.as_deref())?;
    if recording_of(remote, id)?.is_some() {
        if tmux {
            outln!("#[fg=red,bold]● REC#[default] ");
        } else {
            outln!("● REC");
        }
    }
    Ok(exit::OK)
}

fn start(remote: &Remote, args: StartArgs) -> Result<u8> {
    let reply = request_start(remote, args)?;
    let (id, path) = (&reply.recording.id, reply.recording.path.display());
    if reply.already {
        outln!("already recording this window: {id} {path}");
    } else {
        outln!("recording {id} {path}");
    }
    Ok(exit::OK)
}

/// `POST /recordings` for the current (or the named) window, the server
/// started if need be.
fn request_start(remote: &Remote, args: StartArgs) -> Result<StartReply> {
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
    check_target(&target).map_err(|e| anyhow!(e))?;
    let config = Config::load()?;
    if args.status && args.view.unwrap_or(config.recording.view) != View::Window {
        bail!("--status draws the status line of a window view: add --view window");
    }
    remote.ensure_server(&config)?;
    let request = StartRequest {
        tmux_socket: socket.into(),
        target,
        format: args.format,
        dir: args.dir.map(|d| std::path::absolute(&d)).transpose()?,
        view: args.view,
        status_line: args.status.then_some(true),
    };
    Ok(remote.call(async |c| c.start(&request).await)?)
}

/// The recordings the server lists (`all`: stopped ones too).
fn recordings(remote: &Remote, all: bool) -> Result<Vec<RecordingStatus>> {
    match remote.call(async |c| c.list(all).await) {
        Ok(list) => Ok(list),
        Err(ClientError::NotRunning(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

fn list(remote: &Remote, args: LsArgs) -> Result<u8> {
    let recordings = recordings(remote, args.all)?;
    if args.quiet {
        for r in &recordings {
            outln!("{}", r.id);
        }
    } else if args.format == ListFormat::Json {
        outln!("{}", serde_json::to_string(&recordings)?);
    } else if recordings.is_empty() {
        outln!("no active recordings");
    } else {
        outln!(
            "{:<4} {:<9} {:<16} {:<20} {:<6} {:>10} {:>9}  PATH",
            "ID",
            "STATE",
            "SESSION",
            "WINDOW",
            "VIEW",
            "BYTES",
            "DURATION"
        );
        for r in &recordings {
            // Padded before painting: escapes take no columns.
            let state = match r.state {
                State::Recording => paint("32", &format!("{:<9}", "recording")),
                State::Stopped => format!("{:<9}", "stopped"),
                State::Failed => paint("1;31", &format!("{:<9}", "FAILED")),
            };
            let view = match r.view {
                View::Pane => r.active_pane.map(|p| format!("%{p}")).unwrap_or_default(),
                View::Window => "window".to_string(),
            };
            outln!(
                "{:<4} {} {:<16} {:<20} {:<6} {:>10} {:>8.1}s  {}{}",
                r.id,
                state,
                printable(&r.session),
                format!("@{} {}", r.window_id, printable(&r.window)),
                view,
                r.bytes,
                r.duration,
                printable(&r.path.display().to_string()),
                if r.auto { "  (auto)" } else { "" },
            );
            if let Some(part) = r.part.filter(|&p| p > 1) {
                outln!("     part {part} ({} closed before it)", part - 1);
            }
            if let Some(why) = &r.error {
                outln!("     {}", printable(why));
            }
        }
    }
    Ok(exit::OK)
}

/// Names come from tmux and the user: control characters (an ESC sequence in
/// a window name, a newline or a tab) are shown escaped, never sent to the
/// terminal.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

fn stop(remote: &Remote, ids: Vec<String>) -> Result<u8> {
    let ids = if ids.is_empty() {
        recordings(remote, false)?
            .into_iter()
            .filter(|r| r.state == State::Recording)
            .map(|r| r.id)
            .collect()
    } else {
        ids
    };
    if ids.is_empty() {
        outln!("no active recordings");
        return Ok(exit::OK);
    }
    let mut code = exit::OK;
    for id in ids {
        match remote.call(async |c| c.stop(&id).await) {
            Ok(rec) => match stop_outcome(&rec) {
                (true, outcome) => outln!("stopped {id}: {outcome}"),
                (false, outcome) => {
                    eprintln!("tvmux: stopped {id}: {outcome}");
                    code = exit::INVALID;
                }
            },
            Err(e) => {
                eprintln!("tvmux: recording {id}: {e}");
                code = exit::INVALID;
            }
        }
    }
    Ok(code)
}

fn forget(remote: &Remote, ids: Vec<String>) -> Result<u8> {
    let mut code = exit::OK;
    let active: Vec<String> = recordings(remote, false)?
        .into_iter()
        .filter(|r| r.state == State::Recording)
        .map(|r| r.id)
        .collect();
    for id in ids {
        if active.contains(&id) {
            eprintln!("tvmux: recording {id} is still recording: stop it first");
            code = exit::INVALID;
            continue;
        }
        match remote.call(async |c| c.stop(&id).await) {
            Ok(_) => outln!("forgot {id}"),
            Err(e) => {
                eprintln!("tvmux: recording {id}: {e}");
                code = exit::INVALID;
            }
        }
    }
    Ok(code)
}
