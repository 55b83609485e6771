//! Everything a viewer could see: every line that was on screen after some
//! event (a player draws between events, never inside one), on either
//! screen, with the time its text was written, wherever the line moved
//! since; and every line that scrolled into history, as
//! [`super::text`] gives them.
//!
//! A line is reported once, when it leaves the screen — scrolled off,
//! erased, overwritten, pushed out by a reverse index or an inserted line,
//! reset, or on an alternate screen that is left — or at the end. After each
//! event the lines the event changed are set against the ones they replace,
//! by text: a line found again (moved by a scroll, a reverse index, a
//! resize's rewrap) keeps its time; a line that grew (typed key by key) is
//! the same line, written now; a line found nowhere has left. A line
//! redrawn in place (a progress bar) gives each state it showed after an
//! event. The normal screen hidden behind the alternate one is not gone:
//! its lines are reported when they leave it later, or at the end, as the
//! terminal has them then (a resize rewraps them).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use avt::parser::Function;
use avt::{Line, Observation, Observer, Operation, ScreenKind};

use super::{Screen, TimedLine};
use crate::cast::{Event, Flow, Header, Micros};

/// Which screen a line was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shown {
    /// The normal screen (and what scrolled off it).
    Primary,
    /// The alternate screen of full-screen programs.
    Alternate,
}

/// A line seen, when its text was written, and on which screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeenLine {
    /// The line and its time.
    pub line: TimedLine,
    /// The screen it was on.
    pub screen: Shown,
}

/// Everything on screen, fed event by event.
pub struct Everything {
    screen: Screen,
    seen: Seen,
}

impl super::Reading for Everything {
    type Line = SeenLine;
    type Own = Seen;

    fn weight(line: &SeenLine) -> usize {
        line.line.text.len()
    }

    fn screen(&self) -> &Screen {
        &self.screen
    }

    fn own(&self) -> Seen {
        self.seen.clone()
    }

    fn from_parts(screen: Screen, seen: Seen) -> Everything {
        Everything { screen, seen }
    }

    fn new(header: &Header) -> std::io::Result<Everything> {
        Ok(Everything {
            screen: Screen::new(header.cols, header.rows)?,
            seen: Seen::default(),
        })
    }

    /// Plays one event; `each` is given the lines that left the screen, and
    /// may stop.
    fn feed(
        &mut self,
        event: &Event,
        mut each: impl FnMut(SeenLine) -> std::io::Result<Flow>,
    ) -> std::io::Result<Flow> {
        self.seen.now = event.time;
        let flow = self
            .screen
            .feed_with(event, &mut self.seen, |lines| send(&mut each, lines))?;
        if flow.is_break() {
            return Ok(flow);
        }
        let left = self.seen.after_event(self.screen.terminal());
        send(&mut each, left)
    }

    /// The lines still on screen at the end (and behind the alternate one).
    fn finish(mut self) -> Vec<SeenLine> {
        self.seen.take_all(self.screen.terminal())
    }
}

fn send(
    each: &mut impl FnMut(SeenLine) -> std::io::Result<Flow>,
    lines: Vec<SeenLine>,
) -> std::io::Result<Flow> {
    for line in lines {
        if each(line)?.is_break() {
            return Ok(Flow::Break(()));
        }
    }
    Ok(Flow::Continue(()))
}

/// A line on screen: its text (wrapped rows joined, trailing blanks
/// trimmed), when that text was written, and the rows it spans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OnScreen {
    text: String,
    time: Micros,
    rows: std::ops::Range<usize>,
    /// Since when the line has been rewritten in place without a state
    /// reported (see [`IN_PLACE`]).
    rewritten_since: Micros,
}

/// A line rewritten in place with other text (a progress bar, a clock, a
/// full-screen program's cells) gives at most one state a second: the one
/// it had when the second was up. Text erased, scrolled away or hidden is
/// given at once.
const IN_PLACE: Micros = 1_000_000;

/// A row as the screen showed it after the last event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Row {
    text: String,
    /// Each cell's character, to tell quickly whether the row changed.
    cells: Vec<char>,
    /// It goes on in the next row.
    wrapped: bool,
}

