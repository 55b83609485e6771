//! The tmux API's models: sessions, windows and panes as the API shows
//! them, and the checks on the ids it is given.

use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;

pub use crate::tmux::Tmux;

pub use crate::cast::Size;

/// A tmux session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session {
    pub id: String,
    pub name: String,
    pub windows: u32,
    pub attached: u32,
    pub created: i64,
    pub size: String,
}

pub const SESSION_FIELDS: &[&str] = &[
    "session_id",
    "session_windows",
    "session_attached",
    "session_created",
    "window_width",
    "window_height",
    "session_name",
];

pub fn parse_session(p: &[&str]) -> Option<Session> {
    Some(Session {
        id: p.first()?.to_string(),
        windows: p.get(1)?.parse().ok()?,
        attached: p.get(2)?.parse().ok()?,
        created: p.get(3)?.parse().ok()?,
        size: Size::from_parts(p.get(4)?, p.get(5)?)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        name: p.get(6)?.to_string(),
    })
}

/// A tmux window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Window {
    pub id: String,
    pub session_id: String,
    pub index: u32,
    pub active: bool,
    pub panes: u32,
    pub size: String,
    pub layout: String,
    pub name: String,
}

pub const WINDOW_FIELDS: &[&str] = &[
    "window_id",
    "session_id",
    "window_index",
    "window_active",
    "window_panes",
    "window_width",
    "window_height",
    "window_layout",
    "window_name",
];

pub fn parse_window(p: &[&str]) -> Option<Window> {
    Some(Window {
        id: p.first()?.to_string(),
        session_id: p.get(1)?.to_string(),
        index: p.get(2)?.parse().ok()?,
        active: *p.get(3)? == "1",
        panes: p.get(4)?.parse().ok()?,
        size: Size::from_parts(p.get(5)?, p.get(6)?)?.to_string(),
        layout: p.get(7)?.to_string(),
        name: p.get(8)?.to_string(),
    })
}

/// A tmux pane.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pane {
    pub id: String,
    pub window_id: String,
    pub session_id: String,
    pub index: u32,
    pub active: bool,
    pub size: String,
    /// Column and row of the pane's top-left corner in its window.
    pub position: String,
    pub pid: u32,
    pub dead: bool,
    pub command: String,
    pub title: String,
}

pub const PANE_FIELDS: &[&str] = &[
    "pane_id",
    "window_id",
    "session_id",
    "pane_index",
    "pane_active",
    "pane_width",
    "pane_height",
    "pane_left",
    "pane_top",
    "pane_pid",
    "pane_dead",
    "pane_current_command",
    "pane_title",
];

pub fn parse_pane(p: &[&str]) -> Option<Pane> {
    Some(Pane {
        id: p.first()?.to_string(),
        window_id: p.get(1)?.to_string(),
        session_id: p.get(2)?.to_string(),
        index: p.get(3)?.parse().ok()?,
        active: *p.get(4)? == "1",
        size: Size::from_parts(p.get(5)?, p.get(6)?)?.to_string(),
        position: format!("{},{}", p.get(7)?, p.get(8)?),
        pid: p.get(9)?.parse().ok()?,
        dead: *p.get(10)? == "1",
        command: p.get(11)?.to_string(),
        title: p.get(12)?.to_string(),
    })
}

/// What was killed: `{"killed": "$1"}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Killed {
    pub killed: String,
}

/// The session whose clients were detached.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Detached {
    pub detached: String,
}

/// The argument vector that attaches a client to a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachCommand {
    pub command: Vec<String>,
}

/// A window linked into a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Linked {
    pub linked: String,
    pub session: String,
}

/// A window unlinked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unlinked {
    pub unlinked: String,
}

/// The pane the keys went to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sent {
    pub sent: String,
}

/// A pane's lines, as `capture-pane -p` gives them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Captured {
    pub pane: String,
    pub lines: Vec<String>,
}

/// An id from a URL: `$1`, `@2`, `%3` (or the bare number) with the sigil
/// the kind of object wants; anything else is a 400 naming the parameter.
pub fn target_id(raw: &str, sigil: char, what: &str) -> Result<String, ApiError> {
    let digits = raw.strip_prefix(sigil).unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::new(
            400,
            format!("{what} id must look like {sigil}N, not {raw:?}"),
        ));
    }
    Ok(format!("{sigil}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(target_id("%3", '%', "pane").unwrap(), "%3");
        assert_eq!(target_id("3", '%', "pane").unwrap(), "%3");
        assert_eq!(target_id("@3", '%', "pane").unwrap_err().status, 400);
        assert_eq!(
            target_id("3;kill-server", '$', "session")
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn parses_rows() {
        let w = parse_window(&[
            "@1",
            "$0",
            "0",
            "1",
            "2",
            "80",
            "24",
            "b25f,80x24,0,0,2",
            "my window",
        ])
        .unwrap();
        assert_eq!(
            (w.size.as_str(), w.active, w.name.as_str()),
            ("80x24", true, "my window")
        );
        assert!(parse_window(&["@1"]).is_none());
    }
}
