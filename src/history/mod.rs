//! Recordings as searchable terminal history: the text a viewer saw, with
//! times ([`lines`], [`screen_at`]), [`search`] over it, and secrets masked
//! ([`redact`]).

mod grep;
mod redact;
mod text;

pub use grep::{Hit, search};
pub use redact::{Place, Redaction, redact};
pub use text::{TimedLine, lines, screen_at};
