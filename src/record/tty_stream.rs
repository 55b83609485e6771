//! What a tmux client writes to its terminal, kept to the picture.
//!
//! A window view records the output of a real tmux client. Around the
//! drawing, tmux also talks to the terminal itself: on attach it switches to
//! the alternate screen, sets keypad modes and asks the terminal who it is
//! (`ESC [>c`, `ESC [>q`); on exit it clears the screen and leaves the
//! alternate screen. In a cast those would make `asciinema cat` leave the
//! viewer's terminal in another mode (and answer the queries into their
//! shell), and the last screen would be blank. tmux never passes an inner
//! program's alternate screen through to a client (it draws it), so
//! `ESC [?1049l` marks the exit; it begins with a full-screen scroll region
//! (`ESC [1;ROWSr`) written in the same burst, which is held back for a
//! moment when a read ends just after one.

/// tmux's first drawing starts with a home-and-clear.
const CLEAR: &[u8] = b"\x1b[H\x1b[2J";
/// Leaving the alternate screen: tmux is detaching this client.
const EXIT: &[u8] = b"\x1b[?1049l";
/// The queries tmux sends the terminal on attach.
const QUERIES: &[&[u8]] = &[b"\x1b[>c", b"\x1b[>q"];
/// The start of a full-screen scroll region, with which the exit begins.
const REGION: &[u8] = b"\x1b[1;";
/// The exit is shorter than this; a region this close to the end of a read
/// may be its start.
const EXIT_MAX: usize = 256;

/// Filters a tmux client's terminal output down to its drawing.
#[derive(Debug, Default)]
pub struct TtyStream {
    started: bool,
    ended: bool,
    /// Bytes not yet given out: before the first drawing, or a possible
    /// start of the exit.
    held: Vec<u8>,
}

impl TtyStream {
    /// Takes what the client wrote; returns what belongs in the cast now.
    pub fn push(&mut self, data: &[u8]) -> Vec<u8> {
        if self.ended {
            return Vec::new();
        }
        self.held.extend_from_slice(data);
        if !self.started {
            match find(&self.held, CLEAR) {
                Some(at) => {
                    self.held.drain(..at);
                    self.started = true;
                }
                None => {
                    // Keep only what could be the start of the clear.
                    let keep = self.held.len().min(CLEAR.len() - 1);
                    self.held.drain(..self.held.len() - keep);
                    return Vec::new();
                }
            }
        }
        if let Some(exit) = find(&self.held, EXIT) {
            self.ended = true;
            let cut = last_region(&self.held[..exit]).unwrap_or(exit);
            self.held.truncate(cut);
            return self.take(false);
        }
        match last_region(&self.held) {
            Some(at) => {
                let rest = self.held.split_off(at);
                let out = self.take(false);
                self.held.extend(rest);
                out
            }
            None => self.take(true),
        }
    }

    /// After a quiet moment: what was held back as a possible exit was not.
    pub fn release(&mut self) -> Vec<u8> {
        if self.started && !self.ended {
            self.take(false)
        } else {
            Vec::new()
        }
    }

    /// Whether bytes wait for [`TtyStream::release`].
    pub fn holding(&self) -> bool {
        self.started && !self.ended && !self.held.is_empty()
    }

    /// The held bytes without the queries; with `keep_partial`, the start of
    /// a query the read cut in two stays held.
    fn take(&mut self, keep_partial: bool) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.held);
        for query in QUERIES {
            while let Some(at) = find(&out, query) {
                out.drain(at..at + query.len());
            }
        }
        if keep_partial {
            let partial = (1..=out.len().min(3))
                .rev()
                .find(|&n| QUERIES.iter().any(|q| q.starts_with(&out[out.len() - n..])))
                .unwrap_or(0);
            self.held = out.split_off(out.len() - partial);
        }
        out
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Where the last scroll region `ESC [1;ROWSr` in the last [`EXIT_MAX`]
/// bytes of `data` begins (the only ones that can start the exit), counting
/// one that `data` ends in the middle of.
fn last_region(data: &[u8]) -> Option<usize> {
    let base = data.len().saturating_sub(EXIT_MAX - 1);
    last_region_in(&data[base..]).map(|at| base + at)
}

fn last_region_in(data: &[u8]) -> Option<usize> {
    let mut end = data.len();
    while let Some(at) = memchr::memmem::rfind(&data[..end], REGION) {
        let rest = &data[at + REGION.len()..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        match rest.get(digits) {
            None => return Some(at),
            Some(b'r') if digits > 0 => return Some(at),
            _ => end = at,
        }
    }
    // A read may also end inside the `ESC [1;` itself.
    (1..REGION.len())
        .rev()
        .find(|&n| data.ends_with(&REGION[..n]))
        .map(|n| data.len() - n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What tmux 3.3a wrote to an xterm-256color client on attach and on
    /// exit (a window split in two).
    const ATTACH: &[u8] = b"\x1b[?1049h\x1b[22;0;0t\x1b[?1h\x1b=\x1b[H\x1b[2J\x1b[?12l\x1b[?25h\x1b[?1000l\x1b(B\x1b[m\x1b[1;1H\x1b[1;24r\x1b[>c\x1b[>q\x1b[1;42H\x1b[?25l\x08\xe2\x94\x82";
    const DETACH: &[u8] = b"\x1b[1;24r\x1b(B\x1b[m\x1b[?1l\x1b>\x1b[H\x1b[2J\x1b[?12l\x1b[?25h\x1b[?1000l\x1b[?1004l\x1b[?1049l\x1b[23;0;0t[exited]\r\n";

    fn all(stream: &mut TtyStream, chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(stream.push(chunk));
        }
        out.extend(stream.release());
        out
    }

    #[test]
    fn keeps_the_drawing_without_modes_queries_or_exit() {
        let mut s = TtyStream::default();
        let out = all(&mut s, &[ATTACH, b"hello", DETACH, b"more"]);
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("\x1b[H\x1b[2J"), "{text:?}");
        assert!(text.ends_with("\u{2502}hello"), "{text:?}");
        assert!(!text.contains("\x1b[>"), "{text:?}");
        assert!(!text.contains("1049"), "{text:?}");
        assert!(s.ended);
    }

    #[test]
    fn any_split_of_the_stream_gives_the_same_bytes() {
        let whole: Vec<u8> = [ATTACH, b"a\x1b[1;24rb", b"text", DETACH].concat();
        let expected = all(&mut TtyStream::default(), &[&whole]);
        for cut in 0..whole.len() {
            for second in (cut..whole.len()).step_by(7) {
                let got = all(
                    &mut TtyStream::default(),
                    &[&whole[..cut], &whole[cut..second], &whole[second..]],
                );
                assert_eq!(got, expected, "split at {cut} and {second}");
            }
        }
    }

    #[test]
    fn a_region_near_the_end_waits_for_a_quiet_moment() {
        let mut s = TtyStream::default();
        s.push(ATTACH);
        s.release();
        assert_eq!(s.push(b"x\x1b[1;24r\x1b[5;1H"), b"x");
        assert!(s.holding());
        assert_eq!(s.release(), b"\x1b[1;24r\x1b[5;1H");
        assert!(!s.holding());
    }
}
