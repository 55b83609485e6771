//! What a frame cannot get from tmux, followed from a pane's own output:
//! its pen (the SGR attributes new text is written with), its character
//! sets (G0/G1, and which one is shifted in), and where its parser stands
//! (an escape sequence, a string or a UTF-8 character begun and not yet
//! finished). tmux reports none of them, so a frame restores the pen and
//! charsets at its end and then begins again what the pane left open, so
//! that the rest, which comes after the frame, completes it as it did in
//! tmux. The same reading notices when the pane leaves the alternate screen.

const ESC: u8 = 0x1b;
/// CAN: ends whatever sequence or string a terminal's parser is in.
pub const CANCEL: u8 = 0x18;
const SUB: u8 = 0x1a;
const SO: u8 = 0x0e;
const SI: u8 = 0x0f;
const BEL: u8 = 0x07;

/// The pen and charsets of one pane, followed through its output in any
/// pieces (an escape sequence may be split across `%output` lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pen {
    parse: Parse,
    /// The bytes of what the output began and has not finished: a sequence
    /// from its ESC (the control bytes executed inside it left out), or in
    /// the ground state the first bytes of a character.
    open: Vec<u8>,
    /// A string longer than [`MAX_OPEN`]: only its opener is kept.
    clipped: bool,
    attrs: Attrs,
    /// Designators of G0 and G1 (`B` ASCII, `0` line drawing).
    g0: u8,
    g1: u8,
    /// G1 is shifted in (SO).
    shifted: bool,
    /// The pane left the alternate screen since [`Pen::take_left_alternate`].
    left_alternate: bool,
}

/// What SGR sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Attrs {
    /// Bold, dim, italic, underline, blink, reverse, hidden, strike,
    /// overline: the SGR codes that set them, in this order.
    flags: [bool; 9],
    /// An underline style given with a sub-parameter (`4:3` curly).
    underline_style: Option<String>,
    /// The SGR parameters of the foreground, background and underline
    /// colours, as the pane wrote them (`31`, `38;5;208`, `48:2::1:2:3`).
    fg: Option<String>,
    bg: Option<String>,
    underline_colour: Option<String>,
}

const FLAG_CODES: [u16; 9] = [1, 2, 3, 4, 5, 7, 8, 9, 53];
const UNDERLINE: usize = 3;
/// Past this many bytes a CSI is not a pen change worth reading, and a
/// string keeps only its opener: what comes after a frame then ends a
/// string no terminal acts on, where a clipped one would be acted on.
const MAX_CSI: usize = 64;
const MAX_OPEN: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    Ground,
    /// After ESC, with any intermediates (`ESC (`, `ESC #`) in `open`.
    Escape,
    Csi,
    /// OSC, DCS, SOS, PM or APC: a string that ST ends (BEL too, for OSC
    /// and APC, as tmux reads them).
    Str,
    /// ESC inside a string: `\` ends it (ST); anything else ends it and
    /// begins an escape sequence.
    StrEscape,
}

impl Default for Pen {
    fn default() -> Self {
        Pen {
            parse: Parse::Ground,
            open: Vec::new(),
            clipped: false,
            attrs: Attrs::default(),
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
            if self.parse == Parse::Ground {
                // Text changes nothing but a character left unfinished:
                // jump to the next byte that may.
                let n = memchr::memchr3(ESC, SO, SI, &bytes[i..]).unwrap_or(bytes.len() - i);
                self.text(&bytes[i..i + n]);
                i += n;
                if i == bytes.len() {
                    return;
                }
            }
            self.step(bytes[i]);
            i += 1;
        }
    }

    /// The bytes that begin again what the pane's output left unfinished:
    /// written after a frame, they make the pane's next output land as it
    /// did in tmux (empty when the output stands at a boundary).
    pub fn unfinished(&self) -> &[u8] {
        &self.open
    }

