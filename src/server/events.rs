//! The server's event log: what happened to recordings and their tmux
//! sessions, numbered, the last [`HISTORY`] kept for `?since=N`, and sent
//! live to every `GET /events` that follows, until the server stops.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::broadcast;

use super::protocol::{EventKind, RecordingStatus, ServerEvent};

/// How many past events are kept for replay.
pub const HISTORY: usize = 1000;

/// Numbered events, a window of history, and live followers.
pub struct EventLog {
    state: Mutex<State>,
}

struct State {
    /// The last number given.
    seq: u64,
    past: VecDeque<ServerEvent>,
    /// None once the server is stopping: followers' streams end.
    live: Option<broadcast::Sender<ServerEvent>>,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog {
            state: Mutex::new(State {
                seq: 0,
                past: VecDeque::with_capacity(HISTORY),
                live: Some(broadcast::channel(HISTORY).0),
            }),
        }
    }
}

impl EventLog {
    /// Records an event and sends it to those following.
    pub fn emit(&self, kind: EventKind, status: Option<&RecordingStatus>, detail: Option<String>) {
        let mut state = self.state.lock().unwrap();
        state.seq += 1;
        let event = ServerEvent {
            seq: state.seq,
            time: chrono::Utc::now().timestamp_micros() as f64 / 1e6,
            kind,
            recording: status.map(|s| s.id.clone()),
            status: status.cloned(),
            detail,
        };
        if state.past.len() == HISTORY {
            state.past.pop_front();
        }
        state.past.push_back(event.clone());
        // Sent under the lock, so a follower that took the history first
        // gets every later event exactly once.
        if let Some(live) = &state.live {
            let _ = live.send(event);
        }
    }

    /// The kept events after `since`, and a receiver of those to come (one
    /// that is closed already when the server is stopping).
    pub fn follow(&self, since: u64) -> (Vec<ServerEvent>, broadcast::Receiver<ServerEvent>) {
        let state = self.state.lock().unwrap();
        let replay = state
            .past
            .iter()
            .filter(|e| e.seq > since)
            .cloned()
            .collect();
        let receiver = match &state.live {
            Some(live) => live.subscribe(),
            None => broadcast::channel(1).1,
        };
        (replay, receiver)
    }

    /// Ends every follower's stream (the server is stopping).
    pub fn close(&self) {
        self.state.lock().unwrap().live = None;
    }
}
