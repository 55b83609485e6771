//! Recordings as searchable terminal history: the text a viewer saw, with
//! times ([`lines`]: what scrolled off, then the last screen; [`all_lines`]:
//! everything ever on either screen; [`screen_at`]), [`search`] over
//! everything, and secrets masked ([`redact`]).

mod grep;
mod redact;
mod text;

pub use crate::screen::Emulation;
pub use crate::screen::{SeenLine, Shown, TimedLine};
pub use grep::{Hit, search};
pub use redact::{Place, Redaction, redact};
pub use text::{all_lines, index, lines, screen_at};
