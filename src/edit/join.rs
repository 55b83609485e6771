//! `tvmux cat`: casts one after the other in one cast. Times are rebased so
//! each starts where the one before ended (plus a gap); an `r` event
//! announces a different terminal size, and a reset clears what the
//! previous cast left on screen, so each part looks as it did alone.

use super::{EditError, Input, Output, Written, edited_header, finish, writer};
use crate::cast::{Data, Flow, Micros};

/// Joins `inputs` (any versions) into `output`, in the first one's version
/// (v1: v2), `gap` apart.
pub fn join(inputs: &[Input], gap: Micros, output: Output) -> Result<Written, EditError> {
    if inputs.is_empty() {
        return Err(EditError::Usage("nothing to join".into()));
    }
    // Every input is checked before anything is written.
    let all: Vec<_> = inputs.iter().map(Input::events).collect::<Result<_, _>>()?;
    let header = edited_header(all[0].header(), None);
    let mut size = (header.cols, header.rows);
    let mut w = writer(output, &header)?;
    let mut written = Written::default();
    let mut offset: Micros = 0;
    for (n, (input, events)) in inputs.iter().zip(&all).enumerate() {
        if n > 0 {
            offset = written.duration + gap;
            let h = events.header();
            let mut join = || {
                if (h.cols, h.rows) != size {
                    size = (h.cols, h.rows);
                    let data = format!("{}x{}", size.0, size.1);
                    written.write(&mut w, offset, "r", &Data::Text(data.into()))?;
                }
                let reset = Data::Text(crate::screen::RESET.into());
                written.write(&mut w, offset, "o", &reset)
            };
            join().map_err(|e| input.error(e.into()))?;
        }
        events
            .for_each(|e| {
                if e.code == "r"
                    && let Some(s) = crate::cast::Size::parse(&e.data.text())
                {
                    size = (s.cols, s.rows);
                }
                written.copy(&mut w, offset + e.time, &e)?;
                Ok(Flow::Continue(()))
            })
            .map_err(|e| input.error(e))?;
    }
    finish(w)?;
    Ok(written)
}
