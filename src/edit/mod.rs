//! Editing casts: [`info`], [`convert`], [`join`] (`tvmux cat`), [`cut`],
//! [`extract`] and [`speed`].
//!
//! Every edit reads v1, v2 or v3 as a stream of events with exact times
//! ([`Events`]; memory does not grow with the file), writes through the
//! engine's [`CastWriter`] into an [`Output`] (a temporary file renamed over
//! the destination once complete, or standard output), and yields a cast
//! that `validate` passes and both players play. An input a player cannot
//! read is refused, saying where, before anything is replaced. Where an edit
//! removes the output that built a screen (`cut`, `extract`), a keyframe
//! drawn by `avt` ([`Screen`]) redraws that screen exactly.

mod convert;
mod info;
mod join;
mod output;
mod span;
mod speed;
mod time;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::screen::Screen;
pub use convert::{Target, convert};
pub use info::{Info, Pause, Timed, info};
pub use join::join;
pub use output::Output;
pub use span::{cut, extract};
pub use speed::speed;
pub use time::{Stretch, TimeSpec, clock, resolve, stretch, timestamp};

use crate::cast::{
    CastWriter, Data, Event, Events, FlushPolicy, Fsync, Header, Micros, ReadError, Source, Version,
};

/// Why an edit failed. Nothing was replaced.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// An input is not a cast a player reads.
    #[error("{}: {source}", path.display())]
    Read {
        /// The input.
        path: PathBuf,
        /// Where and why.
        source: ReadError,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The request itself cannot be carried out.
    #[error("{0}")]
    Usage(String),
}

impl EditError {
    pub(crate) fn io(path: &Path, source: io::Error) -> EditError {
        EditError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A cast to edit: a file mapped, or standard input (`-`) spooled.
pub struct Input {
    /// Its path as given.
    pub path: PathBuf,
    source: Source,
}

impl Input {
    /// Opens `path` (`-`: standard input).
    pub fn open(path: &Path) -> Result<Input, EditError> {
        let source = if path == Path::new("-") {
            Source::stdin()
        } else {
            Source::open(path)
        }
        .map_err(|e| EditError::io(path, e))?;
        Ok(Input {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Its bytes (a compressed cast's decompressed).
    pub(crate) fn bytes(&self) -> &[u8] {
        self.source.bytes()
    }

    /// The metadata of its file as it was opened (none for standard input).
    pub fn file_metadata(&self) -> Option<&std::fs::Metadata> {
        self.source.file_metadata()
    }

    /// Its events, after checking its header and tail.
    pub fn events(&self) -> Result<Events<'_>, EditError> {
        Events::open(self.source.bytes()).map_err(|e| self.error(e))
    }

    /// The time of its last event.
    pub fn end(&self) -> Result<Micros, EditError> {
        self.events()?.end().map_err(|e| self.error(e))
    }

    pub(crate) fn error(&self, source: ReadError) -> EditError {
        match source {
            // A screen too large to draw is the input's, like a bad line.
            ReadError::Io(e) if crate::screen::is_too_large(&e) => EditError::Io {
                path: self.path.clone(),
                source: e,
            },
            ReadError::Io(e) => EditError::Io {
                path: PathBuf::from("output"),
                source: e,
            },
            source => EditError::Read {
                path: self.path.clone(),
                source,
            },
        }
    }
}

/// What an edit wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Written {
    /// Events written (lines, for text).
    pub events: u64,
    /// What was written is lines of text, not events.
    pub text: bool,
    /// The time of the last one.
    pub duration: Micros,
    /// Events the output's version cannot hold, left out: a v2 `x` event
    /// (a code v2 does not define) whose data is not an exit status, in v3.
    pub dropped: u64,
    /// Header fields the output's version cannot hold, left out.
    pub lost_fields: Vec<&'static str>,
}

impl Written {
    /// Writes an event at `time` and counts it.
    fn write(
        &mut self,
        w: &mut CastWriter<Output>,
        time: Micros,
        code: &str,
        data: &Data,
    ) -> io::Result<()> {
        w.event_at(time, code, data)?;
        self.events += 1;
        self.duration = time;
        Ok(())
    }

    /// Writes `event` at `time` if `w`'s version can hold it (counted as
    /// dropped otherwise).
    fn copy(&mut self, w: &mut CastWriter<Output>, time: Micros, event: &Event) -> io::Result<()> {
        if !w.version().holds(&event.code, || event.data.text()) {
            self.dropped += 1;
            return Ok(());
        }
        self.write(w, time, &event.code, &event.data)
    }
}

/// A writer for an edit's output: buffered in large pieces, made durable
/// when the output commits.
pub(crate) fn open_writer(output: Output, header: &Header) -> io::Result<CastWriter<Output>> {
    let policy = FlushPolicy {
        max_delay: Duration::MAX,
        max_buffer: 256 << 10,
        fsync: Fsync::Never,
    };
    CastWriter::create(output, header, policy)
}

/// [`open_writer`], its failure an [`EditError`].
pub(crate) fn writer(output: Output, header: &Header) -> Result<CastWriter<Output>, EditError> {
    open_writer(output, header).map_err(|e| EditError::io(Path::new("output"), e))
}

/// The header an edit writes: the input's, in `version` (v1 becomes v2),
/// without `duration` (v2 only, ignored by the players, and stale after an
/// edit). The terminal's type is v3's `term.type` and v2's (and v1's)
/// `env.TERM`: it moves between them, so v3 -> v2 -> v3 gives the header
/// back; `term.version` and `tags` have no place in v2 and are left out
/// ([`lost_in`] names them).
pub(crate) fn edited_header(header: &Header, version: Option<Version>) -> Header {
    let mut out = header.clone();
    out.version = match version.unwrap_or(header.version) {
        Version::V1 => Version::V2,
        v => v,
    };
    out.duration = None;
    match out.version {
        Version::V2 => {
            if let Some(term) = out.term_type.take() {
                out.env.entry("TERM".into()).or_insert(term);
            }
            out.term_version = None;
            out.tags.clear();
        }
        Version::V3 if header.version != Version::V3 && out.term_type.is_none() => {
            out.term_type = out.env.remove("TERM");
        }
        _ => {}
    }
    out
}

/// The fields of `before` that [`edited_header`] left out of `after`.
pub(crate) fn lost_in(before: &Header, after: &Header) -> Vec<&'static str> {
    let mut lost = Vec::new();
    if before.term_version.is_some() && after.term_version.is_none() {
        lost.push("term.version");
    }
    if !before.tags.is_empty() && after.tags.is_empty() {
        lost.push("tags");
    }
    if before.term_type.is_some()
        && after.term_type.is_none()
        && after.env.get("TERM") != before.term_type.as_ref()
    {
        lost.push("term.type");
    }
    lost
}

/// Ends a writer and commits its output.
pub(crate) fn finish(writer: CastWriter<Output>) -> Result<(), EditError> {
    let output = writer
        .finish(0.0)
        .map_err(|e| EditError::io(Path::new("output"), e))?;
    output.commit()
}
