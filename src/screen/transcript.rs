//! The transcript: a cast's text as asciinema reads it (`convert -f txt`),
//! every line as it scrolled off the screen, then the last screen, each
//! with the time its text was last written. The text is taken as `avt`'s
//! own transcript takes it ([`Text`]); the rows' times are followed beside
//! it.

use avt::parser::Function;
use avt::{Line, Observation, Observer, Operation, ScreenKind};

use serde::{Deserialize, Serialize};

use super::Screen;
use crate::cast::{Event, Flow, Header, Micros};

/// A line of text and when it was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedLine {
    /// When text was last printed on it, in microseconds since the start.
    pub time: Micros,
    /// The text, trailing blanks trimmed; wrapped rows joined.
    pub text: String,
}

/// A cast's transcript, fed event by event.
pub struct Transcript {
    screen: Screen,
    timed: Timed,
}

impl super::Reading for Transcript {
    type Line = TimedLine;
    type Own = Timed;

    fn weight(line: &TimedLine) -> usize {
        line.text.len()
    }

    fn screen(&self) -> &Screen {
        &self.screen
    }

    fn own(&self) -> Timed {
        self.timed.clone()
    }

    fn from_parts(screen: Screen, timed: Timed) -> Transcript {
        Transcript { screen, timed }
    }

    fn new(header: &Header) -> std::io::Result<Transcript> {
        Ok(Transcript {
            screen: Screen::new(header.cols, header.rows)?,
            timed: Timed::new(header.rows as usize),
        })
    }

    /// Plays one event; `each` is given the lines it completes, and may stop.
    fn feed(
        &mut self,
        event: &Event,
        mut each: impl FnMut(TimedLine) -> std::io::Result<Flow>,
    ) -> std::io::Result<Flow> {
        self.timed.now = event.time;
        self.screen.feed_with(event, &mut self.timed, |lines| {
            for line in lines {
                if each(line)?.is_break() {
                    return Ok(Flow::Break(()));
                }
            }
            Ok(Flow::Continue(()))
        })
    }

    /// The last screen's lines.
    fn finish(self) -> Vec<TimedLine> {
        self.timed.finish(self.screen.terminal())
    }
}

/// The text of the lines that leave the primary screen, as `avt`'s
/// `observer::Transcript` takes it (its state kept here, so that a reading
/// can be compared and copied: [`super::Reading::own`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Text {
    /// The rows of a wrapped line gone so far.
    pending: String,
    /// The lines completed during this feed.
    ready: Vec<String>,
}

impl Text {
    fn push(&mut self, line: &Line) {
        self.pending.extend(line.chars());
        if !line.is_wrapped() {
            self.ready.push(self.pending.trim_end().to_owned());
            self.pending.clear();
        }
    }

    /// Completes every line of the primary screen (at a hard reset, and at
    /// the end), the blank ones at its bottom left out.
    fn finish_primary(&mut self, terminal: &avt::Terminal) {
        let start = self.ready.len();
        for line in terminal.primary_screen().all_lines() {
            self.push(line);
        }
        while self.ready.len() > start && self.ready.last().is_some_and(String::is_empty) {
            self.ready.pop();
        }
    }
}

/// The transcript's text, with times: which row each character was printed
/// on, and which rows leave the screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timed {
    text: Text,
    /// For each row of the primary screen: when text was last printed there.
    rows: Vec<Micros>,
    /// The time of the event being fed.
    now: Micros,
    /// Times of the lines the transcript completes during this feed.
    done: Vec<Micros>,
    /// The latest time among the rows of a wrapped line not yet complete.
    pending: Micros,
    /// The scroll region (top and bottom rows), as the terminal has it.
    margins: (usize, usize),
    /// The cursor's row before the operation being fed.
    row_before: usize,
    /// The screen's height.
    height: usize,
    /// During a resize: the time of each line on the primary screen before
    /// it, top to bottom, for the rows it is reflowed into.
    reflowing: Option<Vec<Micros>>,
}

impl Timed {
    fn new(rows: usize) -> Timed {
        Timed {
            text: Text::default(),
            rows: vec![0; rows],
            now: 0,
            done: Vec::new(),
            pending: 0,
            margins: (0, rows.saturating_sub(1)),
            row_before: 0,
            height: rows,
            reflowing: None,
        }
    }

    /// The last screen's lines (the primary screen's, as the transcript
    /// takes them), with their rows' times.
    fn finish(mut self, terminal: &avt::Terminal) -> Vec<TimedLine> {
        let times = self
            .line_times(terminal)
            .into_iter()
            .map(|(time, _)| time)
            .collect();
        self.text.finish_primary(terminal);
        pair(self.text.ready, times, self.now)
    }
}

