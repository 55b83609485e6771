//! What the server and its clients say to each other over the socket: every
//! request body and reply of the recording API, as types both sides use (the
//! server builds replies from them; the client reads replies into them, never
//! by key).
//!
//! | method | path | body | reply |
//! |---|---|---|---|
//! | GET | /status | | [`ServerStatus`] |
//! | GET | /recordings`[?all=true]` | | `[RecordingStatus]` |
//! | POST | /recordings | [`StartRequest`] | [`StartReply`] |
//! | GET | /recordings/{id} | | [`RecordingStatus`] |
//! | DELETE | /recordings/{id} | | [`RecordingStatus`] (stopped, or forgotten) |
//! | POST | /shutdown | | [`ShutdownReply`] |
//! | GET | /events`[?since=N][&follow=false]` | | [`ServerEvent`] per line (NDJSON) |
//!
//! Any error: [`ErrorReply`] with a 4xx/5xx status.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cast::Version;
pub use crate::record::status::{RecordingStatus, State, View};

/// Whether `target` may be handed to tmux as `-t TARGET`: not empty (tmux
/// reads that as "the most recent session"), not starting with `-` (which
/// tmux would read as an option), and without control characters.
pub fn check_target(target: &str) -> Result<(), String> {
    if target.trim().is_empty() {
        Err("the target is empty: name a window (%3, @2, work:1, …)".into())
    } else if target.starts_with('-') {
        Err(format!(
            "{target:?} is not a tmux target (it starts with '-')"
        ))
    } else if target.chars().any(char::is_control) {
        Err(format!(
            "{target:?} is not a tmux target (it holds a control character)"
        ))
    } else {
        Ok(())
    }
}

/// Start recording a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StartRequest {
    /// The tmux server's socket (the first field of `$TMUX`).
    #[schema(value_type = String)]
    pub tmux_socket: PathBuf,
    /// Any tmux target naming the window: `%3`, `@2`, `work:1`…
    pub target: String,
    /// The cast format (default: the configuration's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Version>,
    /// Overrides the configured output directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub dir: Option<PathBuf>,
    /// Overrides the configured view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<View>,
    /// Window view: draw the status line too (overrides the configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_line: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
/// What `POST /recordings` answers.
pub struct StartReply {
    /// The window was being recorded already: this is that recording.
    pub already: bool,
    /// The recording.
    pub recording: RecordingStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
/// What `GET /status` answers.
pub struct ServerStatus {
    /// The server's process id.
    pub pid: u32,
    /// tvmux's version.
    pub version: String,
    #[schema(value_type = String)]
    /// The socket it listens on.
    pub socket: PathBuf,
    /// Seconds since it started.
    pub uptime_secs: f64,
    /// Active recordings.
    pub recordings: usize,
    /// Casts a crashed server left behind, repaired when this one started.
    #[schema(value_type = Vec<String>)]
    pub repaired_orphans: Vec<PathBuf>,
    /// What the server could not write lately (its log, its lists), newest
    /// last: recording went on.
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
/// What `POST /shutdown` answers.
pub struct ShutdownReply {
    /// Always true: the server stops every recording, then exits.
    pub stopping: bool,
}

/// Something that happened: one JSON object per line of `GET /events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServerEvent {
    /// Increasing from 1: `?since=N` replays the events after N.
    pub seq: u64,
    /// Unix time, in seconds.
    pub time: f64,
    /// What happened.
    pub kind: EventKind,
    /// The recording it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<String>,
    /// The recording's state when it started or ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RecordingStatus>,
    /// A repaired cast's path, or a tmux notification as tmux wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The kinds of [`ServerEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A recording started.
    Started,
    /// A recording ended normally (stopped, its window closed, its session ended).
    Stopped,
    /// A recording ended for another reason (in its status's `error`).
    Failed,
    /// A cast a crashed server left was repaired.
    Repaired,
    /// A recording in parts closed one and went on in the next: `detail`
    /// is the closed part's path (compressed, if the configuration says so).
    Rotated,
    /// The output directory's budget removed a finished cast: `detail`
    /// says which and why.
    Removed,
    /// tmux reported a change in a recorded session (a window or pane added,
    /// closed, renamed, resized or made active; the session renamed).
    Tmux,
    /// The server could not write one of its own files (the log, the list
    /// of live recordings): `detail` says which and why. Recording goes on.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
/// What every failed request answers, with a 4xx or 5xx status.
pub struct ErrorReply {
    /// What went wrong.
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_requests_leave_out_what_is_not_given() {
        let request = StartRequest {
            tmux_socket: "/tmp/tmux-0/default".into(),
            target: "%3".into(),
            format: None,
            dir: None,
            view: None,
            status_line: None,
        };
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(
            text,
            r#"{"tmux_socket":"/tmp/tmux-0/default","target":"%3"}"#
        );
        assert_eq!(
            serde_json::from_str::<StartRequest>(&text).unwrap(),
            request
        );
        let with_format: StartRequest =
            serde_json::from_str(r#"{"tmux_socket":"/s","target":"@1","format":"v3"}"#).unwrap();
        assert_eq!(with_format.format, Some(Version::V3));
    }
}
