//! `tvmux cut` and `tvmux extract`: remove a stretch of time, or keep only
//! that stretch. The screen the removed output built is redrawn by a
//! keyframe (`avt` emulates the cast up to that point, from the last
//! keyframe of a fresh index before it when there is one), so what follows
//! looks exactly as it did.

use super::{
    EditError, Input, Output, Screen, Written, edited_header, finish, open_writer, writer,
};
use crate::cast::{CastWriter, Data, Event, Flow, Micros, Place};
use crate::screen::Emulation;
use crate::screen::index::Keyframe;

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

/// Writes `screen` as it is at `time` to a viewer whose terminal is
/// `size`: a resize if the screen's size differs, then the keyframe.
fn keyframe(
    written: &mut Written,
    w: &mut CastWriter<Output>,
    time: Micros,
    screen: &Screen,
    size: (u32, u32),
) -> std::io::Result<()> {
    if screen.size() != size {
        let (cols, rows) = screen.size();
        written.write(w, time, "r", &Data::Text(format!("{cols}x{rows}").into()))?;
    }
    written.write(w, time, "o", &Data::Text(screen.keyframe().into()))
}

/// At `keyframe`'s place, `screen` becomes the keyframe's screen (taken:
/// from then on the screen is played).
fn take_keyframe(
    keyframe: &mut Option<Keyframe>,
    place: &Place,
    screen: &mut Screen,
) -> std::io::Result<()> {
    if keyframe.as_ref().is_some_and(|k| k.place == *place) {
        *screen = keyframe.take().expect("there").screen()?;
    }
    Ok(())
}

/// Removes what happened from `from` up to (not including) `to`; what
/// follows moves back by the length removed, after a keyframe of the screen
/// at `to`.
pub fn cut(
    input: &Input,
    from: Micros,
    to: Micros,
    how: Emulation,
    output: Output,
) -> Result<Written, EditError> {
    check_range(from, to)?;
    let events = input.events()?;
    let header = edited_header(events.header(), None);
    let mut screen =
        Screen::new(header.cols, header.rows).map_err(|e| EditError::io(&input.path, e))?;
    // Up to a keyframe before `to`, the screen only follows the size (what
    // the viewer's terminal is at the cut); there it takes the keyframe's.
    let mut indexed = how.keyframe_before(&input.path, input.file_metadata(), to);
    let mut w = writer(output, &header)?;
    let mut written = Written::default();
    // The viewer's terminal size at the cut (once it is reached), and
    // whether the keyframe is out.
    let mut size_at_cut = None;
    let mut joined = false;
    let placed = indexed.is_some();
    let mut each = |e: Event, place: Option<&Place>| {
        if e.time >= from && size_at_cut.is_none() {
            size_at_cut = Some(screen.size());
        }
        let play = indexed.is_none() || e.code == "r";
        if e.time < from {
            if play {
                screen.apply(&e)?;
            }
            written.copy(&mut w, e.time, &e)?;
        } else if e.time < to {
            if play {
                screen.apply(&e)?;
            }
        } else {
            if !joined {
                joined = true;
                keyframe(&mut written, &mut w, from, &screen, size_at_cut.unwrap())?;
            }
            written.copy(&mut w, e.time - (to - from), &e)?;
        }
        if let Some(place) = place {
            take_keyframe(&mut indexed, place, &mut screen)?;
        }
        Ok(Flow::Continue(()))
    };
    // Places are read only where there is a keyframe to meet (a v1 cast
    // has none).
    if placed {
        events.for_each_placed(None, |e, p| each(e, Some(p)))
    } else {
        events.for_each(|e| each(e, None))
    }
    .map_err(|e| input.error(e))?;
    if let (false, Some(size)) = (joined, size_at_cut) {
        // The cast ended inside the cut: its last screen closes the output.
        keyframe(&mut written, &mut w, from, &screen, size).map_err(|e| input.error(e.into()))?;
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
    how: Emulation,
    output: Output,
) -> Result<Written, EditError> {
    check_range(from, to)?;
    let events = input.events()?;
    let header = events.header();
    // What comes before a keyframe before `from` is not read at all.
    let indexed = how.keyframe_before(&input.path, input.file_metadata(), from);
    let io = |e| EditError::io(&input.path, e);
    let mut screen = match &indexed {
        Some(k) => k.screen().map_err(io)?,
        None => Screen::new(header.cols, header.rows).map_err(io)?,
    };
    let mut written = Written::default();
    // Opened at `from`, when the screen's size there is known.
    let mut out: Option<CastWriter<Output>> = None;
    let mut output = Some(output);
    let mut start =
        |screen: &Screen, written: &mut Written| -> std::io::Result<CastWriter<Output>> {
            let mut h = edited_header(header, None);
            (h.cols, h.rows) = screen.size();
            let mut w = open_writer(output.take().expect("started once"), &h)?;
            keyframe(written, &mut w, 0, screen, screen.size())?;
            Ok(w)
        };
    let mut each = |e: Event| {
        if e.time > to {
            return Ok(Flow::Break(()));
        }
        if e.time < from {
            screen.apply(&e)?;
            return Ok(Flow::Continue(()));
        }
        let w = match &mut out {
            Some(w) => w,
            None => out.insert(start(&screen, &mut written)?),
        };
        written.copy(w, e.time - from, &e)?;
        Ok(Flow::Continue(()))
    };
    match &indexed {
        Some(k) => events.for_each_placed(Some(&k.place), |e, _| each(e)),
        None => events.for_each(each),
    }
    .map_err(|e| input.error(e))?;
    let w = match out {
        Some(w) => w,
        // Nothing happened in the range: the screen at `from`, alone.
        None => start(&screen, &mut written).map_err(|e| input.error(e.into()))?,
    };
    finish(w)?;
    Ok(written)
}
