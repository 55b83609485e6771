//! Everything tmux, below both the recorder and the server:
//!
//! - [`ids`]: typed ids (`$1`, `@2`, `%3`) that print as tmux reads them;
//! - [`command`]: running `tmux -S SOCKET ARGS…` (argument vectors, never a
//!   shell) with the one rule for "target not found";
//! - [`control`]: the control-mode protocol: lines, notifications, and
//!   replies matched to their `%begin`;
//! - [`client`]: a control-mode connection (`tmux -C attach`) and its reader.

pub mod client;
pub mod command;
pub mod control;
pub mod ids;

pub use command::{Tmux, TmuxError};
pub use ids::{PaneId, SessionId, WindowId};