/// Lines and their times; a line the times do not cover (the transcript
/// also completes lines on a hard reset) takes `now`.
fn pair(texts: Vec<String>, times: Vec<Micros>, now: Micros) -> Vec<TimedLine> {
    let mut times = times.into_iter();
    texts
        .into_iter()
        .map(|text| TimedLine {
            time: times.next().unwrap_or(now),
            text,
        })
        .collect()
}

impl Timed {
    /// The primary screen's lines, top to bottom (wrapped rows joined):
    /// when each was written (the latest of its rows, the first with the
    /// part already in history), and whether it is blank.
    fn line_times(&self, terminal: &avt::Terminal) -> Vec<(Micros, bool)> {
        let mut lines = Vec::new();
        let (mut time, mut blank) = (self.pending, true);
        for (line, &row) in terminal.primary_screen().all_lines().zip(&self.rows) {
            time = time.max(row);
            blank &= line.chars().all(char::is_whitespace);
            if !line.is_wrapped() {
                lines.push((time, blank));
                (time, blank) = (0, true);
            }
        }
        lines
    }

    /// Keeps each row's time with its text through `function` (on the
    /// primary screen; the cursor is now on `row`): a print dates its row,
    /// and rows moved inside the screen (a reverse index, inserted or
    /// deleted lines, a scroll of a region) take their times along, as the
    /// terminal moves them. Scrolling off the top is [`Observer::evicted`]'s.
    fn follow(&mut self, function: &Function, row: usize) {
        let (top, bottom) = self.margins;
        let last = self.rows.len().saturating_sub(1);
        // The rows an insertion or deletion at the cursor moves.
        let at_cursor = || {
            let start = self.row_before;
            start..if start <= bottom {
                bottom + 1
            } else {
                last + 1
            }
        };
        match *function {
            Function::Print(_) => {
                if let Some(t) = self.rows.get_mut(row) {
                    *t = self.now;
                }
            }
            Function::Decstbm(t, b) => {
                let t = usize::from(t.max(1)) - 1;
                let b = if b == 0 { last } else { usize::from(b) - 1 };
                if t < b && b <= last {
                    self.margins = (t, b);
                }
            }
            Function::Ris | Function::Decstr => self.margins = (0, last),
            Function::Ri if self.row_before == top => self.shift_down(top..bottom + 1, 1),
            Function::Sd(n) => self.shift_down(top..bottom + 1, n),
            Function::Il(n) => self.shift_down(at_cursor(), n),
            // From the top row, avt moves the lines into history: evicted.
            Function::Dl(n) if self.row_before > 0 => self.shift_up(at_cursor(), n),
            Function::Su(n) if top > 0 => self.shift_up(top..bottom + 1, n),
            Function::Lf | Function::Nel if self.row_before == bottom && top > 0 => {
                self.shift_up(top..bottom + 1, 1)
            }
            _ => {}
        }
    }

    /// The rows in `range` move down `n` (at least 1); blank rows come in
    /// at the top.
    fn shift_down(&mut self, range: std::ops::Range<usize>, n: u16) {
        let Some(rows) = self.rows.get_mut(range) else {
            return;
        };
        let n = usize::from(n.max(1)).min(rows.len());
        rows.rotate_right(n);
        rows[..n].fill(0);
    }

    /// The rows in `range` move up `n` (at least 1); blank rows come in at
    /// the bottom.
    fn shift_up(&mut self, range: std::ops::Range<usize>, n: u16) {
        let Some(rows) = self.rows.get_mut(range) else {
            return;
        };
        let n = usize::from(n.max(1)).min(rows.len());
        rows.rotate_left(n);
        let len = rows.len();
        rows[len - n..].fill(0);
    }
}

impl Observer for Timed {
    type Output = Vec<TimedLine>;

    fn before(&mut self, context: &mut Observation<'_>, operation: &Operation) {
        self.row_before = context.terminal().cursor().row;
        if matches!(operation, Operation::Function(Function::Ris)) {
            // The transcript completes the primary screen's lines here, the
            // blank ones at the bottom left out: they keep their rows' times.
            let mut lines = self.line_times(context.terminal());
            while lines.last().is_some_and(|(_, blank)| *blank) {
                lines.pop();
            }
            self.done.extend(lines.into_iter().map(|(time, _)| time));
            self.rows.iter_mut().for_each(|t| *t = 0);
            self.pending = 0;
            self.text.finish_primary(context.terminal());
        }
        if matches!(operation, Operation::Resize { .. }) {
            // A resize reflows the primary screen's lines into other rows:
            // each line's time goes with it (`after`).
            let times = self.line_times(context.terminal());
            self.reflowing = Some(times.into_iter().map(|(time, _)| time).collect());
        }
    }

