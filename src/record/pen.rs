//! What a frame cannot get from tmux: a pane's pen (the SGR attributes new
//! text is written with) and its character sets (G0/G1, and which one is
//! shifted in). tmux reports neither, so they are followed from the pane's
//! own output and restored at the end of each frame; otherwise text typed
//! after a switch would replay in the wrong colour or charset. The same
//! reading notices when the pane leaves the alternate screen.

/// The pen and charsets of one pane, followed through its output in any
/// pieces (an escape sequence may be split across `%output` lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pen {
    parse: Parse,
    /// Bold, dim, italic, underline, blink, reverse, hidden, strike: the SGR
    /// codes that set them, in this order.
    flags: [bool; 8],
    /// The SGR parameters of the foreground and background colours, if set
    /// (`[31]`, `[38, 5, 208]`, `[48, 2, 1, 2, 3]`).
    fg: Option<Vec<u16>>,
    bg: Option<Vec<u16>>,
    /// Designators of G0 and G1 (`B` ASCII, `0` line drawing).
    g0: u8,
    g1: u8,
    /// G1 is shifted in (SO).
    shifted: bool,
    /// The pane left the alternate screen since [`Pen::take_left_alternate`].
    left_alternate: bool,
}

const FLAG_CODES: [u16; 8] = [1, 2, 3, 4, 5, 7, 8, 9];
/// A CSI longer than this is not a pen change worth keeping.
const MAX_CSI: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Parse {
    Ground,
    Escape,
    Csi(Vec<u8>),
    /// `ESC (` or `ESC )`: the next byte designates G0 or G1.
    Designate(u8),
}

impl Default for Pen {
    fn default() -> Self {
        Pen {
            parse: Parse::Ground,
            flags: [false; 8],
            fg: None,
            bg: None,
            g0: b'B',
            g1: b'B',
            shifted: false,
            left_alternate: false,
        }
    }
}

impl Pen {
    /// Follows a piece of the pane's output.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            // Plain text changes nothing: jump to the next byte that may.
            if self.parse == Parse::Ground {
                match memchr::memchr3(0x1b, 0x0e, 0x0f, &bytes[i..]) {
                    Some(n) => i += n,
                    None => return,
                }
            }
            self.step(bytes[i]);
            i += 1;
        }
    }

    fn step(&mut self, b: u8) {
        self.parse = match std::mem::replace(&mut self.parse, Parse::Ground) {
            Parse::Ground => match b {
                0x1b => Parse::Escape,
                0x0e => {
                    self.shifted = true;
                    Parse::Ground
                }
                0x0f => {
                    self.shifted = false;
                    Parse::Ground
                }
                _ => Parse::Ground,
            },
            Parse::Escape => match b {
                b'[' => Parse::Csi(Vec::new()),
                b'(' | b')' => Parse::Designate(b),
                b'c' => {
                    // RIS: the terminal is reset.
                    *self = Pen::default();
                    Parse::Ground
                }
                0x1b => Parse::Escape,
                _ => Parse::Ground,
            },
            Parse::Designate(which) => {
                if which == b'(' {
                    self.g0 = b;
                } else {
                    self.g1 = b;
                }
                Parse::Ground
            }
            Parse::Csi(mut params) => match b {
                0x40..=0x7e => {
                    if b == b'm'
                        && params
                            .iter()
                            .all(|c| c.is_ascii_digit() || b";:".contains(c))
                    {
                        self.sgr(&params);
                    }
                    if b == b'l' && leaves_alternate(&params) {
                        self.left_alternate = true;
                    }
                    Parse::Ground
                }
                0x1b => Parse::Escape,
                0x20..=0x3f if params.len() < MAX_CSI => {
                    params.push(b);
                    Parse::Csi(params)
                }
                // Control bytes inside a CSI act on their own; it goes on.
                0x00..=0x1f => Parse::Csi(params),
                _ => Parse::Ground,
            },
        };
    }

    /// Whether the pane left the alternate screen since the last call: tmux
    /// then restores the normal screen as it keeps it (rewrapped to the
    /// pane's current width), which a player cannot, so a frame is due.
    pub fn take_left_alternate(&mut self) -> bool {
        std::mem::take(&mut self.left_alternate)
    }

    fn sgr(&mut self, params: &[u8]) {
        let values: Vec<u16> = params
            .split(|&c| c == b';' || c == b':')
            .map(|p| {
                std::str::from_utf8(p)
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0)
            })
            .collect();
        let mut i = 0;
        while i < values.len() {
            let v = values[i];
            i += 1;
            match v {
                0 => {
                    self.flags = [false; 8];
                    self.fg = None;
                    self.bg = None;
                }
                1..=9 => {
                    let v = if v == 6 { 5 } else { v };
                    if let Some(k) = FLAG_CODES.iter().position(|&c| c == v) {
                        self.flags[k] = true;
                    }
                }
                21 => self.flags[3] = true,
                22 => {
                    self.flags[0] = false;
                    self.flags[1] = false;
                }
                23 => self.flags[2] = false,
                24 => self.flags[3] = false,
                25 => self.flags[4] = false,
                27 => self.flags[5] = false,
                28 => self.flags[6] = false,
                29 => self.flags[7] = false,
                30..=37 | 90..=97 => self.fg = Some(vec![v]),
                39 => self.fg = None,
                40..=47 | 100..=107 => self.bg = Some(vec![v]),
                49 => self.bg = None,
                38 | 48 => {
                    let len = match values.get(i) {
                        Some(5) => 2,
                        Some(2) => 4,
                        _ => 0,
                    };
                    if len > 0 && i + len <= values.len() {
                        let colour = [&[v], &values[i..i + len]].concat();
                        if v == 38 {
                            self.fg = Some(colour);
                        } else {
                            self.bg = Some(colour);
                        }
                    }
                    i += len;
                }
                _ => {}
            }
        }
    }

    /// The bytes that put a terminal's pen and charsets where this pane's
    /// are: appended to a frame, after everything it drew.
    pub fn restore(&self) -> Vec<u8> {
        let mut sgr = String::from("0");
        for (on, code) in self.flags.iter().zip(FLAG_CODES) {
            if *on {
                sgr.push_str(&format!(";{code}"));
            }
        }
        for colour in [&self.fg, &self.bg].into_iter().flatten() {
            for v in colour {
                sgr.push_str(&format!(";{v}"));
            }
        }
        let mut out = format!("\x1b[{sgr}m").into_bytes();
        out.extend_from_slice(&[0x1b, b'(', self.g0, 0x1b, b')', self.g1]);
        out.push(if self.shifted { 0x0e } else { 0x0f });
        out
    }
}

