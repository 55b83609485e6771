//! `tvmux server start|stop|status|run`

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Subcommand;
use tvmux::config::Config;
use tvmux::server::client::ClientError;

use super::exit;
use super::remote::Remote;
use super::stdout::outln;

#[derive(Subcommand)]
pub enum Server {
    /// Start the server in the background.
    Start {
        /// Only if `[recording] auto` is on (what the plugin runs when tmux
        /// loads it): the server then records every window.
        #[arg(long)]
        if_auto: bool,
    },
    /// Stop the server, saving every recording.
    Stop,
    /// Show pid, socket, uptime and recordings.
    Status,
    /// Run the server in the foreground (what `start` runs).
    Run,
}

pub fn run(command: Server) -> Result<u8> {
    let remote = Remote::new()?;
    match command {
        Server::Start { if_auto } => {
            let config = Config::load()?;
            if if_auto && !config.recording.auto {
                return Ok(exit::OK);
            }
            if remote.running() {
                outln!("already running ({})", remote.paths.socket().display());
                return Ok(exit::OK);
            }
            tvmux::server::spawn_daemon(&config, &remote.paths)?;
            let status = remote.call(async |c| c.status().await)?;
            outln!(
                "started: pid {} on {}",
                status.pid,
                remote.paths.socket().display()
            );
            Ok(exit::OK)
        }
        Server::Stop => {
            match remote.call(async |c| c.shutdown().await) {
                Err(ClientError::NotRunning(_)) => {
                    outln!("not running");
                    return Ok(exit::OK);
                }
                Err(e) => return Err(e.into()),
                Ok(_) => {}
            }
            let deadline = Instant::now() + Duration::from_secs(60);
            while remote.running() || remote.paths.pid_file().exists() {
                if Instant::now() > deadline {
                    bail!("the server did not stop within 60 s");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            outln!("stopped");
            Ok(exit::OK)
        }
        Server::Status => match remote.call(async |c| c.status().await) {
            Ok(s) => {
                outln!("pid:        {}", s.pid);
                outln!("socket:     {}", s.socket.display());
                outln!("version:    {}", s.version);
                outln!("uptime:     {:.0}s", s.uptime_secs);
                outln!("recordings: {}", s.recordings);
                for w in &s.warnings {
                    outln!("warning:    {w}");
                }
                Ok(exit::OK)
            }
            Err(ClientError::NotRunning(_)) => {
                outln!("not running");
                Ok(exit::INVALID)
            }
            Err(e) => Err(e.into()),
        },
        Server::Run => {
            let config = Config::load()?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(tvmux::server::run(config, remote.paths.clone()))?;
            Ok(exit::OK)
        }
    }
}
