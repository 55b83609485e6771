//! A copy of a followed pane's screen, fed the pane's output (through avt):
//! what a frame cannot get from tmux's capture, and a redraw that needs no
//! capture at all.
//!
//! - Cells erased with a background colour (`ESC[44m ESC[K`, `ESC[2K`,
//!   `ESC[X`): tmux draws them in that colour, but its capture stops at a
//!   row's last written cell, so a frame alone would leave the rest of the
//!   row in the default colour, and no tmux query reports them. A frame
//!   paints them from the copy. The copy begins blank (what tmux drew before
//!   the recording is unknown) and begins again from each frame drawn for
//!   its pane, so it can be wrong about rows drawn before: a row is painted
//!   only where the copy shows the captured row's text.
//! - The keyframe that begins a recording's next part: the copy is what the
//!   part's output drew since its last frame, so the next part begins on
//!   exactly the screen the last one ended on, with no round trip to tmux
//!   (whose replies may pass output it read later) while the pane prints.

use super::pen::Pen;
use crate::cast::Utf8Decoder;
use crate::screen::Screen;

/// What is followed of an output stream (a pane's, or what a window view's
/// client draws) that tmux does not report: its pen, charsets and parser,
/// and a copy of its screen.
#[derive(Default)]
pub struct Followed {
    pub pen: Pen,
    pub copy: Option<PaneCopy>,
    /// What the stream left unfinished, held back from the copy until it
    /// is finished: the copy's parser is then always at rest, and its
    /// keyframe begins the sequence again as the pen does (avt would dump
    /// its own parser's state as a C1 control, which not every terminal
    /// reads).
    held: Vec<u8>,
}

impl Followed {
    /// A stream of a terminal of `cols` x `rows`, followed from blank.
    pub fn new(cols: u32, rows: u32) -> Followed {
        Followed {
            pen: Pen::default(),
            copy: PaneCopy::new(cols, rows),
            held: Vec::new(),
        }
    }

    /// The stream's next bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.pen.feed(data);
        let Some(copy) = &mut self.copy else {
            return;
        };
        // Not in the copy yet: what was held, then `data`. What the stream
        // leaves open is held back, when it ends the stream as the pen has
        // it (a sequence with controls acted on inside it, or a string cut
        // short, differs: it goes to the copy whole).
        let held = std::mem::take(&mut self.held);
        let open = self.pen.unfinished();
        let (open_in_held, open_in_data) = open.split_at(open.len().saturating_sub(data.len()));
        let ends_open = !open.is_empty()
            && open.len() <= held.len() + data.len()
            && data.ends_with(open_in_data)
            && held.ends_with(open_in_held);
        let keep = if ends_open { open.len() } else { 0 };
        let ready = held.len() + data.len() - keep;
        let from_held = ready.min(held.len());
        copy.feed(&held[..from_held]);
        copy.feed(&data[..ready - from_held]);
        if keep > 0 {
            self.held = open.to_vec();
        }
    }

    /// The copy begins again from `frame` (a frame drawn for the stream's
    /// pane, its pen restored, not yet what the pane left unfinished).
    pub fn begin_from(&mut self, cols: u32, rows: u32, frame: &[u8]) {
        self.copy = PaneCopy::from_frame(cols, rows, frame);
        self.held = self.pen.unfinished().to_vec();
    }

    /// What begins a recording's next part: the copy's keyframe, then what
    /// the stream left unfinished (its next bytes complete it, as after a
    /// switch's frame). None without a copy.
    pub fn keyframe(&self) -> Option<((u32, u32), Vec<u8>)> {
        let copy = self.copy.as_ref()?;
        let mut keyframe = copy.keyframe().into_bytes();
        keyframe.extend_from_slice(self.pen.unfinished());
        Some((copy.size(), keyframe))
    }
}

/// A copy of one pane's screen.
pub struct PaneCopy {
    screen: Screen,
    decoder: Utf8Decoder,
    /// The text of the last bytes fed (kept: the copy is fed all the time).
    text: String,
}

/// Which of the pane's screens a capture is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The screen the pane shows.
    Visible,
    /// The normal screen, kept while the alternate screen is on.
    Saved,
}

impl PaneCopy {
    /// A blank copy of a pane of `cols` x `rows` (none: too large to copy).
    pub fn new(cols: u32, rows: u32) -> Option<PaneCopy> {
        Some(PaneCopy {
            screen: Screen::new(cols, rows).ok()?,
            decoder: Utf8Decoder::new(),
            text: String::new(),
        })
    }

    /// A copy that begins from `drawn`, output that redraws the whole pane
    /// (a frame).
    pub fn from_frame(cols: u32, rows: u32, drawn: &[u8]) -> Option<PaneCopy> {
        let mut copy = PaneCopy::new(cols, rows)?;
        copy.feed(drawn);
        Some(copy)
    }

    /// The pane's size.
    pub fn size(&self) -> (u32, u32) {
        self.screen.size()
    }