    /// Text in the ground state: keeps the start of a character it ends in.
    fn text(&mut self, run: &[u8]) {
        if run.is_empty() {
            return;
        }
        let mut tail = std::mem::take(&mut self.open);
        tail.extend_from_slice(&run[run.len().saturating_sub(4)..]);
        let start = unfinished_char(&tail);
        self.open = tail.split_off(start);
    }

    fn begin(&mut self, parse: Parse, open: &[u8]) {
        self.parse = parse;
        self.open.clear();
        self.open.extend_from_slice(open);
        self.clipped = false;
    }

    fn end(&mut self) {
        self.begin(Parse::Ground, &[]);
    }

    fn keep(&mut self, b: u8, max: usize) {
        if self.clipped {
            return;
        }
        if self.open.len() < max {
            self.open.push(b);
        } else {
            self.open.truncate(2);
            self.clipped = true;
        }
    }

    fn step(&mut self, b: u8) {
        // CAN and SUB end any sequence; ESC begins a new one (inside a
        // string it is the first byte of ST, below).
        match (self.parse, b) {
            (_, CANCEL | SUB) => return self.end(),
            (Parse::Str | Parse::StrEscape, ESC) => {
                self.parse = Parse::StrEscape;
                return self.keep(b, MAX_OPEN);
            }
            (_, ESC) => return self.begin(Parse::Escape, &[ESC]),
            _ => {}
        }
        match self.parse {
            Parse::Ground => match b {
                SO => self.shifted = true,
                SI => self.shifted = false,
                _ => {}
            },
            Parse::Escape => match b {
                0x20..=0x2f => self.keep(b, MAX_CSI),
                0x30..=0x7e => self.escape(b),
                // Other control bytes act on their own; DEL is ignored.
                _ if b < 0x20 || b == 0x7f => {}
                _ => self.end(),
            },
            Parse::Csi => match b {
                0x40..=0x7e => {
                    let params = &self.open[2..];
                    if b == b'm'
                        && params
                            .iter()
                            .all(|c| c.is_ascii_digit() || b";:".contains(c))
                    {
                        let params = String::from_utf8_lossy(params).into_owned();
                        self.sgr(&params);
                    }
                    if b == b'l' && leaves_alternate(&self.open[2..]) {
                        self.left_alternate = true;
                    }
                    self.end();
                }
                0x20..=0x3f => self.keep(b, MAX_CSI),
                _ if b < 0x20 || b == 0x7f => {}
                _ => self.end(),
            },
            Parse::Str => match b {
                BEL if matches!(self.open.get(1), Some(b']' | b'_')) => self.end(),
                // Control bytes inside a string are ignored.
                _ if b < 0x20 => {}
                _ => self.keep(b, MAX_OPEN),
            },
            Parse::StrEscape => {
                if b == b'\\' {
                    self.end();
                } else {
                    // The string ended at the ESC, which begins a sequence.
                    self.begin(Parse::Escape, &[ESC]);
                    self.step(b);
                }
            }
        }
    }

    /// The final byte of an escape sequence (`open` holds ESC and its
    /// intermediates).
    fn escape(&mut self, b: u8) {
        match (self.open.get(1), b) {
            (None, b'[') => return self.begin(Parse::Csi, b"\x1b["),
            (None, b']' | b'P' | b'X' | b'^' | b'_') => return self.begin(Parse::Str, &[ESC, b]),
            // RIS: the terminal is reset.
            (None, b'c') => *self = Pen::default(),
            (Some(b'('), _) => self.g0 = b,
            (Some(b')'), _) => self.g1 = b,
            _ => {}
        }
        self.end();
    }

    /// Whether the pane left the alternate screen since the last call: tmux
    /// then restores the normal screen as it keeps it (rewrapped to the
    /// pane's current width), which a player cannot, so a frame is due.
    pub fn take_left_alternate(&mut self) -> bool {
        std::mem::take(&mut self.left_alternate)
    }

