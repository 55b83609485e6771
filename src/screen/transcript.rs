//! The transcript: a cast's text as asciinema reads it (`convert -f txt`),
//! every line as it scrolled off the screen, then the last screen, each
//! with the time its text was last written. `avt`'s own transcript gives
//! the text; the rows' times are followed beside it.

use avt::observer::Transcript as AvtTranscript;
use avt::parser::Function;
use avt::{Line, Observation, Observer, Operation, ScreenKind};

use super::Screen;
use crate::cast::{Event, Flow, Header, Micros};

/// A line of text and when it was written.
#[derive(Debug, Clone, PartialEq)]
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

/// avt's transcript, with times: which row each character was printed on,
/// and which rows leave the screen.
struct Timed {
    transcript: AvtTranscript,
    /// For each row of the primary screen: when text was last printed there.
    rows: Vec<Micros>,
    /// The time of the event being fed.
    now: Micros,
    /// Times of the lines the transcript completes during this feed.
    done: Vec<Micros>,
    /// The latest time among the rows of a wrapped line not yet complete.
    pending: Micros,
}

impl Timed {
    fn new(rows: usize) -> Timed {
        Timed {
            transcript: AvtTranscript::new(),
            rows: vec![0; rows],
            now: 0,
            done: Vec::new(),
            pending: 0,
        }
    }

    /// The last screen's lines (the primary screen's, as the transcript
    /// takes them), with their rows' times.
    fn finish(self, terminal: &avt::Terminal) -> Vec<TimedLine> {
        let texts = self.transcript.finish(terminal);
        let mut times = Vec::with_capacity(texts.len());
        let mut pending = self.pending;
        for (line, &time) in terminal.primary_screen().all_lines().zip(&self.rows) {
            pending = pending.max(time);
            if !line.is_wrapped() {
                times.push(pending);
                pending = 0;
            }
        }
        pair(texts, times, self.now)
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

impl Observer for Timed {
    type Output = Vec<TimedLine>;

    fn begin(&mut self, context: &mut Observation<'_>) {
        self.transcript.begin(context);
    }

    fn before(&mut self, context: &mut Observation<'_>, operation: &Operation) {
        if matches!(operation, Operation::Function(Function::Ris)) {
            // The transcript completes the primary screen's lines here, the
            // blank ones at the bottom left out: they keep their rows' times.
            let mut lines = Vec::new();
            let (mut pending, mut blank) = (self.pending, true);
            let screen = context.terminal().primary_screen();
            for (line, &time) in screen.all_lines().zip(&self.rows) {
                pending = pending.max(time);
                blank &= line.chars().all(char::is_whitespace);
                if !line.is_wrapped() {
                    lines.push((pending, blank));
                    (pending, blank) = (0, true);
                }
            }
            while lines.last().is_some_and(|(_, blank)| *blank) {
                lines.pop();
            }
            self.done.extend(lines.into_iter().map(|(time, _)| time));
            self.rows.iter_mut().for_each(|t| *t = 0);
            self.pending = 0;
        }
        self.transcript.before(context, operation);
    }

    fn resized(&mut self, cols: usize, rows: usize) {
        self.rows.resize(rows, self.now);
        self.transcript.resized(cols, rows);
    }

    fn after(&mut self, context: &mut Observation<'_>, operation: &Operation) {
        if let Operation::Function(Function::Print(_)) = operation {
            let terminal = context.terminal();
            if terminal.active_screen_kind() == ScreenKind::Primary
                && let Some(t) = self.rows.get_mut(terminal.cursor().row)
            {
                *t = self.now;
            }
        }
        self.transcript.after(context, operation);
    }

    fn evicted(&mut self, context: &mut Observation<'_>, line: &Line) {
        // The top row leaves; the rows below move up and a new one starts.
        if !self.rows.is_empty() {
            self.pending = self.pending.max(self.rows.remove(0));
            self.rows.push(0);
        }
        if !line.is_wrapped() {
            self.done.push(self.pending);
            self.pending = 0;
        }
        self.transcript.evicted(context, line);
    }

    fn end(&mut self, context: &mut Observation<'_>) -> Vec<TimedLine> {
        let texts = self.transcript.end(context);
        pair(texts, std::mem::take(&mut self.done), self.now)
    }
}