impl Row {
    /// Takes `line`'s content; false when it had it already.
    fn update(&mut self, line: &Line) -> bool {
        let cells = line.cells();
        if self.wrapped == line.is_wrapped()
            && self.cells.len() == cells.len()
            && self.cells.iter().zip(cells).all(|(a, c)| *a == c.char())
        {
            return false;
        }
        self.cells.clear();
        self.cells.extend(cells.iter().map(|c| c.char()));
        self.text.clear();
        self.text.extend(line.chars());
        self.wrapped = line.is_wrapped();
        true
    }
}

/// The text of a line's rows, joined, trailing blanks trimmed.
fn joined(rows: &[Row]) -> String {
    let mut text: String = rows.iter().map(|row| row.text.as_str()).collect();
    text.truncate(text.trim_end().len());
    text
}

/// One screen's rows and lines after the last event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct ScreenState {
    rows: Vec<Row>,
    lines: Vec<OnScreen>,
}

/// What [`Everything`] keeps beside its screen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    /// The time of the event being fed.
    now: Micros,
    /// The screen shown after the last event.
    shown: ScreenState,
    /// Which screen that was.
    kind: Option<Shown>,
    /// The normal screen while the alternate one is shown.
    hidden: ScreenState,
    /// Rows the current event changed (or all, after a resize or a switch).
    dirty: Vec<bool>,
    all_dirty: bool,
    /// Rows of a line leaving history that are not complete yet.
    evicting: String,
    /// The line on screen whose row began `evicting`, as the last event
    /// showed it (a resize rewraps it into rows that show it nowhere else).
    evicting_from: Option<OnScreen>,
    /// Rows gone into history during this event: the rows below moved up.
    evicted_rows: usize,
    /// Lines gone into history during this feed, reported at its end.
    evicted: Vec<SeenLine>,
}

