//! `tvmux play`: a cast played in the terminal, as the screen layer draws
//! it (the same emulator as `tvmux text --at`), with seeking, markers,
//! search and following a cast that is still being written.
//!
//! The cast is read in passes over its events ([`Events::for_each`]): a
//! pass plays from where the last left off, and a seek backwards starts a
//! new pass from the start, whose events are only parsed (not drawn) up to
//! the nearest [`Keyframe`] before the target, restored from there, and
//! played without waiting up to the target. Keyframes are taken as the
//! cast plays, so a place seen once is reached again at once.

mod keys;
mod render;
mod tty;

pub use keys::{HELP, Key};
pub use tty::Tty;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cast::{Event, Events, Flow, Micros, ReadError};
use crate::edit::{EditError, Input, clock};
use crate::screen::Screen;

/// How `tvmux play` plays.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// 1.0: as recorded.
    pub speed: f64,
    /// Pauses longer than this are shortened to it.
    pub idle_limit: Option<Micros>,
    /// Start here.
    pub at: Option<Micros>,
    /// Start paused.
    pub paused: bool,
    /// Start again at the end.
    pub looping: bool,
    /// At the end, wait for the cast to grow and play what is appended.
    pub follow: bool,
}

/// How the playing ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The cast played to its end.
    Finished,
    /// `q`, Ctrl-C or a signal.
    Quit,
    /// The cast is damaged: it played up to there. What is wrong.
    Damaged(String),
}

/// A keyframe every this much cast time.
const KEYFRAME_EVERY: Micros = 5_000_000;
/// Follow: how often the cast is looked at for more.
const FOLLOW_POLL: Duration = Duration::from_millis(100);
/// At most this many frames a second are drawn.
const FRAME: Duration = Duration::from_millis(16);
/// A seek says how far it has got this often.
const SEEK_PROGRESS: Duration = Duration::from_millis(250);

/// The screen after the events before `index` (whose last was at `time`).
struct Keyframe {
    index: u64,
    time: Micros,
    size: (u32, u32),
    dump: String,
}

/// Where a seek goes: after the event at this time, or to this event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Time(Micros),
    Index(u64),
}

impl Target {
    /// Whether the event `index` at `time` comes before the target (is
    /// played without waiting).
    fn includes(self, index: u64, time: Micros) -> bool {
        match self {
            Target::Time(t) => time <= t,
            Target::Index(n) => index < n,
        }
    }
}

/// What a pass ended on.
enum PassEnd {
    /// Every event played.
    Finished,
    /// Start again, for a seek backwards.
    Seek(Target),
    Quit,
}

struct Player<'t> {
    tty: &'t mut Tty,
    opts: Options,
    screen: Screen,
    /// Events applied to `screen`, and the time of the last.
    index: u64,
    time: Micros,
    duration: Micros,
    markers: Vec<(Micros, String)>,
    keyframes: Vec<Keyframe>,
    speed: f64,
    paused: bool,
    /// A seek forward under way: events up to it are applied undrawn.
    seeking: Option<Target>,
    /// When the last event was shown (the next is due from here).
    shown: Instant,
    drawn: Option<Instant>,
    /// The terminal's size at the last draw.
    tty_size: Option<(u32, u32)>,
    dirty: bool,
    /// A message for the status line until the next key.
    message: Option<String>,
    pattern: Option<regex::Regex>,
    matches: Vec<Micros>,
    path: PathBuf,
    /// Events in the pass (to skip those before a restored keyframe).
    pass_index: u64,
    skip_until: u64,
}

