//! `tvmux speed`: pauses capped at an idle limit, then every time divided
//! by a factor.

use super::{EditError, Input, Output, Written, edited_header, finish, writer};
use crate::cast::{Flow, Micros, micros};

/// Rewrites `input`'s times: each pause between events is first capped at
/// `idle_limit` seconds (if given), then divided by `factor`.
pub fn speed(
    input: &Input,
    factor: f64,
    idle_limit: Option<f64>,
    output: Output,
) -> Result<Written, EditError> {
    if !(factor.is_finite() && factor > 0.0) {
        return Err(EditError::Usage(format!(
            "--factor must be a positive number, not {factor}"
        )));
    }
    if idle_limit.is_some_and(|l| !(l.is_finite() && l > 0.0)) {
        return Err(EditError::Usage(
            "--idle-limit must be a positive number of seconds".into(),
        ));
    }
    let limit = idle_limit.map(micros).unwrap_or(Micros::MAX);
    let events = input.events()?;
    let mut header = edited_header(events.header(), None);
    // The player's own cap on pauses is a pause too: it scales the same.
    header.idle_time_limit = header.idle_time_limit.map(|l| l / factor);
    let mut w = writer(output, &header)?;
    let mut written = Written::default();
    // The capped time is kept exact and each event's time is scaled from
    // it, so rounding never adds up: every event is within half a
    // microsecond of its exact scaled time.
    let (mut before, mut capped): (Micros, Micros) = (0, 0);
    events
        .for_each(|e| {
            capped += (e.time - before).min(limit);
            before = e.time;
            let time = (capped as f64 / factor).round() as Micros;
            written.copy(&mut w, time, &e)?;
            Ok(Flow::Continue(()))
        })
        .map_err(|e| input.error(e))?;
    finish(w)?;
    Ok(written)
}