impl Seen {
    /// After an event: the lines it replaced that are nowhere on screen now.
    fn after_event(&mut self, terminal: &avt::Terminal) -> Vec<SeenLine> {
        let kind = terminal.active_screen_kind();
        let mut left = Vec::new();
        if self.kind != Some(shown_as(kind)) {
            // A switch of screen: the alternate screen's lines are gone;
            // the normal screen's wait behind it.
            let before = std::mem::take(&mut self.shown);
            match self.kind {
                Some(Shown::Alternate) => {
                    left.extend(before.lines.into_iter().map(|l| seen(l, Shown::Alternate)));
                    self.shown = std::mem::take(&mut self.hidden);
                }
                Some(Shown::Primary) => self.hidden = before,
                None => {}
            }
            self.kind = Some(shown_as(kind));
            self.all_dirty = true;
        }
        if !self.all_dirty && !self.dirty.iter().any(|d| *d) {
            return left;
        }
        let screen = shown_as(kind);
        let (_, height) = terminal.size();
        let state = &mut self.shown;
        // Rows that went into history: the rest moved up (their lines too).
        let up = std::mem::take(&mut self.evicted_rows).min(state.rows.len());
        if up > 0 && kind == ScreenKind::Primary {
            state.rows.drain(..up);
            for line in &mut state.lines {
                let cut = line.rows.start < up && line.rows.end > up;
                line.rows = line.rows.start.saturating_sub(up)..line.rows.end.saturating_sub(up);
                if cut {
                    // Its head went into history (it begins the text being
                    // evicted): what stays is its rows still on screen.
                    line.text = joined(&state.rows[line.rows.clone()]);
                }
            }
            state.lines.retain(|l| !l.rows.is_empty());
        }
        state.rows.resize_with(height, Row::default);
        self.dirty.resize(height, false);
        // A row the event marked is read again only if it differs from
        // what it showed (a scroll marks every row and changes one).
        let mut changed = vec![false; height];
        let mut wraps_changed = false;
        for (r, line) in terminal.screen().visible_lines().enumerate() {
            let row = &mut state.rows[r];
            let wrapped = row.wrapped;
            // After rows went into history every row is read: a scroll
            // region's moved only its own, the model moved them all.
            if self.all_dirty || self.dirty[r] || up > 0 {
                if row.update(line) {
                    changed[r] = true;
                    wraps_changed |= wrapped != row.wrapped;
                }
            } else if wrapped != line.is_wrapped() {
                // A row's wrap can change with its neighbour's (a line
                // deleted below it) while the row itself is not marked.
                row.wrapped = line.is_wrapped();
                changed[r] = true;
                wraps_changed = true;
            }
        }
        let whole = std::mem::take(&mut self.all_dirty);
        self.dirty.iter_mut().for_each(|d| *d = false);
        let Some(first) = changed.iter().position(|c| *c) else {
            left.retain(|l| !l.line.text.is_empty());
            return left;
        };
        // Most events change one line where it stands (a key typed, a
        // progress bar's step): it alone is set against what it was.
        let last = changed.iter().rposition(|c| *c).expect("one changed");
        let at = state.lines.partition_point(|l| l.rows.end <= first);
        if !whole
            && up == 0
            && !wraps_changed
            && let Some(line) = state.lines.get_mut(at).filter(|l| l.rows.contains(&last))
        {
            let text = joined(&state.rows[line.rows.clone()]);
            if text.starts_with(line.text.as_str()) {
                // Grown: the same line, written now.
            } else if !text.is_empty() && self.now - line.rewritten_since < IN_PLACE {
                // Rewritten again within the second: that state is passed over.
            } else {
                let old = std::mem::take(&mut line.text);
                left.push(SeenLine {
                    line: TimedLine {
                        time: line.time,
                        text: old,
                    },
                    screen,
                });
                line.rewritten_since = self.now;
            }
            line.text = text;
            line.time = self.now;
            left.retain(|l| !l.line.text.is_empty());
            return left;
        }
        let changed_in = |rows: &std::ops::Range<usize>| rows.clone().any(|r| changed[r]);
        // The lines now; those over unchanged rows are the same lines.
        let mut before: Vec<Option<OnScreen>> = std::mem::take(&mut state.lines)
            .into_iter()
            .map(Some)
            .collect();
        let mut lines: Vec<OnScreen> = Vec::new();
        let mut fresh = Vec::new();
        let mut start = 0;
        // The old lines are in row order too: one walk finds each span's.
        let mut old_at = 0;
        for r in 0..height {
            if state.rows[r].wrapped && r + 1 < height {
                continue;
            }
            let rows = start..r + 1;
            start = r + 1;
            while before
                .get(old_at)
                .is_some_and(|o| o.as_ref().is_none_or(|o| o.rows.start < rows.start))
            {
                old_at += 1;
            }
            let kept = if changed_in(&rows) {
                None
            } else {
                before
                    .get_mut(old_at)
                    .filter(|o| o.as_ref().is_some_and(|o| o.rows == rows))
                    .and_then(Option::take)
            };
            match kept {
                Some(line) => lines.push(line),
                None => {
                    let text = joined(&state.rows[rows.clone()]);
                    fresh.push(lines.len());
                    lines.push(OnScreen {
                        text,
                        time: self.now,
                        rows,
                        rewritten_since: self.now,
                    });
                }
            }
        }
        // The changed lines, set against the lines they replaced: the same
        // text is the same line (moved or not), keeping its time; the line
        // that stood in the same place, grown, is the same line written
        // now; what is left has gone.
        let mut gone: Vec<bool> = before.iter().map(Option::is_some).collect();
        let replaced: Vec<usize> = (0..before.len()).filter(|&j| gone[j]).collect();
        // Few lines change in most events (a key typed): a look at each
        // replaced line is cheaper than a map.
        let mut by_text: Option<HashMap<&str, Vec<usize>>> = (replaced.len() > 16).then(|| {
            let mut map: HashMap<&str, Vec<usize>> = HashMap::new();
            for &j in replaced.iter().rev() {
                map.entry(before[j].as_ref().expect("there").text.as_str())
                    .or_default()
                    .push(j);
            }
            map
        });
        for &i in &fresh {
            let line = &mut lines[i];
            let same = match &mut by_text {
                Some(map) => map.get_mut(line.text.as_str()).and_then(|list| {
                    while let Some(j) = list.pop() {
                        if gone[j] {
                            return Some(j);
                        }
                    }
                    None
                }),
                None => replaced
                    .iter()
                    .copied()
                    .find(|&j| gone[j] && before[j].as_ref().expect("there").text == line.text),
            };
            if let Some(j) = same {
                gone[j] = false;
                let old = before[j].as_ref().expect("there");
                (line.time, line.rewritten_since) = (old.time, old.rewritten_since);
                continue;
            }
            // The line that stood in the same place.
            let Some(j) = replaced.iter().copied().find(|&j| {
                gone[j] && before[j].as_ref().expect("there").rows.start == line.rows.start
            }) else {
                continue;
            };
            let old = before[j].as_ref().expect("there");
            if line.text.starts_with(old.text.as_str()) {
                // Grown (typed on): the same line, written now.
                gone[j] = false;
                line.rewritten_since = old.rewritten_since;
            } else if !line.text.is_empty() && self.now - old.rewritten_since < IN_PLACE {
                // Rewritten again within the second: that state is passed over.
                gone[j] = false;
                line.rewritten_since = old.rewritten_since;
            }
        }
        drop(by_text);
        left.extend(
            before
                .into_iter()
                .zip(gone)
                .filter_map(|(old, gone)| old.filter(|_| gone))
                .filter(|old| !old.text.is_empty())
                .map(|old| seen(old, screen)),
        );
        state.lines = lines;
        left.retain(|l| !l.line.text.is_empty());
        left
    }

