//! Auto-recording (`[recording] auto = true`): the server records every
//! window of every session of its tmux server, and those created later.
//! A window whose auto-recording was stopped (`rec stop`) is left alone
//! until it is closed.
//!
//! tmux is asked for its windows every [`POLL`]: one `list-windows -a`, so
//! windows and sessions made by any means (a key, a script, another
//! client) are found without a control client per session.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::manager::Manager;
use super::protocol::StartRequest;
use crate::record::window_view;
use crate::tmux::Tmux;

/// How often tmux is asked for its windows.
pub const POLL: Duration = Duration::from_secs(1);

/// Records every window of the tmux server at `socket` until the server
/// stops.
pub async fn record_all(manager: Arc<Manager>, socket: PathBuf) {
    let tmux = Tmux::new(Some(&socket));
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        // No tmux server (yet, or any more): nothing to record.
        let Ok(windows) = tmux
            .list(
                &["list-windows", "-a"],
                &["window_id", "session_name"],
                |f| {
                    Some((
                        f.first()?.strip_prefix('@')?.parse::<u32>().ok()?,
                        f.get(1)?.to_string(),
                    ))
                },
            )
            .await
        else {
            continue;
        };
        let open: HashSet<u32> = windows.iter().map(|(id, _)| *id).collect();
        manager.forget_closed_windows(&socket, &open);
        for (window, session) in windows {
            // A window view's helper session shows another window.
            if window_view::is_helper_name(&session) || !manager.wants_auto(&socket, window) {
                continue;
            }
            let request = StartRequest {
                tmux_socket: socket.clone(),
                target: format!("@{window}"),
                format: None,
                dir: None,
                view: None,
                status_line: None,
            };
            if let Err(e) = manager.start_auto(request).await {
                crate::log::debug(&format!("auto-recording @{window}: {}", e.message));
            }
        }
    }
}
