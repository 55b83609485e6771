//! A frame decompressed on a thread of its own, a piece ahead of its
//! reader: zstd is a third of a search from an index, so on two cores the
//! search and the decompression overlap.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{Receiver, sync_channel};

/// How much is decompressed at a time, and how many pieces may wait.
const PIECE: usize = 1 << 20;
const WAITING: usize = 2;

/// Reads what a thread reads from its source, a piece at a time.
pub(super) struct ReadAhead {
    pieces: Receiver<io::Result<Vec<u8>>>,
    piece: Vec<u8>,
    at: usize,
    done: bool,
}

impl ReadAhead {
    /// Reads `source` on a new thread. The thread ends at the source's end
    /// or its first error, or when the reader is dropped.
    pub(super) fn new(mut source: impl Read + Send + 'static) -> ReadAhead {
        let (send, pieces) = sync_channel(WAITING);
        std::thread::spawn(move || {
            loop {
                let mut piece = Vec::with_capacity(PIECE);
                let read = (&mut source).take(PIECE as u64).read_to_end(&mut piece);
                let last = !matches!(read, Ok(n) if n > 0);
                let sent = match read {
                    Ok(0) => break,
                    Ok(_) => send.send(Ok(piece)),
                    Err(e) => send.send(Err(e)),
                };
                if sent.is_err() || last {
                    break;
                }
            }
        });
        ReadAhead {
            pieces,
            piece: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at == self.piece.len() && !self.done {
            match self.pieces.recv() {
                Ok(piece) => (self.piece, self.at) = (piece?, 0),
                // The thread ended: the source is read to its end.
                Err(_) => self.done = true,
            }
        }
        Ok(&self.piece[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.piece.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_what_the_source_holds_across_pieces() {
        let data: Vec<u8> = (0..3 * PIECE + 17).map(|i| (i % 251) as u8).collect();
        let mut read = Vec::new();
        ReadAhead::new(io::Cursor::new(data.clone()))
            .read_to_end(&mut read)
            .unwrap();
        assert_eq!(read, data);
    }

    #[test]
    fn passes_an_error_on() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("bad"))
            }
        }
        let mut read = Vec::new();
        let err = ReadAhead::new(Failing).read_to_end(&mut read).unwrap_err();
        assert_eq!(err.to_string(), "bad");
    }
}