    /// The pane changed size (its rows then differ from tmux's rewrapping
    /// until the next frame; the text check keeps them unpainted).
    /// A size too large to copy keeps the old one: its rows then match
    /// none captured.
    pub fn resize(&mut self, cols: u32, rows: u32) {
        let _ = self.screen.resize(cols, rows);
    }

    /// The pane's output, in any pieces.
    pub fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.text.clear();
        self.decoder.decode(bytes, &mut self.text);
        self.screen.output(&self.text);
    }

    /// Output that redraws the copy on a blank terminal of its size, or on
    /// one that shows it already (where the part before it ends, when
    /// parts are joined): text, colours, cursor, modes, both screens.
    pub fn keyframe(&self) -> String {
        self.screen.keyframe_in_place()
    }

    /// Output that paints, after `captured` (the rows of `capture-pane -p
    /// -e` of the `which` screen) is drawn, the erased cells past each
    /// row's last captured cell that have a colour: for each run, the
    /// colour and an erase of that many cells. Rows whose text the copy
    /// does not show are left alone.
    pub fn paint(&self, captured: &[Vec<u8>], which: Which) -> Vec<u8> {
        let vt = self.screen.terminal();
        let alternate = vt.active_screen_kind() == avt::ScreenKind::Alternate;
        let screen = match which {
            Which::Visible => vt.screen(),
            Which::Saved if alternate => vt.primary_screen(),
            Which::Saved => return Vec::new(),
        };
        let mut out = Vec::new();
        for (y, row) in captured.iter().enumerate() {
            let Some(line) = screen.line(y) else { break };
            let Some(start) = tail_start(line, &captured_text(row)) else {
                continue;
            };
            let cells = line.cells();
            let mut x = start;
            while x < cells.len() {
                let colour = cells[x].pen().background();
                let run = cells[x..]
                    .iter()
                    .take_while(|c| c.pen().background() == colour)
                    .count();
                if let Some(colour) = colour {
                    out.extend_from_slice(
                        format!(
                            "\x1b[{};{}H\x1b[0;{}m\x1b[{run}X",
                            y + 1,
                            x + 1,
                            crate::screen::sgr_colour(colour, true)
                        )
                        .as_bytes(),
                    );
                }
                x += run;
            }
        }
        if !out.is_empty() {
            out.extend_from_slice(b"\x1b[0m");
        }
        out
    }
}

/// The characters of a captured row, escape sequences left out; a
/// character shifted out (SO: the DEC graphics set) is `None`, as the copy
/// shows it as the line-drawing character it stands for.
fn captured_text(row: &[u8]) -> Vec<Option<char>> {
    let text = String::from_utf8_lossy(row);
    let mut chars = text.chars().peekable();
    let mut shifted = false;
    let mut out = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\x0e' => shifted = true,
            '\x0f' => shifted = false,
            '\x1b' => match chars.next() {
                // CSI: parameters and intermediates, then a final byte.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC (a hyperlink): up to ST or BEL.
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            c if c.is_control() => {}
            c => out.push((!shifted).then_some(c)),
        }
    }
    out
}

