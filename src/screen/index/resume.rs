//! Where the index of a cast that grew is taken up again: both readings'
//! whole state after the last chunk, the lines each had given by then, and
//! a checksum of the cast up to there. A cast appended to (a recording
//! indexed as it goes) is played again only from there on; one whose bytes
//! before it changed is indexed from scratch.

use std::io::{self, BufRead, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::format::{self, broken};
use crate::cast::Place;
use crate::screen::Reading;
use crate::screen::parallel::State;

/// A reading's state at the place to resume from.
#[derive(Clone)]
pub(super) struct Taken<O> {
    /// The lines it had given.
    pub lines: u64,
    pub state: State<O>,
}

impl<O> Taken<O> {
    fn put(&self, out: &mut impl Write) -> io::Result<()>
    where
        O: Serialize,
    {
        format::varint(out, self.lines)?;
        format::put_screen(out, &self.state.screen)?;
        format::put_bytes(out, &serde_json::to_vec(&self.state.own)?)
    }

    fn next(from: &mut impl BufRead) -> io::Result<Taken<O>>
    where
        O: DeserializeOwned,
    {
        Ok(Taken {
            lines: format::next_varint(from)?,
            state: State {
                screen: format::next_screen(from)?,
                own: serde_json::from_slice(&format::next_bytes(from)?).map_err(|_| broken())?,
            },
        })
    }
}

/// Everything needed to index a grown cast from its last chunk on.
#[derive(Clone)]
pub(super) struct Resume {
    /// Where the chunk after the last one begins.
    pub place: Place,
    /// The CRC-32 of the cast's bytes before `place`.
    checksum: u32,
    pub everything: Taken<<crate::screen::Everything as Reading>::Own>,
    pub transcript: Taken<<crate::screen::Transcript as Reading>::Own>,
}

impl Resume {
    /// The place after the last chunk of the cast in `bytes`, and both
    /// readings there.
    pub(super) fn new(
        bytes: &[u8],
        place: Place,
        everything: Taken<<crate::screen::Everything as Reading>::Own>,
        transcript: Taken<<crate::screen::Transcript as Reading>::Own>,
    ) -> Resume {
        Resume {
            checksum: crc32fast::hash(&bytes[..place.offset.min(bytes.len())]),
            place,
            everything,
            transcript,
        }
    }

    /// Whether the cast in `bytes` begins as the one this was taken from
    /// did, up to the place.
    pub(super) fn holds_for(&self, bytes: &[u8]) -> bool {
        bytes
            .get(..self.place.offset)
            .is_some_and(|before| crc32fast::hash(before) == self.checksum)
    }

    pub(super) fn put(&self, out: &mut impl Write) -> io::Result<()> {
        format::put_place(out, &self.place)?;
        format::varint(out, u64::from(self.checksum))?;
        self.everything.put(out)?;
        self.transcript.put(out)
    }

    /// The resume `from` holds; none if it is empty.
    pub(super) fn next(from: &mut impl BufRead) -> io::Result<Option<Resume>> {
        let Some(place) = format::next_place(from)? else {
            return Ok(None);
        };
        let checksum = u32::try_from(format::next_varint(from)?).map_err(|_| broken())?;
        Ok(Some(Resume {
            place,
            checksum,
            everything: Taken::next(from)?,
            transcript: Taken::next(from)?,
        }))
    }
}