/// `CSI ? 1049 l` (or 47, 1047), possibly among other modes.
fn leaves_alternate(params: &[u8]) -> bool {
    params.strip_prefix(b"?").is_some_and(|p| {
        p.split(|&c| c == b';')
            .any(|m| matches!(m, b"1049" | b"47" | b"1047"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(pieces: &[&[u8]]) -> String {
        let mut pen = Pen::default();
        for p in pieces {
            pen.feed(p);
        }
        String::from_utf8(pen.restore()).unwrap()
    }

    #[test]
    fn follows_colours_and_attributes() {
        assert_eq!(after(&[b"plain"]), "\x1b[0m\x1b(B\x1b)B\x0f");
        assert_eq!(after(&[b"\x1b[31m"]), "\x1b[0;31m\x1b(B\x1b)B\x0f");
        assert_eq!(
            after(&[b"\x1b[1;4;38;5;208;48;2;1;2;3mx\x1b[24m"]),
            "\x1b[0;1;38;5;208;48;2;1;2;3m\x1b(B\x1b)B\x0f"
        );
        assert_eq!(after(&[b"\x1b[7m\x1b[m"]), "\x1b[0m\x1b(B\x1b)B\x0f");
        assert_eq!(
            after(&[b"\x1b[31;42m\x1b[39m"]),
            "\x1b[0;42m\x1b(B\x1b)B\x0f"
        );
    }

    #[test]
    fn sequences_split_across_pieces() {
        assert_eq!(
            after(&[b"a\x1b", b"[3", b"2m"]),
            "\x1b[0;32m\x1b(B\x1b)B\x0f"
        );
    }

    #[test]
    fn other_sequences_leave_the_pen_alone() {
        assert_eq!(
            after(&[b"\x1b[31m\x1b[2J\x1b[?25l\x1b[>4;1m"]),
            "\x1b[0;31m\x1b(B\x1b)B\x0f"
        );
    }

    #[test]
    fn notices_leaving_the_alternate_screen() {
        let mut pen = Pen::default();
        pen.feed(b"\x1b[?1049h text \x1b[?25l");
        assert!(!pen.take_left_alternate());
        pen.feed(b"\x1b[?10");
        pen.feed(b"49l$ ");
        assert!(pen.take_left_alternate());
        assert!(!pen.take_left_alternate());
        pen.feed(b"\x1b[?1;47l");
        assert!(pen.take_left_alternate());
    }

    #[test]
    fn follows_charsets() {
        assert_eq!(after(&[b"\x1b(0lqk"]), "\x1b[0m\x1b(0\x1b)B\x0f");
        assert_eq!(after(&[b"\x1b)0\x0e"]), "\x1b[0m\x1b(B\x1b)0\x0e");
        assert_eq!(after(&[b"\x1b)0\x0e\x0f\x1bc"]), "\x1b[0m\x1b(B\x1b)B\x0f");
    }
}