/// Where the copy's row stands past the captured text, when it shows that
/// text (blanks after it alone): the column after its last captured cell.
fn tail_start(line: &avt::Line, captured: &[Option<char>]) -> Option<usize> {
    let mut chars = captured.iter();
    let mut col = 0;
    let mut matched = 0;
    for (x, cell) in line.cells().iter().enumerate() {
        if cell.width() == 0 {
            continue;
        }
        match chars.next() {
            Some(want) => {
                if want.is_some_and(|c| c != cell.char()) {
                    return None;
                }
                matched += 1;
                col = x + cell.width() as usize;
            }
            None if cell.char() != ' ' => return None,
            None => {}
        }
    }
    // More captured than the copy's row holds: not the same row.
    (matched == captured.len()).then_some(col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(cols: u32, rows: u32, output: &str) -> PaneCopy {
        let mut e = PaneCopy::new(cols, rows).unwrap();
        // In pieces, a character split between two.
        let bytes = output.as_bytes();
        for piece in bytes.chunks(3) {
            e.feed(piece);
        }
        e
    }

    fn rows(rows: &[&str]) -> Vec<Vec<u8>> {
        rows.iter().map(|r| r.as_bytes().to_vec()).collect()
    }

    #[test]
    fn paints_the_erased_cells_past_each_captured_row() {
        let e = copy(
            10,
            4,
            "\x1b[44mBLUE\x1b[K\x1b[0m\r\n\x1b[42m\x1b[2K\x1b[0mé\r\n\x1b[45mM\x1b[0m\x1b[5C\x1b[48;5;200m\x1b[3X\x1b[0m\r\nplain",
        );
        let captured = rows(&["\x1b[44mBLUE", "\x1b[49mé", "\x1b[45mM", "\x1b[49mplain"]);
        let paint = String::from_utf8(e.paint(&captured, Which::Visible)).unwrap();
        assert_eq!(
            paint,
            "\x1b[1;5H\x1b[0;44m\x1b[6X\x1b[2;2H\x1b[0;42m\x1b[9X\x1b[3;7H\x1b[0;48;5;200m\x1b[3X\x1b[0m"
        );
        // Nothing for the saved screen when the alternate one is off.
        assert!(e.paint(&captured, Which::Saved).is_empty());
    }

    #[test]
    fn rows_the_copy_does_not_show_are_left_alone() {
        let e = copy(10, 3, "\x1b[44mab\x1b[K\x1b[0m\r\n\x1b[44mcd\x1b[K\x1b[0m");
        // The first row differs (the copy began late); the second matches,
        // and a captured trailing blank is not painted over.
        let captured = rows(&["$ ab", "\x1b[44mcd "]);
        let paint = String::from_utf8(e.paint(&captured, Which::Visible)).unwrap();
        assert_eq!(paint, "\x1b[2;4H\x1b[0;44m\x1b[7X\x1b[0m");
        // Captured longer than the copy's row: not the same.
        assert!(e.paint(&rows(&["abcdefghijk"]), Which::Visible).is_empty());
    }

    #[test]
    fn line_drawing_and_wide_characters_match_as_shown() {
        let e = copy(
            8,
            2,
            "\x1b(0\x1b[41mqq\x1b(B\x1b[K\x1b[0m\r\n\x1b[41m漢\x1b[K\x1b[0m",
        );
        let captured = rows(&["\x1b[41m\x0eqq\x0f", "\x1b[41m漢"]);
        let paint = String::from_utf8(e.paint(&captured, Which::Visible)).unwrap();
        assert_eq!(
            paint,
            "\x1b[1;3H\x1b[0;41m\x1b[6X\x1b[2;3H\x1b[0;41m\x1b[6X\x1b[0m"
        );
    }

    #[test]
    fn the_saved_screen_is_painted_from_the_normal_screen() {
        let e = copy(
            6,
            2,
            "\x1b[44mN\x1b[K\x1b[0m\x1b[?1049h\x1b[H\x1b[43mA\x1b[K",
        );
        let saved = String::from_utf8(e.paint(&rows(&["\x1b[44mN"]), Which::Saved)).unwrap();
        assert_eq!(saved, "\x1b[1;2H\x1b[0;44m\x1b[5X\x1b[0m");
        let shown = String::from_utf8(e.paint(&rows(&["\x1b[43mA"]), Which::Visible)).unwrap();
        assert_eq!(shown, "\x1b[1;2H\x1b[0;43m\x1b[5X\x1b[0m");
    }

    #[test]
    fn a_keyframe_begins_what_the_stream_left_open_once() {
        let mut f = Followed::new(20, 3);
        f.feed(b"line-1 \x1b[31mab\x1b[39m\r\nline-2 \x1b[");
        f.feed(b"3");
        let (size, keyframe) = f.keyframe().unwrap();
        assert_eq!(size, (20, 3));
        let text = String::from_utf8(keyframe.clone()).unwrap();
        assert!(text.ends_with("\x1b[3"), "{text:?}");
        assert!(!text.contains('\u{9b}'), "{text:?}");
        // The keyframe, then the rest of the stream, is the stream.
        let mut whole = keyframe;
        whole.extend_from_slice(b"2mgreen");
        let mut vt = vt100::Parser::new(3.try_into().unwrap(), 20.try_into().unwrap(), 0);
        vt.process(&whole);
        let rows: Vec<String> = vt
            .screen()
            .rows(0, 20)
            .map(|r| r.trim_end().to_string())
            .collect();
        assert_eq!(rows, ["line-1 ab", "line-2 green", ""]);
        assert_eq!(
            vt.screen().cell(1, 7).unwrap().fgcolor(),
            vt100::Color::Idx(2)
        );
        // Finished, the sequence reaches the copy.
        f.feed(b"2mgreen");
        let (_, keyframe) = f.keyframe().unwrap();
        assert!(String::from_utf8(keyframe).unwrap().contains("green"));
    }

    #[test]
    fn a_frame_with_the_paint_replays_the_colours() {
        let e = copy(10, 1, "\x1b[44mab\x1b[K\x1b[0m");
        let captured = rows(&["\x1b[44mab"]);
        let mut replay = b"\x1b[1;1H\x1b[44mab\x1b[0m".to_vec();
        replay.extend(e.paint(&captured, Which::Visible));
        let nz = |n| std::num::NonZeroU16::new(n).unwrap();
        let mut vt = vt100::Parser::new(nz(1), nz(10), 0);
        vt.process(&replay);
        for x in 0..10 {
            assert_eq!(
                vt.screen().cell(0, x).unwrap().bgcolor(),
                vt100::Color::Idx(4),
                "column {x}"
            );
        }
    }
}