    /// Every line now on either screen (the normal one behind the alternate
    /// included), taken off them: at the end, and at a hard reset.
    fn take_all(&mut self, terminal: &avt::Terminal) -> Vec<SeenLine> {
        let mut out = self.after_event(terminal);
        let screen = shown_as(terminal.active_screen_kind());
        if screen == Shown::Alternate {
            // The normal screen behind changed only by resizes (rewrapped,
            // its top gone into history): its lines are read as the
            // terminal has them now, each keeping its time.
            let old = std::mem::take(&mut self.hidden.lines);
            let (lines, gone) = reread(terminal.primary_screen().visible_lines(), old, self.now);
            out.extend(gone.into_iter().map(|l| seen(l, Shown::Primary)));
            self.hidden.lines = lines;
        }
        let primary = match screen {
            Shown::Primary => &mut self.shown.lines,
            Shown::Alternate => &mut self.hidden.lines,
        };
        join_evicting(
            &mut self.evicting,
            self.evicting_from.take(),
            primary,
            self.now,
        );
        let hidden = std::mem::take(&mut self.hidden.lines);
        out.extend(hidden.into_iter().map(|l| seen(l, Shown::Primary)));
        let shown = std::mem::take(&mut self.shown.lines);
        out.extend(shown.into_iter().map(|l| seen(l, screen)));
        out.retain(|l| !l.line.text.is_empty());
        out
    }
}

/// The lines of `rows` (wrapped rows joined), each with the time of the
/// line among `old` with its text, or whose text ends with it (its head
/// went into history), else `now`; and the old lines none of them is.
fn reread<'l>(
    rows: impl Iterator<Item = &'l Line>,
    old: Vec<OnScreen>,
    now: Micros,
) -> (Vec<OnScreen>, Vec<OnScreen>) {
    let mut old: Vec<Option<OnScreen>> = old.into_iter().map(Some).collect();
    let mut lines = Vec::new();
    let (mut text, mut start) = (String::new(), 0);
    let rows: Vec<&Line> = rows.collect();
    for (r, row) in rows.iter().enumerate() {
        text.extend(row.chars());
        if row.is_wrapped() && r + 1 < rows.len() {
            continue;
        }
        let mut text = std::mem::take(&mut text);
        text.truncate(text.trim_end().len());
        let mut find = |same: &dyn Fn(&str) -> bool| {
            old.iter_mut()
                .find(|o| o.as_ref().is_some_and(|o| same(&o.text)))
                .and_then(Option::take)
        };
        let was = find(&|o| o == text)
            .or_else(|| find(&|o| !text.is_empty() && o.ends_with(text.as_str())));
        let time = was.as_ref().map_or(now, |o| o.time);
        lines.push(OnScreen {
            text,
            time,
            rows: start..r + 1,
            rewritten_since: was.map_or(now, |o| o.rewritten_since),
        });
        start = r + 1;
    }
    (lines, old.into_iter().flatten().collect())
}

