//! The per-user server: a tokio daemon holding the recordings, serving
//! HTTP/1.1 + JSON on an owner-only Unix socket.

mod api;
mod auto;
pub mod client;
mod error;
mod events;
mod listener;
mod manager;
mod openapi;
mod parts;
pub mod paths;
pub mod protocol;
mod tmux;
mod tmux_api;

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use anyhow::{Context, bail};
use tokio::net::UnixListener;

use crate::config::Config;
use manager::Manager;
use paths::Paths;

/// Runs the server until SIGTERM, SIGINT or `POST /shutdown`; every cast is
/// finalized before it exits.
pub async fn run(config: Config, paths: Paths) -> anyhow::Result<()> {
    crate::log::LEVEL.store(
        crate::log::level(&config.logging.level)?,
        std::sync::atomic::Ordering::Relaxed,
    );
    paths
        .ensure()
        .with_context(|| format!("runtime directory {}", paths.dir.display()))?;
    // The pid file's lock says a server is alive; a second one refuses.
    let mut pid_file = paths.open(
        &paths.pid_file(),
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )?;
    if pid_file.try_lock().is_err() {
        bail!(
            "a tvmux server is already running (socket {})",
            paths.socket().display()
        );
    }
    pid_file.set_len(0)?;
    writeln!(pid_file, "{}", std::process::id())?;
    // No server holds the lock, so a socket left here is stale.
    let socket = paths.socket();
    match std::fs::remove_file(&socket) {
        Ok(()) => crate::log::info("replaced a stale socket from a server that is gone"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).context("removing the stale socket"),
    }
    let listener =
        UnixListener::bind(&socket).with_context(|| format!("binding {}", socket.display()))?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))?;
    let orphans = manager::repair_orphans(&paths, &config.output_dir());
    manager::remove_orphan_views(&paths).await;
    for path in &orphans {
        crate::log::info(&format!(
            "repaired {} left by a server that crashed",
            path.display()
        ));
    }
    let manager = Manager::new(config, paths.clone(), orphans);
    {
        let manager = manager.clone();
        tokio::task::spawn_blocking(move || manager.keep_budget());
    }
    if manager.config.recording.auto {
        // The tmux server of the `$TMUX` the server started from (the
        // plugin starts it inside tmux), else the user's default one.
        let socket = crate::tmux::Tmux::new(None).socket;
        crate::log::info(&format!(
            "auto-recording every window of {}",
            socket.display()
        ));
        tokio::spawn(auto::record_all(manager.clone(), socket));
    }
    crate::log::info(&format!(
        "listening on {} (pid {})",
        socket.display(),
        std::process::id()
    ));
    let signals = {
        let m = manager.clone();
        async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (mut term, mut int) = (
                signal(SignalKind::terminate()).ok(),
                signal(SignalKind::interrupt()).ok(),
            );
            tokio::select! {
                _ = async { match &mut term { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
                _ = async { match &mut int { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
            }
            m.shutdown.notify_one();
        }
    };
    tokio::spawn(signals);
    let m = manager.clone();
    let stopping = async move {
        m.shutdown.notified().await;
        let stopped = m.stop_all().await;
        for s in stopped {
            crate::log::info(&format!("saved {}", s.path.display()));
        }
        // Followers of /events would hold the graceful shutdown open.
        m.events.close();
    };
    listener::serve(listener, api::router(manager), stopping).await;
    let _ = std::fs::remove_file(&socket);
    let _ = std::fs::remove_file(paths.pid_file());
    drop(pid_file);
    crate::log::info("stopped");
    Ok(())
}

/// Starts `tvmux server run` in the background (its own session, output to
/// the log file) and waits until it answers on its socket.
pub fn spawn_daemon(config: &Config, paths: &Paths) -> anyhow::Result<()> {
    paths.ensure()?;
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    let (log_path, log) = if config.logging.file.is_empty() {
        let path = paths.log_file();
        let log = paths.open(&path, &mut options)?;
        (path, log)
    } else {
        // A file the user named: where it leads is theirs to choose.
        let path = crate::config::expand_home(&config.logging.file);
        let log = options
            .open(&path)
            .with_context(|| format!("log file {}", path.display()))?;
        (path, log)
    };
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["server", "run"])
        .env("TVMUX_RUNTIME_DIR", &paths.dir)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // SAFETY: setsid is async-signal-safe; the daemon leaves our session so
    // it survives the terminal that started it.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            nix::unistd::setsid()
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
    let mut child = cmd.spawn().context("starting the server")?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if std::os::unix::net::UnixStream::connect(paths.socket()).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            bail!(
                "the server exited at once ({status}); see {}",
                log_path.display()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    bail!(
        "the server did not start within 5 s; see {}",
        log_path.display()
    )
}