    /// One SGR sequence's parameters: `;` separates them, `:` joins a
    /// parameter's sub-parameters (`4:3`, `38:2::1:2:3`).
    fn sgr(&mut self, params: &str) {
        let a = &mut self.attrs;
        let groups: Vec<&str> = params.split(';').collect();
        let mut i = 0;
        while i < groups.len() {
            let group = groups[i];
            i += 1;
            let mut sub = group.split(':');
            let v: u16 = sub.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            let has_sub = group.contains(':');
            match v {
                0 => *a = Attrs::default(),
                4 if has_sub => {
                    let style = sub.next().unwrap_or("0");
                    let on = style != "0";
                    a.flags[UNDERLINE] = on;
                    a.underline_style = on.then(|| group.to_string());
                }
                4 => {
                    a.flags[UNDERLINE] = true;
                    a.underline_style = None;
                }
                // Double underline, as tmux reads it.
                21 => {
                    a.flags[UNDERLINE] = true;
                    a.underline_style = Some("4:2".into());
                }
                1..=9 | 53 => {
                    let v = if v == 6 { 5 } else { v };
                    if let Some(k) = FLAG_CODES.iter().position(|&c| c == v) {
                        a.flags[k] = true;
                    }
                }
                22 => {
                    a.flags[0] = false;
                    a.flags[1] = false;
                }
                24 => {
                    a.flags[UNDERLINE] = false;
                    a.underline_style = None;
                }
                23 | 25 | 27 | 28 | 29 | 55 => {
                    let on = if v == 55 { 53 } else { v - 20 };
                    if let Some(k) = FLAG_CODES.iter().position(|&c| c == on) {
                        a.flags[k] = false;
                    }
                }
                30..=37 | 90..=97 => a.fg = Some(group.to_string()),
                39 => a.fg = None,
                40..=47 | 100..=107 => a.bg = Some(group.to_string()),
                49 => a.bg = None,
                59 => a.underline_colour = None,
                38 | 48 | 58 => {
                    let colour = if has_sub {
                        Some(group.to_string())
                    } else {
                        // `38;5;N` or `38;2;R;G;B`: the parameters that follow.
                        let len = match groups.get(i).copied() {
                            Some("5") => 2,
                            Some("2") => 4,
                            _ => 0,
                        };
                        let colour = (len > 0 && i + len <= groups.len())
                            .then(|| groups[i - 1..i + len].join(";"));
                        i += len;
                        colour
                    };
                    if colour.is_some() {
                        match v {
                            38 => a.fg = colour,
                            48 => a.bg = colour,
                            _ => a.underline_colour = colour,
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The bytes that put a terminal's pen and charsets where this pane's
    /// are: appended to a frame, after everything it drew.
    pub fn restore(&self) -> Vec<u8> {
        let a = &self.attrs;
        let mut sgr = String::from("0");
        for (k, (on, code)) in a.flags.iter().zip(FLAG_CODES).enumerate() {
            if *on && !(k == UNDERLINE && a.underline_style.is_some()) {
                sgr.push_str(&format!(";{code}"));
            }
        }
        // Parameters with sub-parameters go in sequences of their own: a
        // terminal that does not read `:` then ignores only them.
        let mut joined = Vec::new();
        let colours = [&a.fg, &a.bg, &a.underline_colour];
        for part in colours.into_iter().chain([&a.underline_style]).flatten() {
            if part.contains(':') {
                joined.push(part.as_str());
            } else {
                sgr.push(';');
                sgr.push_str(part);
            }
        }
        let mut out = format!("\x1b[{sgr}m").into_bytes();
        for part in joined {
            out.extend_from_slice(format!("\x1b[{part}m").as_bytes());
        }
        out.extend_from_slice(&[ESC, b'(', self.g0, ESC, b')', self.g1]);
        out.push(if self.shifted { SO } else { SI });
        out
    }
}

/// Where the character that `bytes` ends in begins, if it is unfinished
/// (a lead byte and fewer continuation bytes than it announces); else
/// `bytes.len()`.
fn unfinished_char(bytes: &[u8]) -> usize {
    let end = bytes.len();
    for start in (end.saturating_sub(3)..end).rev() {
        let b = bytes[start];
        if b & 0xc0 == 0x80 {
            continue;
        }
        let need = match b {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return end,
        };
        return if end - start < need { start } else { end };
    }
    end
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
    fn overline_underline_styles_and_colon_colours() {
        assert_eq!(after(&[b"\x1b[53m"]), "\x1b[0;53m\x1b(B\x1b)B\x0f");
        assert_eq!(after(&[b"\x1b[53;1m\x1b[55m"]), "\x1b[0;1m\x1b(B\x1b)B\x0f");
        // A sub-parameter is not a parameter of its own: 4:3 is a curly
        // underline, not underline and italic.
        assert_eq!(
            after(&[b"\x1b[1;4:3;58;5;1m"]),
            "\x1b[0;1;58;5;1m\x1b[4:3m\x1b(B\x1b)B\x0f"
        );
        assert_eq!(after(&[b"\x1b[4:3m\x1b[4:0m"]), "\x1b[0m\x1b(B\x1b)B\x0f");
        assert_eq!(
            after(&[b"\x1b[38:2::1:2:3m"]),
            "\x1b[0m\x1b[38:2::1:2:3m\x1b(B\x1b)B\x0f"
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
            after(&[b"\x1b[31m\x1b[2J\x1b[?25l\x1b[>4;1m\x1b]2;x\x07\x1b#8"]),
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

    fn unfinished(pieces: &[&[u8]]) -> Vec<u8> {
        let mut pen = Pen::default();
        for p in pieces {
            pen.feed(p);
        }
        pen.unfinished().to_vec()
    }

    #[test]
    fn knows_what_the_output_left_unfinished() {
        assert_eq!(unfinished(&[b"done\x1b[31mx"]), b"");
        assert_eq!(unfinished(&[b"x\x1b[3"]), b"\x1b[3");
        assert_eq!(unfinished(&[b"x\x1b", b"[", b"3"]), b"\x1b[3");
        // Control bytes inside a CSI are done already: not begun again.
        assert_eq!(unfinished(&[b"\x1b[3\n1"]), b"\x1b[31");
        assert_eq!(unfinished(&[b"\x1b]2;tit"]), b"\x1b]2;tit");
        assert_eq!(unfinished(&[b"\x1b]2;title\x07"]), b"");
        assert_eq!(unfinished(&[b"\x1b]2;title\x1b"]), b"\x1b]2;title\x1b");
        assert_eq!(unfinished(&[b"\x1b]2;title\x1b\\"]), b"");
        assert_eq!(unfinished(&[b"\x1bP1$r", b"q\x1b"]), b"\x1bP1$rq\x1b");
        assert_eq!(unfinished(&[b"\x1b("]), b"\x1b(");
        assert_eq!(unfinished(&[b"\x1b(0"]), b"");
        assert_eq!(unfinished(&[b"\x1b[3\x18"]), b"");
        // A character split across pieces.
        assert_eq!(unfinished(&[b"caf\xc3"]), b"\xc3");
        assert_eq!(unfinished(&[b"\xe6", b"\x97"]), b"\xe6\x97");
        assert_eq!(unfinished(&[b"\xe6", b"\x97", b"\xa5"]), b"");
        assert_eq!(unfinished(&[b"\xf0\x9f\x98"]), b"\xf0\x9f\x98");
        assert_eq!(unfinished(&[b"\xe6\n"]), b"");
        assert_eq!(unfinished(&[b"\xe6\x1b[1"]), b"\x1b[1");
        // A string past the limit keeps its opener only.
        let long = [b"\x1b]52;c;".as_slice(), &[b'A'; MAX_OPEN + 10]].concat();
        assert_eq!(unfinished(&[&long]), b"\x1b]");
        assert_eq!(unfinished(&[&long, b"AA\x07z"]), b"");
    }
}
