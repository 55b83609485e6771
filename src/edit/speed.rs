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
    let header = edited_header(events.header(), None);
    let mut w = writer(output, &header)?;
    let mut written = Written::default();
    let (mut before, mut time): (Micros, Micros) = (0, 0);
    events
        .for_each(|e| {
            let gap = (e.time - before).min(limit);
            before = e.time;
            time += (gap as f64 / factor).round() as Micros;
            written.copy(&mut w, time, &e)?;
            Ok(Flow::Continue(()))
        })
        .map_err(|e| input.error(e))?;
    finish(w)?;
    Ok(written)
}
