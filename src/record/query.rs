//! The commands a session's control client sends tmux, each with what its
//! reply is for.

use super::frame;
use crate::tmux::{PaneId, WindowId};

/// A command this client sends tmux, which also says what its reply is for:
/// the command is written here, its reply handled in `Client::on_reply`,
/// so adding a query touches this enum and that match. Replies come back in
/// the order commands were sent.
#[derive(Debug, Clone, Copy)]
pub enum Query {
    /// Which pane of the window is active.
    ActivePane(WindowId),
    /// The window's layout, for the panes it has.
    Layout(WindowId),
    /// After `%window-close` (or a window view's end): which sessions
    /// still have the window.
    WindowLinks(WindowId),
    /// A pane's size, cursor and modes, for a frame.
    State(WindowId, PaneId),
    /// The visible screen, for a frame.
    Screen(WindowId, PaneId),
    /// The normal screen behind the alternate one, for a frame.
    Saved(WindowId, PaneId),
}

impl Query {
    pub fn command(self) -> String {
        match self {
            Query::ActivePane(window) => format!("display-message -p -t {window} '#{{pane_id}}'"),
            Query::Layout(window) => {
                format!("display-message -p -t {window} '#{{window_layout}}'")
            }
            Query::WindowLinks(window) => {
                format!(
                    "list-windows -a -F '#{{session_id}} #{{session_name}}' -f '#{{==:#{{window_id}},{window}}}'"
                )
            }
            Query::State(_, pane) => {
                format!("display-message -p -t {pane} '{}'", frame::PANE_FORMATS)
            }
            // -N: trailing blanks keep their attributes (a coloured
            // background, a reverse-video status line).
            Query::Screen(_, pane) => format!("capture-pane -p -e -N -t {pane}"),
            Query::Saved(_, pane) => format!("capture-pane -p -e -N -a -q -t {pane}"),
        }
    }
}
