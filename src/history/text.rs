//! The text of a recording as a viewer saw it ([`crate::screen`] reads
//! it): [`lines`], the transcript (what scrolled off, then the last
//! screen); [`all_lines`], everything that was ever on screen; and
//! [`screen_at`], the screen at one moment.

use crate::cast::{Event, Flow, Micros};
use crate::edit::{EditError, Input};
use std::path::Path;

use crate::screen::index::{self, Index, Stamp};
use crate::screen::{Emulation, Everything, Reading, Screen, SeenLine, TimedLine, Transcript};

/// Calls `each` with every line of `input`'s text in order: lines as they
/// scrolled off the screen, then the last screen's.
pub fn lines(
    input: &Input,
    how: Emulation,
    each: impl FnMut(TimedLine) -> std::io::Result<Flow>,
) -> Result<(), EditError> {
    if let Some(index) = how.index_of(&input.path, input.file_metadata()) {
        return index
            .transcript(each)
            .map_err(|e| EditError::io(&input.path, e));
    }
    read::<Transcript>(input, how.threads, each)
}

/// Calls `each` with every line of `input` that was ever on screen or
/// scrolled into history, as each leaves (then the rest at the end).
pub fn all_lines(
    input: &Input,
    how: Emulation,
    each: impl FnMut(SeenLine) -> std::io::Result<Flow>,
) -> Result<(), EditError> {
    if let Some(index) = how.index_of(&input.path, input.file_metadata()) {
        return index
            .everything(each)
            .map_err(|e| EditError::io(&input.path, e));
    }
    read::<Everything>(input, how.threads, each)
}

/// Plays `input` into a reading `R`, handing `each` its lines as they come;
/// `each` may stop.
pub(super) fn read<R>(
    input: &Input,
    threads: usize,
    each: impl FnMut(R::Line) -> std::io::Result<Flow>,
) -> Result<(), EditError>
where
    R: Reading + Send,
    R::Line: Send,
    R::Own: Send + Sync,
{
    let events = input.events()?;
    crate::screen::read::<R>(&events, threads, crate::screen::CHUNK, each)
        .map_err(|e| input.error(e))
}

/// Indexes `input` (unless its index is fresh and `again` is false),
/// playing the terminal on `threads` cores, from where the index of what
/// it was before it grew left off unless `again`: what was written, none
/// if the index was fresh. Standard input has no index.
pub fn index(
    input: &Input,
    threads: usize,
    again: bool,
) -> Result<Option<index::Written>, EditError> {
    let Some(meta) = input.file_metadata() else {
        return Err(EditError::Usage("standard input cannot be indexed".into()));
    };
    let stamp = Stamp::of(meta);
    let place = index::directory(true)
        .and_then(|dir| index::place(&dir, &input.path))
        .map_err(|e| EditError::io(Path::new("the index directory"), e))?;
    if !again
        && Index::open(&place, stamp)
            .map_err(|e| EditError::io(&place, e))?
            .is_some()
    {
        return Ok(None);
    }
    let events = input.events()?;
    index::write(&place, &input.path, stamp, &events, threads, !again)
        .map(Some)
        .map_err(|e| input.error(e))
}

/// The screen at `time` (after every event up to it): its rows, trailing
/// blanks and blank rows at the bottom trimmed. A time after the last
/// event is refused. A fresh index (when `how` allows) gives the screen at
/// its last keyframe before `time`, and only what follows is played.
pub fn screen_at(input: &Input, time: Micros, how: Emulation) -> Result<Vec<String>, EditError> {
    let events = input.events()?;
    let header = events.header();
    let keyframe = how
        .index_of(&input.path, input.file_metadata())
        .and_then(|index| index.keyframe_at(time).ok().flatten());
    let io = |e| EditError::io(&input.path, e);
    // The last event's time, until one after `time` shows it is inside.
    let (mut screen, mut end) = match &keyframe {
        Some(k) => (k.screen().map_err(io)?, Some(k.place.time)),
        None => (Screen::new(header.cols, header.rows).map_err(io)?, Some(0)),
    };
    let mut each = |e: Event| {
        if e.time > time {
            end = None;
            return Ok(Flow::Break(()));
        }
        end = Some(e.time);
        screen.apply(&e)?;
        Ok(Flow::Continue(()))
    };
    match &keyframe {
        Some(k) => events.for_each_placed(Some(&k.place), |e, _| each(e)),
        None => events.for_each(each),
    }
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
