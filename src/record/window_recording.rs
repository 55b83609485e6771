//! One window's recording inside a session's control client: its cast, what
//! it shows (the active pane, or a window view) and where it stands.

use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::copy::Followed;
use super::frame::PaneState;
use super::naming;
use super::session::NewRecording;
use super::status::{RecordingStatus, View};
use super::window_view::WindowView;
use crate::cast::{CastSink, CastWriter, Header};
use crate::tmux::PaneId;

/// A recorded window.
pub struct WindowRecording {
    pub new: Option<NewRecording>,
    pub writer: Option<CastWriter<Counting>>,
    /// When the recording began.
    pub began: Instant,
    /// When the current part began: its events' times count from here.
    pub start: Instant,
    /// When to close the part and go on in the next.
    pub rotation: Rotation,
    /// What a window view's client draws, followed (for a new part's
    /// keyframe).
    pub view_stream: Option<Followed>,
    /// The pane whose output is recorded.
    pub active: Option<PaneId>,
    /// A frame was asked for this pane; its output waits for it.
    pub switching: Option<PaneId>,
    /// The pane's output came while its frame's queries were on their way:
    /// the capture may not be where that output is (see
    /// `session::replies::FRAME_ATTEMPTS`).
    pub output_while_switching: bool,
    /// How many times this switch's frame was asked for.
    pub frame_attempts: u32,
    pub state: Option<PaneState>,
    pub screen: Vec<Vec<u8>>,
    pub size: (u32, u32),
    pub status: Arc<Mutex<RecordingStatus>>,
    pub follow: bool,
    /// Every pane of the window: their output stays on, so their pens are
    /// known (pane view only).
    pub panes: HashSet<PaneId>,
    pub view: View,
    pub status_line: bool,
    /// The client drawing a window view, once it is attached.
    pub drawing: Option<WindowView>,
    /// The window view's client has ended.
    pub drawing_ended: bool,
}

/// When a recording closes its part and goes on in a new file (none of
/// either: never).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rotation {
    /// The part has this many bytes.
    pub size: Option<u64>,
    /// The part is this old.
    pub interval: Option<Duration>,
}

impl Rotation {
    pub fn is_on(&self) -> bool {
        self.size.is_some() || self.interval.is_some()
    }
}

impl WindowRecording {
    /// The current part has reached a limit of its rotation.
    pub fn part_is_full(&mut self) -> bool {
        let Some(writer) = &mut self.writer else {
            return false;
        };
        let bytes = writer.sink_mut().written;
        self.rotation.size.is_some_and(|max| bytes >= max)
            || self
                .rotation
                .interval
                .is_some_and(|max| self.start.elapsed() >= max)
    }

    /// Closes the current part, complete as a stop leaves it, and goes on
    /// in the next file, of `size`, which begins with `keyframe` (the
    /// screen the closed part ended on). The closed part's path.
    ///
    /// If the next part cannot begin (a full disk), it is removed and the
    /// recording's cast is the closed part again: the caller ends it.
    pub fn next_part(&mut self, size: (u32, u32), keyframe: &[u8]) -> io::Result<PathBuf> {
        let time = self.start.elapsed().as_secs_f64();
        let (closed, part) = {
            let s = self.status.lock().unwrap();
            (s.path.clone(), s.part.unwrap_or(1) + 1)
        };
        if let Some(writer) = self.writer.take() {
            writer.finish(time)?;
        }
        let (path, file) = naming::create_part(&closed, part)?;
        let new = self.new.as_mut().expect("a recording being made");
        // Kept until the next part has begun: it holds the closed part's lock.
        let previous = std::mem::replace(&mut new.file, file);
        self.start = Instant::now();
        let begun = self.begin_part(size, keyframe);
        if let Err(e) = begun {
            self.writer = None;
            let new = self.new.as_mut().expect("a recording being made");
            new.file = previous;
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        let mut s = self.status.lock().unwrap();
        s.path = path;
        s.part = Some(part);
        s.bytes = 0;
        Ok(closed)
    }

    /// The next part's lock, header and first frame.
    fn begin_part(&mut self, size: (u32, u32), keyframe: &[u8]) -> io::Result<()> {
        let new = self.new.as_ref().expect("a recording being made");
        new.file.lock()?;
        self.start_cast(size, std::env::var("TERM").ok())?;
        let writer = self.writer.as_mut().expect("started");
        writer.output(0.0, keyframe)?;
        writer.flush()
    }

    /// Starts the cast: its header, of `size` (columns, rows) and with
    /// `term` as the terminal.
    pub fn start_cast(&mut self, size: (u32, u32), term: Option<String>) -> io::Result<()> {
        let new = self.new.as_mut().expect("a recording being set up");
        // A second descriptor for the same open file: it shares the lock.
        let file = new.file.try_clone()?;
        let mut header = Header::new(new.version, size.0, size.1);
        header.timestamp = Some(chrono::Utc::now().timestamp());
        header.title = Some(new.title.clone());
        if let Some(term) = term {
            header.env.insert("TERM".into(), term);
        }
        self.writer = Some(CastWriter::create(
            Counting { file, written: 0 },
            &header,
            new.policy,
        )?);
        self.size = size;
        Ok(())
    }

    pub fn write_frame(&mut self, state: &PaneState, frame: &[u8], pane: PaneId) -> io::Result<()> {
        let time = self.start.elapsed().as_secs_f64();
        let size = (state.cols, state.rows);
        if self.writer.is_none() {
            self.start_cast(size, std::env::var("TERM").ok())?;
        }
        let writer = self.writer.as_mut().expect("started");
        if size != self.size {
            self.size = size;
            writer.resize(time, size.0, size.1)?;
        }
        // A character the old pane left unfinished is never completed.
        writer.drop_unfinished_output();
        writer.output(time, frame)?;
        // A switch is worth seeing at once: the frame does not wait for the
        // flush interval.
        writer.flush()?;
        self.active = Some(pane);
        self.switching = None;
        Ok(())
    }
}

/// The cast file, counting what was written (for `rec ls`).
pub struct Counting {
    pub file: File,
    pub written: u64,
}

impl io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl CastSink for Counting {
    fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn take_back(&mut self, bytes: u64) -> io::Result<()> {
        self.file.take_back(bytes)?;
        self.written = self.written.saturating_sub(bytes);
        Ok(())
    }
}
