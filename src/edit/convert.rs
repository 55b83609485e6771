//! `tvmux convert`: to v2 or v3 with every time kept to the microsecond and
//! every event's data kept byte for byte (an `x` exit status stays in v2 as
//! an event code the players skip); or to plain text (what the screen
//! showed, line by line as it scrolled, through `avt`); or to the raw output
//! stream, byte for byte what asciinema 3.2's `convert -f raw` writes.

use std::io::Write;

use super::{EditError, Input, Output, Written, edited_header, finish, writer};
use crate::cast::{Flow, Version};
use crate::screen::Transcript;

/// What to convert to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// asciicast v2.
    V2,
    /// asciicast v3.
    V3,
    /// The text a viewer saw: lines as they scrolled off, then the last
    /// screen.
    Txt(crate::screen::Emulation),
    /// The terminal output, byte for byte.
    Raw,
}

/// Converts `input` into `output`.
pub fn convert(input: &Input, to: Target, output: Output) -> Result<Written, EditError> {
    match to {
        Target::V2 | Target::V3 => {
            let events = input.events()?;
            let version = if to == Target::V2 {
                Version::V2
            } else {
                Version::V3
            };
            let header = edited_header(events.header(), Some(version));
            let mut w = writer(output, &header)?;
            let mut written = Written {
                lost_fields: super::lost_in(events.header(), &header),
                ..Written::default()
            };
            events
                .for_each(|e| {
                    written.copy(&mut w, e.time, &e)?;
                    Ok(Flow::Continue(()))
                })
                .map_err(|e| input.error(e))?;
            finish(w)?;
            Ok(written)
        }
        Target::Raw => {
            let mut out = output;
            let mut written = Written::default();
            let events = input.events()?;
            // As asciinema 3.2 begins it: the terminal resized to the cast's
            // size (XTWINOPS 8), so the output replays at the size it was
            // written for.
            let header = events.header();
            write!(out, "\x1b[8;{};{}t", header.rows, header.cols)
                .map_err(|e| input.error(e.into()))?;
            events
                .for_each(|e| {
                    if e.code == "o" {
                        for piece in e.data.pieces() {
                            out.write_all(piece.as_bytes())?;
                        }
                        written.events += 1;
                        written.duration = e.time;
                    }
                    Ok(Flow::Continue(()))
                })
                .map_err(|e| input.error(e))?;
            out.commit()?;
            Ok(written)
        }
        Target::Txt(how) => {
            let mut out = output;
            let mut written = Written {
                text: true,
                ..Written::default()
            };
            let write = |line: crate::screen::TimedLine| {
                writeln!(out, "{}", line.text)?;
                written.events += 1;
                written.duration = written.duration.max(line.time);
                Ok(Flow::Continue(()))
            };
            if let Some(index) = how.index_of(&input.path, input.file_metadata()) {
                index
                    .transcript(write)
                    .map_err(|e| EditError::io(&input.path, e))?;
            } else {
                let events = input.events()?;
                crate::screen::read::<Transcript>(
                    &events,
                    how.threads,
                    crate::screen::CHUNK,
                    write,
                )
                .map_err(|e| input.error(e))?;
            }
            out.commit()?;
            Ok(written)
        }
    }
}