    fn resized(&mut self, _cols: usize, rows: usize) {
        self.height = rows;
        self.margins = (0, rows.saturating_sub(1));
    }

    fn after(&mut self, context: &mut Observation<'_>, operation: &Operation) {
        if let Some(times) = self.reflowing.take() {
            // The same lines, top to bottom, in their new rows (some above
            // the screen, about to be evicted; blank ones added below).
            let mut line = 0;
            self.rows.clear();
            for row in context.terminal().primary_screen().all_lines() {
                self.rows.push(times.get(line).copied().unwrap_or(0));
                if !row.is_wrapped() {
                    line += 1;
                }
            }
        }
        if let Operation::Function(function) = operation {
            let terminal = context.terminal();
            if terminal.active_screen_kind() == ScreenKind::Primary {
                self.follow(function, terminal.cursor().row);
            }
        }
    }

    fn evicted(&mut self, _context: &mut Observation<'_>, line: &Line) {
        // The top row leaves; the rows below move up and a new one starts
        // (none when the row left was above the screen, after a resize).
        if !self.rows.is_empty() {
            self.pending = self.pending.max(self.rows.remove(0));
            if self.rows.len() < self.height {
                self.rows.push(0);
            }
        }
        if !line.is_wrapped() {
            self.done.push(self.pending);
            self.pending = 0;
        }
        self.text.push(line);
    }

    fn end(&mut self, _context: &mut Observation<'_>) -> Vec<TimedLine> {
        let texts = std::mem::take(&mut self.text.ready);
        pair(texts, std::mem::take(&mut self.done), self.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::Reading;

    /// The transcript of `events` (time in seconds, code, data) on a
    /// `cols` x `rows` screen: (time in seconds, text) of each line.
    fn transcript_of(cols: u32, rows: u32, events: &[(f64, &str, &str)]) -> Vec<(f64, String)> {
        let header = Header::new(crate::cast::Version::V2, cols, rows);
        let mut t = Transcript::new(&header).unwrap();
        let mut out = Vec::new();
        for &(time, code, data) in events {
            let event = Event {
                time: crate::cast::micros(time),
                code: code.into(),
                data: crate::cast::Data::Text(data.into()),
            };
            let _ = t
                .feed(&event, |l| {
                    out.push(l);
                    Ok(Flow::Continue(()))
                })
                .unwrap();
        }
        out.extend(t.finish());
        out.into_iter()
            .map(|l| (l.time as f64 / 1e6, l.text))
            .collect()
    }

    /// The transcript of output `events` (time in seconds, output) on 10x4.
    fn transcript(events: &[(f64, &str)]) -> Vec<(f64, String)> {
        let events: Vec<_> = events.iter().map(|&(t, data)| (t, "o", data)).collect();
        transcript_of(10, 4, &events)
    }

    #[test]
    fn lines_reflowed_by_a_resize_keep_their_times() {
        let lines = transcript_of(
            10,
            3,
            &[
                (1.0, "o", "abcdefghij\r\n"),
                (2.0, "o", "klm\r\n"),
                (3.0, "r", "5x3"),
                (4.0, "o", "nop\r\n"),
                (5.0, "o", "qrs\r\n"),
                (6.0, "o", "tuv\r\n"),
                (7.0, "r", "12x3"),
                (8.0, "o", "wxy\r\n"),
            ],
        );
        assert_eq!(
            lines,
            [
                (1.0, "abcdefghij".into()),
                (2.0, "klm".into()),
                (4.0, "nop".into()),
                (5.0, "qrs".into()),
                (6.0, "tuv".into()),
                (8.0, "wxy".into()),
            ]
        );
    }

    #[test]
    fn moved_lines_keep_their_times() {
        // A reverse index at the top pushes the lines down.
        let lines = transcript(&[(1.0, "aaa\r\nbbb"), (2.0, "\x1b[H\x1bM")]);
        assert_eq!(
            lines[..3],
            [
                (0.0, String::new()),
                (1.0, "aaa".into()),
                (1.0, "bbb".into())
            ]
        );
        // Lines inserted and deleted in the middle, and a region scrolled.
        let lines = transcript(&[
            (1.0, "a\r\nb\r\nc"),
            (2.0, "\x1b[2;1H\x1b[L"),
            (3.0, "\x1b[1;1H\x1b[M"),
            (4.0, "\x1b[2;4r\x1b[4;1H\n"),
        ]);
        // After the insertion: a, blank, b, c. The deletion at the top
        // sends a into history; the region (rows 2-4) scrolls up once: b
        // leaves the screen there (not into history), c moves up.
        assert_eq!(
            lines,
            [(1.0, "a".into()), (0.0, String::new()), (1.0, "c".into())]
        );
    }
}