/// Plays `input` (the cast at `path`) on `tty`.
pub fn play(mut input: Input, opts: &Options, tty: &mut Tty) -> Result<End, EditError> {
    let path = input.path.clone();
    let path = path.as_path();
    let Survey {
        end: mut end_of,
        damage,
        size: header_size,
        duration,
        markers,
    } = survey(&input)?;
    let screen = Screen::new(header_size.0, header_size.1).map_err(|e| EditError::io(path, e))?;
    let mut p = Player {
        tty,
        opts: opts.clone(),
        screen,
        index: 0,
        time: 0,
        duration,
        markers,
        keyframes: Vec::new(),
        speed: opts.speed,
        paused: opts.paused,
        // The screen at the start time, as `text --at` has it: the events
        // at that time are on it.
        seeking: Some(Target::Time(opts.at.unwrap_or(0))),
        shown: Instant::now(),
        drawn: None,
        tty_size: None,
        dirty: true,
        message: None,
        pattern: None,
        matches: Vec::new(),
        path: path.to_path_buf(),
        pass_index: 0,
        skip_until: 0,
    };
    p.keyframes.push(Keyframe {
        index: 0,
        time: 0,
        size: header_size,
        dump: p.screen.keyframe(),
    });
    let io = |e| EditError::io(path, e);
    loop {
        let pass = {
            let events = Events::open(&input.bytes()[..end_of]).map_err(|e| input.error(e))?;
            p.pass(&events).map_err(|e| match e {
                ReadError::Io(e) => io(e),
                e => input.error(e),
            })?
        };
        match pass {
            PassEnd::Quit => return Ok(End::Quit),
            PassEnd::Seek(target) => p.restart(target).map_err(io)?,
            PassEnd::Finished => {
                p.seeking = None;
                p.draw().map_err(io)?;
                if let Some(damage) = &damage {
                    return Ok(End::Damaged(damage.clone()));
                }
                if p.opts.follow {
                    // Wait for more, taking keys meanwhile.
                    match p.follow(&mut input, &mut end_of).map_err(io)? {
                        Followed::Grown => {}
                        Followed::Seek(target) => p.restart(target).map_err(io)?,
                        Followed::Quit => return Ok(End::Quit),
                    }
                } else if p.opts.looping {
                    p.restart(Target::Index(0)).map_err(io)?;
                } else if p.paused {
                    // Paused at the end: keys may still seek back.
                    match p.wait_at_end().map_err(io)? {
                        Some(target) => p.restart(target).map_err(io)?,
                        None => return Ok(End::Quit),
                    }
                } else {
                    return Ok(End::Finished);
                }
            }
        }
    }
}

/// What one pass over a cast finds before it is played.
struct Survey {
    /// How much of it can be played: up to the end, or up to the line a
    /// player cannot read.
    end: usize,
    /// What is wrong at `end`, if anything.
    damage: Option<String>,
    /// The terminal's size, from the header.
    size: (u32, u32),
    /// The time of the last event that can be played.
    duration: Micros,
    markers: Vec<(Micros, String)>,
}

/// Reads `input` once. A damaged header, or anything that is not a cast, is
/// an error; damage after it ends what can be played.
fn survey(input: &Input) -> Result<Survey, EditError> {
    let bytes = input.bytes();
    let invalid = |f: crate::cast::Finding| {
        (
            line_start(bytes, f.offset as usize),
            ReadError::Invalid(f).to_string(),
        )
    };
    // A torn or damaged end is refused before anything is read.
    let (mut end, mut damage) = match Events::open(bytes) {
        Ok(_) => (bytes.len(), None),
        Err(ReadError::Invalid(f)) if f.line != Some(1) && f.offset > 0 => {
            let (end, why) = invalid(f);
            (end, Some(why))
        }
        Err(e) => return Err(input.error(e)),
    };
    let events = Events::open(&bytes[..end]).map_err(|e| input.error(e))?;
    let (mut duration, mut markers) = (0, Vec::new());
    let read = events.for_each(|e| {
        duration = e.time;
        if e.code == "m" {
            markers.push((e.time, e.data.short_text().unwrap_or_default().into_owned()));
        }
        Ok(Flow::Continue(()))
    });
    match read {
        Ok(()) => {}
        // A bad line inside: played up to it, its place told then.
        Err(ReadError::Invalid(f)) => {
            let (at, why) = invalid(f);
            (end, damage) = (at, Some(why));
        }
        Err(e) => return Err(input.error(e)),
    }
    let header = events.header();
    Ok(Survey {
        end,
        damage,
        size: (header.cols, header.rows),
        duration,
        markers,
    })
}

