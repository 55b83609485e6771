//! `tvmux cut` and `tvmux extract`: remove a stretch of time, or keep only
//! that stretch. The screen the removed output built is redrawn by a
//! keyframe (`avt` emulates the cast up to that point), so what follows
//! looks exactly as it did.

use super::{EditError, Input, Output, Screen, Written, edited_header, finish, writer};
use crate::cast::{CastWriter, Data, Flow, Micros};

fn check_range(from: Micros, to: Micros) -> Result<(), EditError> {
    if from >= to {
        return Err(EditError::Usage(format!(
            "--from ({}) must be before --to ({})",
            super::clock(from),
            super::clock(to)
        )));
    }
    Ok(())
}

/// Writes `screen` as it is at `time`: a resize if its size differs from
/// `size`, then the keyframe.
fn keyframe(
    w: &mut CastWriter<Output>,
    time: Micros,
    screen: &Screen,
    size: (u32, u32),
) -> std::io::Result<u64> {
    let mut events = 1;
    if screen.size() != size {
        let (cols, rows) = screen.size();
        w.event_at(time, "r", &Data::Text(format!("{cols}x{rows}").into()))?;
        events += 1;
    }
    w.event_at(time, "o", &Data::Text(screen.keyframe().into()))?;
    Ok(events)
}

/// Removes what happened from `from` up to (not including) `to`; what
/// follows moves back by the length removed, after a keyframe of the screen
/// at `to`.
pub fn cut(input: &Input, from: Micros, to: Micros, output: Output) -> Result<Written, EditError> {
    check_range(from, to)?;
    let events = input.events()?;
    let header = edited_header(events.header(), None);
    let mut screen = Screen::new(header.cols, header.rows);
    let mut w = writer(output, &header)?;
    let mut written = Written::default();
    // The size the output's viewer has, and whether the keyframe is out.
    let mut size = (header.cols, header.rows);
    let (mut joined, mut removed) = (false, false);
    events
        .for_each(|e| {
            if e.time < from {
                screen.apply(&e);
                size = screen.size();
                written.write(&mut w, e.time, &e)?;
            } else if e.time < to {
                screen.apply(&e);
                removed = true;
            } else {
                if !joined {
                    joined = true;
                    keyframe(&mut w, from, &screen, size)?;
                }
                written.write(&mut w, e.time - (to - from), &e)?;
            }
            Ok(Flow::Continue(()))
        })
        .map_err(|e| input.error(e))?;
    if !joined && removed {
        // The cast ended inside the cut: its last screen closes the output.
        keyframe(&mut w, from, &screen, size).map_err(|e| input.error(e.into()))?;
    }
    finish(w)?;
    Ok(written)
}

/// Keeps only what happened from `from` to `to` (both included), starting
/// at 0 with a keyframe of the screen at `from`.
pub fn extract(
    input: &Input,
    from: Micros,
    to: Micros,
    output: Output,
) -> Result<Written, EditError> {
    check_range(from, to)?;
    let events = input.events()?;
    let header = events.header();
    let mut screen = Screen::new(header.cols, header.rows);
    let mut out: Option<CastWriter<Output>> = None;
    let mut output = Some(output);
    let mut written = Written::default();
    let start =
        |screen: &Screen, output: &mut Option<Output>| -> Result<CastWriter<Output>, EditError> {
            // The cast starts at the size the screen has at `from`.
            let mut h = edited_header(header, None);
            (h.cols, h.rows) = screen.size();
            let mut w = writer(output.take().expect("started once"), &h)?;
            w.event_at(0, "o", &Data::Text(screen.keyframe().into()))
                .map_err(|e| input.error(e.into()))?;
            Ok(w)
        };
    let mut failed = None;
    events
        .for_each(|e| {
            if e.time > to {
                return Ok(Flow::Break(()));
            }
            if e.time < from {
                screen.apply(&e);
                return Ok(Flow::Continue(()));
            }
            if out.is_none() {
                match start(&screen, &mut output) {
                    Ok(w) => out = Some(w),
                    Err(e) => {
                        failed = Some(e);
                        return Ok(Flow::Break(()));
                    }
                }
            }
            let w = out.as_mut().expect("started");
            written.write(w, e.time - from, &e)?;
            Ok(Flow::Continue(()))
        })
        .map_err(|e| input.error(e))?;
    if let Some(e) = failed {
        return Err(e);
    }
    let w = match out {
        Some(w) => w,
        // Nothing happened in the range: the screen at `from`, alone.
        None => start(&screen, &mut output)?,
    };
    finish(w)?;
    Ok(written)
}
