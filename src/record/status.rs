//! What `tvmux rec ls` and the server API report about a recording.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
/// Where a recording stands.
pub enum State {
    /// Recording now.
    Recording,
    /// Ended by `rec stop`, its window closing or its session ending.
    Stopped,
    /// Ended for any other reason (in `error`): listed until acknowledged.
    Failed,
}

/// What a recording shows.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// The active pane, as its program wrote it (following switches).
    #[default]
    Pane,
    /// The whole window as tmux draws it: every pane, the borders, zoom.
    Window,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
/// What `tvmux rec ls` and the API report about a recording.
pub struct RecordingStatus {
    /// The recording's id.
    pub id: String,
    /// The session's name.
    pub session: String,
    /// The session's id (`$N`).
    pub session_id: u32,
    /// The window's name.
    pub window: String,
    /// The window's id (`@N`).
    pub window_id: u32,
    /// The pane recorded (pane view).
    pub active_pane: Option<u32>,
    #[serde(default)]
    /// Pane or window view.
    pub view: View,
    #[schema(value_type = String)]
    /// The cast.
    pub path: PathBuf,
    /// Bytes of cast written so far.
    pub bytes: u64,
    /// Unix time the recording started.
    pub started: i64,
    /// Seconds recorded (set when it stops; `rec ls` computes it live).
    pub duration: f64,
    /// Recording, stopped or failed.
    pub state: State,
    /// Why the recording failed, or what went wrong when it was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Which part `path` is, of a recording in parts (the parts before it
    /// are closed: `NAME.part0001.cast`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// Started by auto-recording (`[recording] auto`), not by hand.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto: bool,
    /// Stopped before anything was recorded: the empty file was removed.
    #[serde(default)]
    pub empty: bool,
}