/// Where the line holding byte `offset` begins.
fn line_start(bytes: &[u8], offset: usize) -> usize {
    let offset = offset.min(bytes.len());
    memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |i| i + 1)
}

impl Player<'_> {
    /// One pass over `events`: the events before the restored keyframe
    /// skipped, the rest played.
    fn pass(&mut self, events: &Events) -> Result<PassEnd, ReadError> {
        self.pass_index = 0;
        let mut end = PassEnd::Finished;
        events.for_each(|e| {
            let index = self.pass_index;
            self.pass_index += 1;
            if index < self.skip_until {
                return Ok(Flow::Continue(()));
            }
            match self.event(e)? {
                None => Ok(Flow::Continue(())),
                Some(stop) => {
                    end = stop;
                    Ok(Flow::Break(()))
                }
            }
        })?;
        Ok(end)
    }

    /// Plays one event: waits until it is due (taking keys), then applies
    /// it. Something other than `None` ends the pass.
    fn event(&mut self, e: Event) -> std::io::Result<Option<PassEnd>> {
        if let Some(target) = self.seeking {
            if target.includes(self.index, e.time) {
                self.apply(&e)?;
                self.seek_progress(target)?;
                return Ok(None);
            }
            self.seeking = None;
            // The screen is that of the time sought: playing goes on from it.
            if let Target::Time(t) = target {
                self.time = self.time.max(t);
            }
            self.shown = Instant::now();
            self.dirty = true;
        }
        // Wait until it is due, or a key says otherwise.
        loop {
            let due = if self.paused {
                None
            } else {
                let mut gap = e.time.saturating_sub(self.time);
                if let Some(limit) = self.opts.idle_limit {
                    gap = gap.min(limit);
                }
                Some(self.shown + Duration::from_secs_f64(gap as f64 / 1e6 / self.speed))
            };
            let now = Instant::now();
            if due.is_some_and(|due| due <= now) {
                break;
            }
            match self.wait(due.map(|d| d - now))? {
                Some(Act::Go) => break,
                Some(Act::Seek(target)) => {
                    if target_is_ahead(target, self.index, self.time) {
                        self.seeking = Some(target);
                        return self.event(e);
                    }
                    return Ok(Some(PassEnd::Seek(target)));
                }
                Some(Act::Quit) => return Ok(Some(PassEnd::Quit)),
                None => {}
            }
        }
        self.apply(&e)?;
        self.shown = Instant::now();
        Ok(None)
    }

    /// Applies one event to the screen, keeping a keyframe now and then.
    fn apply(&mut self, e: &Event) -> std::io::Result<()> {
        let size = self.screen.size();
        self.screen.apply(e)?;
        if self.screen.size() != size {
            // A smaller screen leaves the old one's cells on the terminal.
            self.tty.write(b"\x1b[0m\x1b[2J")?;
        }
        self.index += 1;
        self.time = e.time;
        self.dirty = true;
        if e.code == "m" {
            self.message = Some(format!(
                "marker: {}",
                e.data.short_text().unwrap_or_default()
            ));
        }
        let last = self.keyframes.last().map_or(0, |k| k.time);
        if self.time >= last + KEYFRAME_EVERY
            && self.keyframes.last().is_none_or(|k| k.index < self.index)
        {
            self.keyframes.push(Keyframe {
                index: self.index,
                time: self.time,
                size: self.screen.size(),
                dump: self.screen.keyframe(),
            });
        }
        Ok(())
    }

    /// A long seek says how far it has got, on the status line.
    fn seek_progress(&mut self, target: Target) -> std::io::Result<()> {
        let since = self.drawn.map_or(Duration::MAX, |d| d.elapsed());
        if since < SEEK_PROGRESS || !self.index.is_multiple_of(256) {
            return Ok(());
        }
        let (cols, _) = self.tty.size();
        let to = match target {
            Target::Time(t) => clock(t),
            Target::Index(n) => format!("event {n}"),
        };
        let line = format!(
            " seeking to {to}: at {} / {}",
            clock(self.time),
            clock(self.duration)
        );
        let row = self.status_row();
        self.tty.write(&render::status(&line, row, cols))?;
        self.drawn = Some(Instant::now());
        Ok(())
    }

    /// The status line's row: below the cast when there is room, else the
    /// last (over the cast's last row, shown only while paused or seeking).
    fn status_row(&self) -> u32 {
        let rows = self.tty.size().1;
        let cast_rows = self.screen.size().1;
        if rows > cast_rows {
            cast_rows + 1
        } else {
            rows
        }
    }

    /// Starts a new pass towards `target`, from the nearest keyframe before it.
    fn restart(&mut self, target: Target) -> std::io::Result<()> {
        let keyframe = self
            .keyframes
            .iter()
            .rev()
            .find(|k| match target {
                Target::Time(t) => k.time <= t,
                Target::Index(n) => k.index <= n,
            })
            .unwrap_or(&self.keyframes[0]);
        let mut screen = Screen::new(keyframe.size.0, keyframe.size.1)?;
        screen.output(&keyframe.dump);
        self.screen = screen;
        self.index = keyframe.index;
        self.time = keyframe.time;
        self.skip_until = keyframe.index;
        self.seeking = Some(target);
        self.tty.write(b"\x1b[0m\x1b[2J")?;
        self.dirty = true;
        Ok(())
    }

    /// Waits up to `timeout` (none: for a key) for keys, drawing first if
    /// the screen changed.
    fn wait(&mut self, timeout: Option<Duration>) -> std::io::Result<Option<Act>> {
        if self.dirty && self.seeking.is_none() {
            let soon = timeout.is_some_and(|t| t < Duration::from_millis(2));
            let recent = self.drawn.is_some_and(|d| d.elapsed() < FRAME);
            if !(soon && recent) {
                self.draw()?;
            }
        }
        if self.tty.stopped() {
            return Ok(Some(Act::Quit));
        }
        let bytes = self.tty.read(timeout)?;
        if self.tty.stopped() {
            return Ok(Some(Act::Quit));
        }
        if self.tty.take_resized() {
            self.dirty = true;
        }
        let mut act = None;
        for key in keys::parse(&bytes) {
            act = self.key(key)?;
            if act.is_some() {
                break;
            }
        }
        Ok(act)
    }

    /// What a key does.
    fn key(&mut self, key: Key) -> std::io::Result<Option<Act>> {
        self.message = None;
        self.dirty = true;
        let seek = |t: Micros| Some(Act::Seek(Target::Time(t)));
        Ok(match key {
            Key::Quit | Key::Interrupt => Some(Act::Quit),
            Key::Pause => {
                self.paused = !self.paused;
                self.shown = Instant::now();
                None
            }
            Key::StepForward => {
                self.paused = true;
                Some(Act::Go)
            }
            Key::StepBack => {
                self.paused = true;
                Some(Act::Seek(Target::Index(self.index.saturating_sub(1))))
            }
            Key::Jump(secs) => {
                let to = self.time as i64 + secs * 1_000_000;
                seek((to.max(0) as Micros).min(self.duration))
            }
            Key::Percent(n) => seek(self.duration / 10 * Micros::from(n)),
            Key::NextMarker => match self.markers.iter().find(|m| m.0 > self.time) {
                Some(m) => seek(m.0),
                None => {
                    self.message = Some("no marker after this".into());
                    None
                }
            },
            Key::PreviousMarker => {
                // The marker before the one just passed, if it was just passed.
                match self.markers.iter().rev().find(|m| m.0 < self.time) {
                    Some(m) => seek(m.0),
                    None => {
                        self.message = Some("no marker before this".into());
                        None
                    }
                }
            }
            Key::Faster => {
                self.speed = (self.speed * 2.0).min(64.0);
                self.shown = Instant::now();
                None
            }
            Key::Slower => {
                self.speed = (self.speed / 2.0).max(1.0 / 64.0);
                self.shown = Instant::now();
                None
            }
            Key::Search => self.search()?,
            Key::NextMatch => self.next_match(true),
            Key::PreviousMatch => self.next_match(false),
            Key::Help => {
                self.help()?;
                None
            }
            _ => None,
        })
    }

    /// Reads a pattern on the status line, finds where its text is on
    /// screen (as `tvmux grep` does) and goes to the first time after now.
    fn search(&mut self) -> std::io::Result<Option<Act>> {
        let cols = self.tty.size().0;
        let row = self.status_row();
        let mut typed = String::new();
        loop {
            let line = render::status(&format!("/{typed}"), row, cols);
            self.tty.write(&line)?;
            let bytes = self.tty.read(None)?;
            if self.tty.stopped() {
                return Ok(Some(Act::Quit));
            }
            for key in keys::parse_typed(&bytes) {
                match key {
                    Key::Enter => return self.find(&typed),
                    Key::Escape | Key::Interrupt => return Ok(None),
                    Key::Backspace => {
                        typed.pop();
                    }
                    Key::Char(c) => typed.push(c),
                    _ => {}
                }
            }
        }
    }

    fn find(&mut self, pattern: &str) -> std::io::Result<Option<Act>> {
        if pattern.is_empty() {
            return Ok(None);
        }
        let re = match regex::Regex::new(pattern) {
            Ok(re) => re,
            Err(e) => {
                self.message = Some(format!("bad pattern: {e}"));
                return Ok(None);
            }
        };
        let (cols, row) = (self.tty.size().0, self.status_row());
        self.tty.write(&render::status("searching…", row, cols))?;
        let input = Input::open(&self.path).map_err(std::io::Error::other)?;
        let mut times = Vec::new();
        let _ = crate::history::all_lines(&input, crate::history::Emulation::new(), |seen| {
            if re.is_match(&seen.line.text) {
                times.push(seen.line.time);
            }
            Ok(Flow::Continue(()))
        });
        times.sort_unstable();
        times.dedup();
        self.pattern = Some(re);
        self.matches = times;
        Ok(self.next_match(true))
    }

    fn next_match(&mut self, forward: bool) -> Option<Act> {
        let found = if forward {
            self.matches.iter().find(|&&t| t > self.time)
        } else {
            self.matches.iter().rev().find(|&&t| t < self.time)
        };
        match (found, &self.pattern) {
            (Some(&t), _) => Some(Act::Seek(Target::Time(t))),
            (None, None) => {
                self.message = Some("no search yet: / to search".into());
                None
            }
            (None, Some(re)) => {
                self.message = Some(format!(
                    "{} {}: {:?}",
                    if self.matches.is_empty() {
                        "no match"
                    } else {
                        "no more matches"
                    },
                    if forward { "after this" } else { "before this" },
                    re.as_str()
                ));
                None
            }
        }
    }

    fn help(&mut self) -> std::io::Result<()> {
        let mut text = String::from("\x1b[0m\x1b[H\x1b[2J tvmux play: keys\r\n\r\n");
        for (keys, what) in HELP {
            text.push_str(&format!("  {keys:<8} {what}\r\n"));
        }
        text.push_str("\r\n (any key to go back)");
        self.tty.write(text.as_bytes())?;
        self.tty.read(None)?;
        self.tty.write(b"\x1b[2J")?;
        self.dirty = true;
        Ok(())
    }

    /// Draws the screen and the status line.
    fn draw(&mut self) -> std::io::Result<()> {
        let (cols, rows) = self.tty.size();
        if self
            .tty_size
            .replace((cols, rows))
            .is_some_and(|s| s != (cols, rows))
        {
            // The terminal was resized: what the old size left goes.
            self.tty.write(b"\x1b[0m\x1b[2J")?;
        }
        let (cast_cols, cast_rows) = self.screen.size();
        let shown = (cast_cols.min(cols), cast_rows.min(rows));
        let mut out = render::screen(self.screen.terminal(), shown.0 as usize, shown.1 as usize);
        let room = rows > cast_rows;
        let small = cols < cast_cols || rows < cast_rows;
        if room || self.paused || self.seeking.is_some() || small || self.message.is_some() {
            let row = self.status_row();
            // Narrow terminals cut it: what matters comes first.
            let fit = if small {
                format!(
                    " (cast {cast_cols}x{cast_rows}, top-left {}x{} shown)",
                    shown.0, shown.1
                )
            } else {
                String::new()
            };
            let mut status = format!(
                " {} {}{fit} / {}  {}x",
                if self.paused { "paused" } else { "playing" },
                clock(self.time),
                clock(self.duration),
                self.speed
            );
            if let Some(message) = &self.message {
                status.push_str("  ");
                status.push_str(message);
            }
            // The cursor, hidden while the status line is written, goes back.
            out.splice(0..0, b"\x1b[?25l".iter().copied());
            out.extend(render::status(&status, row, cols));
            let cursor = self.screen.terminal().cursor();
            if cursor.visible && (cursor.col as u32) < shown.0 && (cursor.row as u32) < shown.1 {
                out.extend(
                    format!("\x1b[{};{}H\x1b[?25h", cursor.row + 1, cursor.col + 1).as_bytes(),
                );
            }
        }
        self.tty.write(&out)?;
        self.drawn = Some(Instant::now());
        self.dirty = false;
        Ok(())
    }

    /// Paused at the end: keys until one seeks back or quits (space ends).
    fn wait_at_end(&mut self) -> std::io::Result<Option<Target>> {
        loop {
            match self.wait(None)? {
                Some(Act::Seek(target)) => return Ok(Some(target)),
                Some(Act::Quit) => return Ok(None),
                _ if !self.paused => return Ok(None),
                _ => {}
            }
        }
    }

    /// At the end of a cast being written: waits for it to grow (taking
    /// keys meanwhile); the next pass goes on with what was appended.
    fn follow(&mut self, input: &mut Input, end_of: &mut usize) -> std::io::Result<Followed> {
        loop {
            match self.wait(Some(FOLLOW_POLL))? {
                Some(Act::Seek(target)) => return Ok(Followed::Seek(target)),
                Some(Act::Quit) => return Ok(Followed::Quit),
                _ => {}
            }
            let len = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
            if len as usize <= input.bytes().len() {
                continue;
            }
            let Ok(grown) = Input::open(&self.path) else {
                continue;
            };
            // Up to its last complete line: the recorder may be writing one.
            let Ok(survey) = survey(&grown) else {
                continue;
            };
            if survey.end <= *end_of {
                continue;
            }
            *input = grown;
            *end_of = survey.end;
            self.duration = survey.duration;
            self.markers = survey.markers;
            // The new events follow the last one played, without a restore.
            self.skip_until = self.index;
            self.shown = Instant::now();
            return Ok(Followed::Grown);
        }
    }
}

/// What came of waiting at the end of a cast being written.
enum Followed {
    /// It grew: play on.
    Grown,
    Seek(Target),
    Quit,
}

/// What a key asks of the pass.
enum Act {
    /// Play the waiting event now (a step).
    Go,
    Seek(Target),
    Quit,
}

/// Whether `target` is ahead of the screen (reached by playing on).
fn target_is_ahead(target: Target, index: u64, time: Micros) -> bool {
    match target {
        Target::Time(t) => t >= time,
        Target::Index(n) => n >= index,
    }
}
