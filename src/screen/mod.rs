//! The screen layer, below the edits and the history: the screen a viewer
//! sees at any point of a cast, through `avt` (asciinema's own virtual
//! terminal, which its player and agg render with); keyframes that redraw
//! it; and the two readings of a cast's text, fed event by event: the
//! [`Transcript`] (what scrolled off, then the last screen, as asciinema's
//! `convert -f txt`) and [`Everything`] that was ever on either screen;
//! and [`read`], which plays a reading on several cores with the result of
//! one.

pub mod index;
mod parallel;
mod seen;
mod transcript;

pub use parallel::{CHUNK, read};
pub use seen::{Everything, SeenLine, Shown};
pub use transcript::{TimedLine, Transcript};

/// A reading of a cast's text ([`Transcript`], [`Everything`]), fed event
/// by event: what it gives, and when.
pub trait Reading: Sized {
    /// What it gives.
    type Line;
    /// What it keeps beside its screen (the rows' times, the lines on
    /// screen): with the screen, everything that decides what it gives
    /// from here on, to compare one reading with another and to copy one.
    type Own: Clone + PartialEq;
    /// A blank screen of the header's size (refused over [`MAX_CELLS`]).
    fn new(header: &crate::cast::Header) -> std::io::Result<Self>;
    /// The bytes a line holds (its text), to bound what is kept.
    fn weight(line: &Self::Line) -> usize;
    /// Its screen.
    fn screen(&self) -> &Screen;
    /// A copy of what it keeps beside its screen.
    fn own(&self) -> Self::Own;
    /// A reading made of a screen and what it keeps beside it.
    fn from_parts(screen: Screen, own: Self::Own) -> Self;
    /// Plays one event; `each` is given the lines it completes, and may stop.
    fn feed(
        &mut self,
        event: &Event,
        each: impl FnMut(Self::Line) -> std::io::Result<Flow>,
    ) -> std::io::Result<Flow>;
    /// The lines still to give at the end.
    fn finish(self) -> Vec<Self::Line>;
}

use crate::cast::{Event, Flow, Size};

/// How a cast's text is read: the terminal played on `threads` cores
/// ([`read`]: the same lines for any number), or taken from a fresh
/// [`index`] when `index` allows and there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Emulation {
    /// The cores to play the terminal on.
    pub threads: usize,
    /// Whether a fresh index may answer.
    pub index: bool,
}

impl Emulation {
    /// Every core, and the index.
    pub fn new() -> Emulation {
        Emulation {
            threads: cores(),
            index: true,
        }
    }

    /// The fresh index of the cast at `path` (whose file, as opened, has
    /// `meta`), if one may answer and there is one.
    pub fn index_of(
        self,
        path: &std::path::Path,
        meta: Option<&std::fs::Metadata>,
    ) -> Option<index::Index> {
        if !self.index {
            return None;
        }
        // Looking for an index makes no directory.
        let place = index::place(&index::directory(false).ok()?, path).ok()?;
        index::Index::open(&place, index::Stamp::of(meta?))
            .ok()
            .flatten()
    }
}

impl Emulation {
    /// The last keyframe of the cast at `path`'s fresh index whose place
    /// comes after no event at `time` or later, if one may answer.
    pub fn keyframe_before(
        self,
        path: &std::path::Path,
        meta: Option<&std::fs::Metadata>,
        time: crate::cast::Micros,
    ) -> Option<index::Keyframe> {
        let time = time.checked_sub(1)?;
        self.index_of(path, meta)?.keyframe_at(time).ok().flatten()
    }
}

impl Default for Emulation {
    fn default() -> Emulation {
        Emulation::new()
    }
}

/// The cores this machine lends the process: the number of threads to play
/// a terminal on when none is asked for.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A terminal fed a cast's events.
pub struct Screen {
    vt: avt::Terminal,
}

/// What a keyframe starts with: a full reset, so whatever the terminal
/// showed before (another screen, modes, the alternate screen) is gone.
pub(crate) const RESET: &str = "\x1bc";

/// The most cells a screen may have. The players take any size up to
/// 65535x65535, whose cells (with the alternate screen's) would need tens of
/// GB; a real terminal has under 100,000 (a 4K display at a small font), and
/// a screen of this many takes about 35 MB.
pub const MAX_CELLS: u64 = 1 << 20;

/// The SGR parameters that set `colour` as the foreground (`31`, `91`,
/// `38;5;n`, `38;2;r;g;b`) or, with `background`, the background (`41`…).
pub(crate) fn sgr_colour(colour: avt::Color, background: bool) -> String {
    let (base, bright, extended) = if background {
        (40, 100, 48)
    } else {
        (30, 90, 38)
    };
    match colour {
        avt::Color::Indexed(n @ 0..8) => format!("{}", base + n),
        avt::Color::Indexed(n @ 8..16) => format!("{}", bright + n - 8),
        avt::Color::Indexed(n) => format!("{extended};5;{n}"),
        avt::Color::RGB(c) => format!("{extended};2;{};{};{}", c.r, c.g, c.b),
    }
}

/// A terminal too large to draw: over [`MAX_CELLS`].
#[derive(Debug, thiserror::Error)]
#[error("{}the terminal is {cols}x{rows} ({} cells), over tvmux's limit of {MAX_CELLS} cells for drawing its screen", .at.map(|t| format!("at {}: ", crate::edit::clock(t))).unwrap_or_default(), u64::from(*.cols) * u64::from(*.rows))]
pub struct TooLarge {
    cols: u32,
    rows: u32,
    /// When a resize asked for it (none: the header).
    at: Option<crate::cast::Micros>,
}

