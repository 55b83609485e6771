//! The text of a recording as a viewer saw it, line by line, each line with
//! the time its text was last written: every line as it scrolled off the
//! screen, then the last screen. `avt` (asciinema's own terminal emulator)
//! renders it, so the text is what the player shows: escapes rendered away,
//! wide characters kept, overwritten text gone.

use avt::observer::Transcript;
use avt::parser::Function;
use avt::{Line, Observation, Observer, Operation, ScreenKind};

use crate::cast::{Flow, Micros};
use crate::edit::{EditError, Input, Screen};

/// A line of text and when it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedLine {
    /// When text was last printed on it, in microseconds since the start.
    pub time: Micros,
    /// The text, trailing blanks trimmed; wrapped rows joined.
    pub text: String,
}

/// Calls `each` with every line of `input`'s text in order: lines as they
/// scrolled off the screen, then the last screen's.
pub fn lines(
    input: &Input,
    mut each: impl FnMut(TimedLine) -> std::io::Result<Flow>,
) -> Result<(), EditError> {
    let events = input.events()?;
    let header = events.header();
    let mut screen =
        Screen::new(header.cols, header.rows).map_err(|e| EditError::io(&input.path, e))?;
    let mut timed = Timed::new(header.rows as usize);
    let mut stopped = false;
    events
        .for_each(|e| {
            timed.now = e.time;
            let flow = screen.feed_with(&e, &mut timed, |lines| {
                for line in lines {
                    if each(line)?.is_break() {
                        return Ok(Flow::Break(()));
                    }
                }
                Ok(Flow::Continue(()))
            })?;
            stopped = flow.is_break();
            Ok(flow)
        })
        .map_err(|e| input.error(e))?;
    if stopped {
        return Ok(());
    }
    for line in timed.finish(screen.terminal()) {
        if each(line)
            .map_err(|e| EditError::io(&input.path, e))?
            .is_break()
        {
            break;
        }
    }
    Ok(())
}

/// The screen at `time` (after every event up to it): its rows, trailing
/// blanks and blank rows at the bottom trimmed. A time after the last
/// event is refused.
pub fn screen_at(input: &Input, time: Micros) -> Result<Vec<String>, EditError> {
    let events = input.events()?;
    let header = events.header();
    let mut screen =
        Screen::new(header.cols, header.rows).map_err(|e| EditError::io(&input.path, e))?;
    // The last event's time, until one after `time` shows it is inside.
    let mut end = Some(0);
    events
        .for_each(|e| {
            if e.time > time {
                end = None;
                return Ok(Flow::Break(()));
            }
            end = Some(e.time);
            screen.apply(&e)?;
            Ok(Flow::Continue(()))
        })
        .map_err(|e| input.error(e))?;
    if let Some(end) = end.filter(|&end| time > end) {
        return Err(EditError::Usage(format!(
            "--at ({}) is after the end of the cast ({})",
            crate::edit::clock(time),
            crate::edit::clock(end)
        )));
    }
    let mut rows: Vec<String> = screen
        .terminal()
        .screen()
        .text()
        .into_iter()
        .map(|r| r.trim_end().to_string())
        .collect();
    while rows.last().is_some_and(String::is_empty) {
        rows.pop();
    }
    Ok(rows)
}

/// avt's transcript, with times: which row each character was printed on,
/// and which rows leave the screen.
struct Timed {
    transcript: Transcript,
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
            transcript: Transcript::new(),
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