/// The rows of a line that went into history while its rest is still on
/// the normal screen (at its top): they begin that line's text. With no
/// line known at the top (the row it continued on left with nothing to
/// tell), they are a line of their own, made one of `primary` (with the
/// time of the line whose row began them, else `now`).
fn join_evicting(
    evicting: &mut String,
    began: Option<OnScreen>,
    primary: &mut Vec<OnScreen>,
    now: Micros,
) {
    if evicting.is_empty() {
        return;
    }
    match primary.first_mut().filter(|l| l.rows.start == 0) {
        Some(first) => {
            first.text.insert_str(0, evicting);
            // As the transcript joins a line's rows: trailing blanks trimmed.
            first.text.truncate(first.text.trim_end().len());
        }
        None => primary.insert(
            0,
            OnScreen {
                text: evicting.trim_end().to_string(),
                time: began.map_or(now, |l| l.time),
                rows: 0..0,
                rewritten_since: now,
            },
        ),
    }
    evicting.clear();
}

fn shown_as(kind: ScreenKind) -> Shown {
    match kind {
        ScreenKind::Primary => Shown::Primary,
        ScreenKind::Alternate => Shown::Alternate,
    }
}

fn seen(line: OnScreen, screen: Shown) -> SeenLine {
    SeenLine {
        line: TimedLine {
            time: line.time,
            text: line.text,
        },
        screen,
    }
}

impl Observer for Seen {
    type Output = Vec<SeenLine>;

    fn resized(&mut self, _cols: usize, rows: usize) {
        self.dirty.resize(rows, false);
        self.all_dirty = true;
    }

    fn dirty(&mut self, rows: std::ops::Range<usize>) {
        if self.dirty.len() < rows.end {
            self.dirty.resize(rows.end, false);
        }
        self.dirty[rows].iter_mut().for_each(|d| *d = true);
    }

    fn before(&mut self, context: &mut Observation<'_>, operation: &Operation) {
        // A hard reset clears both screens at once, even inside an event:
        // what is on them now has left (the transcript gives these lines
        // too, and grep must find what `text` shows).
        if matches!(operation, Operation::Function(Function::Ris)) {
            let left = self.take_all(context.terminal());
            self.evicted.extend(left);
            // Read every row again after the reset: the lines are gone.
            self.shown.rows.clear();
            self.hidden = ScreenState::default();
            self.all_dirty = true;
        }
    }

    fn evicted(&mut self, _context: &mut Observation<'_>, line: &Line) {
        let screen = if self.kind == Some(Shown::Alternate) {
            &mut self.hidden
        } else {
            &mut self.shown
        };
        if self.evicting.is_empty() {
            // The row leaving is the top one left of what the last event
            // showed.
            let row = self.evicted_rows;
            self.evicting_from = screen.lines.iter().find(|l| l.rows.contains(&row)).cloned();
        }
        if self.kind != Some(Shown::Alternate) {
            self.evicted_rows += 1;
        }
        self.evicting.extend(line.chars());
        if line.is_wrapped() {
            return;
        }
        let text = std::mem::take(&mut self.evicting).trim_end().to_string();
        // The top line, if it was on screen after the last event: it keeps
        // its time, and is not reported again as gone. A line a resize
        // rewrapped is the line whose row began it, if the text is the same.
        let began = self.evicting_from.take().filter(|l| l.text == text);
        let time = match screen.lines.iter().position(|l| l.text == text) {
            Some(i) => screen.lines.remove(i).time,
            None => began.map_or(self.now, |l| l.time),
        };
        self.evicted.push(SeenLine {
            line: TimedLine { time, text },
            screen: Shown::Primary,
        });
    }

    fn end(&mut self, _context: &mut Observation<'_>) -> Vec<SeenLine> {
        let mut out = std::mem::take(&mut self.evicted);
        out.retain(|l| !l.line.text.is_empty());
        out
    }
}