/// Refuses a size over [`MAX_CELLS`], before anything is allocated for it.
fn check_size(cols: u32, rows: u32, at: Option<crate::cast::Micros>) -> std::io::Result<()> {
    if u64::from(cols) * u64::from(rows) > MAX_CELLS {
        return Err(std::io::Error::other(TooLarge { cols, rows, at }));
    }
    Ok(())
}

/// Whether `e` is a screen refused as [`TooLarge`] (a fact about the input,
/// not a failed write).
pub(crate) fn is_too_large(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|e| e.is::<TooLarge>())
}

impl Screen {
    /// A blank terminal of `cols` x `rows`; a size over [`MAX_CELLS`] is
    /// refused.
    pub fn new(cols: u32, rows: u32) -> std::io::Result<Screen> {
        check_size(cols, rows, None)?;
        Ok(Screen {
            vt: avt::Terminal::new(cols.max(1) as usize, rows.max(1) as usize)
                .expect("a terminal of at least 1x1"),
        })
    }

    /// Plays one event: output is drawn, a resize resizes (one over
    /// [`MAX_CELLS`] is refused); others change nothing on screen.
    pub fn apply(&mut self, event: &Event) -> std::io::Result<()> {
        self.feed_with(event, &mut (), |()| Ok(Flow::Continue(())))
            .map(|_| ())
    }

    /// [`Screen::apply`] with an observer of what changes (the lines that
    /// scroll off, for a transcript). Output is fed in pieces of a bounded
    /// size, so what the observer reports reaches `each` piece by piece, and
    /// memory does not grow with an event's length; `each` may stop early.
    pub fn feed_with<O: avt::Observer>(
        &mut self,
        event: &Event,
        observer: &mut O,
        mut each: impl FnMut(O::Output) -> std::io::Result<Flow>,
    ) -> std::io::Result<Flow> {
        match event.code.as_ref() {
            "o" => {
                for piece in event.data.pieces() {
                    if each(self.vt.feed_with(piece.as_ref(), &mut *observer))?.is_break() {
                        return Ok(Flow::Break(()));
                    }
                }
                Ok(Flow::Continue(()))
            }
            // A size is a few bytes; longer data is no size.
            "r" => match event.data.short_text().as_deref().and_then(Size::parse) {
                Some(size) => {
                    check_size(size.cols, size.rows, Some(event.time))?;
                    each(self.vt.resize_with(
                        size.cols as usize,
                        size.rows as usize,
                        &mut *observer,
                    ))
                }
                None => Ok(Flow::Continue(())),
            },
            _ => Ok(Flow::Continue(())),
        }
    }

    /// Draws terminal output (not a cast's event: a pane's, say).
    pub fn output(&mut self, text: &str) {
        self.vt.feed(text);
    }

    /// Changes the terminal's size; one over [`MAX_CELLS`] is refused.
    pub fn resize(&mut self, cols: u32, rows: u32) -> std::io::Result<()> {
        check_size(cols, rows, None)?;
        self.vt.resize(cols.max(1) as usize, rows.max(1) as usize);
        Ok(())
    }

    /// The terminal's size, columns and rows.
    pub fn size(&self) -> (u32, u32) {
        let (cols, rows) = self.vt.size();
        (cols as u32, rows as u32)
    }

    /// Output that redraws this screen exactly on a terminal of its size,
    /// whatever that terminal showed before: text, colours, cursor, modes,
    /// both screens.
    pub fn keyframe(&self) -> String {
        format!("{RESET}{}", self.dump())
    }

    /// Output that redraws this screen without clearing anything first: on
    /// a blank terminal, or one that shows this screen already (the end of
    /// the part before, in a joined recording), where each line is written
    /// over itself, so that a reader of the text sees no line leave and
    /// come again. What the lines are written with is reset first (pen,
    /// charsets, insert mode, the alternate screen, the scroll region,
    /// origin mode), then the dump sets the screen's own.
    pub fn keyframe_in_place(&self) -> String {
        let dump = self.dump();
        format!("\x1b[0m\x1b(B\x0f\x1b[4l\x1b[?1049l\x1b[r\x1b[?6l\x1b[?7h\x1b[H{dump}")
    }

    /// avt's dump of the screen, from a blank terminal at home.
    fn dump(&self) -> String {
        let dump = self.vt.dump();
        // avt enters the alternate screen with mode 1047, which some
        // terminals (and the vt100 crate) lack; 1049, which programs use and
        // every terminal knows, does the same here: it also saves the cursor,
        // at the primary cursor's place, as the program's own 1049 did.
        if self.vt.active_screen_kind() == avt::ScreenKind::Alternate {
            dump.replacen("\x1b[?1047h", "\x1b[?1049h", 1)
        } else {
            dump
        }
    }

    /// The terminal itself, for reading its text.
    pub fn terminal(&self) -> &avt::Terminal {
        &self.vt
    }

    /// Its state: its size and avt's dump, which sets everything else
    /// (both screens, cursors, pen, modes, an unfinished sequence), and
    /// which is equal for two screens that go on alike.
    pub(crate) fn state(&self) -> ScreenState {
        let (cols, rows) = self.size();
        ScreenState {
            cols,
            rows,
            dump: self.vt.dump(),
        }
    }

    /// A screen in `state`.
    pub(crate) fn restore(state: &ScreenState) -> std::io::Result<Screen> {
        let mut screen = Screen::new(state.cols, state.rows)?;
        screen.vt.feed(state.dump.as_str());
        Ok(screen)
    }
}

/// A screen's state ([`Screen::state`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScreenState {
    cols: u32,
    rows: u32,
    dump: String,
}
