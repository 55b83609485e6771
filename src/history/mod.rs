//! Recordings as searchable terminal history: the text a viewer saw, with
//! times ([`lines`], [`screen_at`]), and [`search`] over it.

mod grep;
mod text;

pub use grep::{Hit, search};
pub use text::{TimedLine, lines, screen_at};
