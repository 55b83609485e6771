//! tvmux: check, repair and write asciinema casts, and record tmux windows.
//!
//! The principal types, from the bottom up:
//!
//! - [`cast::CastWriter`] writes casts (v2, v3): one complete line per event,
//!   terminal output decoded as UTF-8 incrementally, a flush/fsync policy.
//! - [`cast::scan`] checks a cast held in memory ([`cast::Source`] maps a
//!   file) and returns a [`cast::Scan`]: version, header, counts and
//!   [`cast::Findings`], each located by line, column and byte. "Valid" means
//!   what asciinema 2.4 and 3.2 both read; [`cast::Checker`] holds the rules.
//! - [`cast::repair_path`] makes a damaged cast valid again without losing a
//!   complete event, and returns a [`cast::Report`].
//! - [`server`] holds the recordings of tmux windows behind an owner-only
//!   socket (inside: a tmux runner and control-mode reader, and the
//!   recorder that turns a window into a cast through the [`CastWriter`]);
//!   [`server::client::Client`] talks to it, [`config::Config`] configures it.
//!
//! [`CastWriter`]: cast::CastWriter
//!
//! Writing a cast, checking it, reading what was found:
//!
//! ```
//! use tvmux::cast::{self, CastWriter, FlushPolicy, Header, Kind, Mode, Options, Version};
//!
//! let mut bytes = Vec::new();
//! let mut writer = CastWriter::create(&mut bytes, &Header::new(Version::V2, 80, 24), FlushPolicy::default())?;
//! writer.output(0.5, b"hello \xe2\x82")?; // a character split across events
//! writer.output(1.0, b"\xac\r\n")?;
//! writer.finish(1.0)?;
//!
//! let scan = cast::scan(&bytes, &Options { mode: Mode::Full, ..Default::default() });
//! assert!(scan.is_valid());
//! assert_eq!(scan.events, Some(2));
//!
//! // A time going backwards: invalid, located, and named.
//! bytes.extend_from_slice(b"[0.2, \"o\", \"late\"]\n");
//! let scan = cast::scan(&bytes, &Options::default());
//! let finding = &scan.findings.list[0];
//! assert_eq!((finding.line, finding.kind), (Some(4), Kind::TimeBackwards));
//! # Ok::<(), std::io::Error>(())
//! ```

#![warn(missing_docs)]

mod beside;
pub mod cast;
pub mod config;
pub mod edit;
pub mod history;
mod log;
pub mod play;
pub mod quantity;
mod record;
pub mod screen;
pub mod server;
mod tmux;

/// Internals that the property tests and fuzz targets check directly (the
/// control-mode reader). Not an API.
#[doc(hidden)]
pub mod testing {
    pub use crate::tmux::control::{Demux, Event};
}
