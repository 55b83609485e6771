//! The frame written when recording starts or follows a switch to another
//! pane: terminal output that redraws the pane as the user sees it.

use super::copy::{PaneCopy, Which};
use super::pen;

/// The tmux formats asked for with `display -p`, in this order, space-separated
/// (the title last, since it may contain spaces).
pub const PANE_FORMATS: &str = "#{pane_width} #{pane_height} #{cursor_x} #{cursor_y} #{cursor_flag} \
#{alternate_on} #{scroll_region_upper} #{scroll_region_lower} #{keypad_flag} #{insert_flag} \
#{wrap_flag} #{origin_flag} #{mouse_any_flag} #{mouse_sgr_flag} #{alternate_saved_x} #{alternate_saved_y} \
#{pane_tabs} #{pane_title}";

/// A pane's size, cursor and modes, from `display -p PANE_FORMATS`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaneState {
    pub cols: u32,
    pub rows: u32,
    pub cursor_x: u32,
    pub cursor_y: u32,
    pub cursor_visible: bool,
    pub alternate: bool,
    pub scroll_upper: u32,
    pub scroll_lower: u32,
    pub keypad: bool,
    pub insert: bool,
    pub wrap: bool,
    pub origin: bool,
    pub mouse: bool,
    pub mouse_sgr: bool,
    /// Where the cursor returns when the alternate screen is left.
    pub saved_x: u32,
    pub saved_y: u32,
    /// The tab stops, as columns from 0 (tmux's `pane_tabs`; none: empty).
    pub tabs: Vec<u32>,
    pub title: String,
}

impl PaneState {
    pub fn parse(line: &str) -> Option<PaneState> {
        let mut parts = line.splitn(18, ' ');
        let mut n = || -> Option<u32> { parts.next()?.parse().ok() };
        let (cols, rows, cursor_x, cursor_y) = (n()?, n()?, n()?, n()?);
        let flags: Vec<u32> = (0..12).map(|_| n()).collect::<Option<_>>()?;
        let tabs = parts.next()?;
        let tabs: Vec<u32> = tabs
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().ok())
            .collect::<Option<_>>()?;
        let title = parts.next().unwrap_or_default().to_string();
        Some(PaneState {
            cols,
            rows,
            cursor_x,
            cursor_y,
            cursor_visible: flags[0] == 1,
            alternate: flags[1] == 1,
            scroll_upper: flags[2],
            scroll_lower: flags[3],
            keypad: flags[4] == 1,
            insert: flags[5] == 1,
            wrap: flags[6] == 1,
            origin: flags[7] == 1,
            mouse: flags[8] == 1,
            mouse_sgr: flags[9] == 1,
            saved_x: flags[10],
            saved_y: flags[11],
            tabs,
            title,
        })
    }
}

fn mode(out: &mut Vec<u8>, set: &str, on: bool) {
    out.extend_from_slice(format!("\x1b[{set}{}", if on { 'h' } else { 'l' }).as_bytes());
}

/// Rows of `capture-pane -p -e`, drawn row by row. Attributes carry from one
/// captured row to the next, so rows are positioned, not reset, between.
/// Then the erased cells past them that have a colour, which the capture
/// leaves out, from the pane's copy.
fn draw_rows(out: &mut Vec<u8>, rows: &[Vec<u8>], height: u32, copy: Option<(&PaneCopy, Which)>) {
    let rows = &rows[..rows.len().min(height as usize)];
    for (y, row) in rows.iter().enumerate() {
        out.extend_from_slice(format!("\x1b[{};1H", y + 1).as_bytes());
        push_row(out, row);
    }
    out.extend_from_slice(b"\x1b[0m");
    if let Some((copy, which)) = copy {
        out.extend_from_slice(&copy.paint(rows, which));
    }
}

/// A captured row, with what tmux 3.3a's capture writes wrong put right:
/// overline comes as the parameter `5:3`, which no terminal reads as
/// overline (SGR 53).
fn push_row(out: &mut Vec<u8>, row: &[u8]) {
    let mut rest = row;
    while let Some(at) = memchr::memmem::find(rest, b"\x1b[") {
        let params = &rest[at + 2..];
        let Some(len) = params
            .iter()
            .position(|b| !(b.is_ascii_digit() || b";:".contains(b)))
        else {
            break;
        };
        out.extend_from_slice(&rest[..at + 2]);
        if params[len] == b'm' {
            let fixed: Vec<&[u8]> = params[..len]
                .split(|&b| b == b';')
                .map(|p| if p == b"5:3" { b"53".as_slice() } else { p })
                .collect();
            out.extend_from_slice(&fixed.join(&b';'));
        } else {
            out.extend_from_slice(&params[..len]);
        }
        rest = &params[len..];
    }
    out.extend_from_slice(rest);
}

/// What the rows above row `y` leave set for it (the capture carries
/// attributes and the shift state from row to row): their SGR sequences
/// from the last reset on, and their last SO or SI.
fn carried_into(rows: &[Vec<u8>]) -> Vec<u8> {
    let mut sgr = Vec::new();
    let mut shift = None;
    for row in rows {
        let mut i = 0;
        while i < row.len() {
            match row[i] {
                0x0e | 0x0f => shift = Some(row[i]),
                0x1b if row.get(i + 1) == Some(&b'[') => {
                    let len = row[i + 2..]
                        .iter()
                        .position(|b| !(b.is_ascii_digit() || b";:".contains(b)));
                    if let Some(len) = len.filter(|&l| row[i + 2 + l] == b'm') {
                        let seq = &row[i..i + 3 + len];
                        if matches!(seq, b"\x1b[0m" | b"\x1b[m") {
                            sgr.clear();
                        }
                        sgr.extend_from_slice(seq);
                        i += 2 + len;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    sgr.extend(shift);
    sgr
}

/// The bytes that redraw a pane: `screen` is the visible screen
/// (`capture-pane -p -e`), `saved` the normal screen kept while the
/// alternate screen is on (`capture-pane -p -e -a`), `copy` the pane's
/// copy (of its size), for the colours of erased cells.
pub fn frame(
    state: &PaneState,
    screen: &[Vec<u8>],
    saved: Option<&[Vec<u8>]>,
    copy: Option<&PaneCopy>,
) -> Vec<u8> {
    let copy = copy.filter(|c| c.size() == (state.cols, state.rows));
    let mut out = Vec::new();
    // End whatever sequence or string the output before the frame left
    // open (another pane's, cut off by the switch); then reset what it may
    // have left: attributes, alternate screen, scroll region, origin mode;
    // then clear.
    out.push(pen::CANCEL);
    out.extend_from_slice(b"\x1b[0m\x1b[?1049l\x1b[r\x1b[?6l\x1b[H\x1b[2J");
    // `capture-pane -e` writes line-drawing cells between SO and SI, as tmux
    // draws them: G0 ASCII, G1 the DEC graphics set. (The pane's own
    // charsets are restored after the frame, from its output.)
    out.extend_from_slice(b"\x1b(B\x1b)0\x0f");
    if state.alternate {
        if let Some(saved) = saved {
            draw_rows(&mut out, saved, state.rows, copy.map(|c| (c, Which::Saved)));
        }
        // Entering the alternate screen saves the cursor; leaving it later
        // must put the cursor where tmux will.
        out.extend_from_slice(
            format!("\x1b[{};{}H", state.saved_y + 1, state.saved_x + 1).as_bytes(),
        );
        out.extend_from_slice(b"\x1b[?1049h\x1b[H\x1b[2J");
    }
    draw_rows(
        &mut out,
        screen,
        state.rows,
        copy.map(|c| (c, Which::Visible)),
    );
    // The pane's tab stops, whatever the replay had (another pane's, or the
    // defaults a player's resize brings back): clear all, then set each.
    out.extend_from_slice(b"\x1b[3g");
    for tab in state.tabs.iter().filter(|&&t| t < state.cols) {
        out.extend_from_slice(format!("\x1b[1;{}H\x1bH", tab + 1).as_bytes());
    }
    if state.scroll_upper != 0 || state.scroll_lower + 1 != state.rows {
        out.extend_from_slice(
            format!(
                "\x1b[{};{}r",
                state.scroll_upper + 1,
                state.scroll_lower + 1
            )
            .as_bytes(),
        );
    }
    mode(&mut out, "?7", state.wrap);
    mode(&mut out, "?1000", state.mouse);
    mode(&mut out, "?1006", state.mouse_sgr);
    out.extend_from_slice(if state.keypad { b"\x1b=" } else { b"\x1b>" });
    if !state.title.is_empty() {
        out.extend_from_slice(b"\x1b]2;");
        out.extend(state.title.bytes().filter(|b| *b >= 0x20 && *b != 0x7f));
        out.push(0x07);
    }
    let y = if state.origin {
        mode(&mut out, "?6", true);
        state.cursor_y.saturating_sub(state.scroll_upper)
    } else {
        state.cursor_y
    };
    if state.wrap && state.cursor_x >= state.cols && (state.cursor_y as usize) < screen.len() {
        // Past the last column: the next character wraps first (tmux says
        // so with a cursor one past the edge). A terminal gets there only
        // by writing that last cell, so the row is written again, ending
        // there; nothing after it moves the cursor.
        let row = state.cursor_y as usize;
        out.extend_from_slice(format!("\x1b[{};1H", y + 1).as_bytes());
        out.extend_from_slice(&carried_into(&screen[..row]));
        push_row(&mut out, &screen[row]);
    } else {
        out.extend_from_slice(format!("\x1b[{};{}H", y + 1, state.cursor_x + 1).as_bytes());
    }
    // After the rows are written: in insert mode they would push cells.
    mode(&mut out, "4", state.insert);
    mode(&mut out, "?25", state.cursor_visible);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_display_output() {
        let s =
            PaneState::parse("80 24 3 5 1 0 0 23 0 0 1 0 0 0 0 0 4,8,72 my title here").unwrap();
        assert_eq!((s.cols, s.rows, s.cursor_x, s.cursor_y), (80, 24, 3, 5));
        assert!(s.cursor_visible && s.wrap && !s.alternate);
        assert_eq!(s.tabs, [4, 8, 72]);
        assert_eq!(s.title, "my title here");
        let s = PaneState::parse("80 24 3 5 1 0 0 23 0 0 1 0 0 0 0 0  a  b").unwrap();
        assert!(s.tabs.is_empty());
        assert_eq!(s.title, "a  b");
        assert!(PaneState::parse("80 24").is_none());
    }

    #[test]
    fn frame_draws_rows_then_places_the_cursor() {
        let s = PaneState::parse("10 3 2 1 1 0 0 2 0 0 1 0 0 0 0 0 3,8 ").unwrap();
        let f = frame(&s, &[b"\x1b[31mab".to_vec(), b"cd".to_vec()], None, None);
        let text = String::from_utf8(f).unwrap();
        assert!(
            text.contains(
                "\x1b[1;1H\x1b[31mab\x1b[2;1Hcd\x1b[0m\x1b[3g\x1b[1;4H\x1bH\x1b[1;9H\x1bH"
            ),
            "{text:?}"
        );
        assert!(text.ends_with("\x1b[2;3H\x1b[4l\x1b[?25h"), "{text:?}");
        assert!(!text.contains("\x1b[?1049h"));
    }

    #[test]
    fn alternate_screen_draws_the_saved_screen_first() {
        let s = PaneState::parse("10 2 0 0 0 1 0 1 0 0 1 0 0 0 4 1 8 ").unwrap();
        let text = String::from_utf8(frame(
            &s,
            &[b"ALT".to_vec()],
            Some(&[b"NORMAL".to_vec()]),
            None,
        ))
        .unwrap();
        let normal = text.find("NORMAL").unwrap();
        let enter = text.find("\x1b[2;5H\x1b[?1049h").unwrap();
        let alt = text.find("ALT").unwrap();
        assert!(normal < enter && enter < alt, "{text:?}");
        assert!(text.ends_with("\x1b[?25l"));
    }

    /// The frame, then `after`, in avt and in vt100: each row's text.
    fn replayed(frame: &[u8], cols: u16, rows: u16, after: &str) -> (Vec<String>, Vec<String>) {
        let text = String::from_utf8([frame, after.as_bytes()].concat()).unwrap();
        let mut vt = avt::Terminal::new(cols as usize, rows as usize).unwrap();
        vt.feed(&text);
        let avt_rows = (0..rows as usize)
            .map(|y| vt.screen().line(y).unwrap().text().trim_end().to_string())
            .collect();
        let nz = |n| std::num::NonZeroU16::new(n).unwrap();
        let mut parser = vt100::Parser::new(nz(rows), nz(cols), 0);
        parser.process(text.as_bytes());
        let vt100_rows = parser
            .screen()
            .rows(0, cols)
            .map(|r| r.trim_end().to_string())
            .collect();
        (avt_rows, vt100_rows)
    }

    #[test]
    fn a_cursor_past_the_edge_wraps_the_next_character() {
        // "EDGE" fills a 4-column row: tmux's cursor is at column 4, one past.
        let s = PaneState::parse("4 3 4 0 1 0 0 2 0 0 1 0 0 0 0 0  ").unwrap();
        let rows = [b"\x1b[1mED\x1b[0mGE".to_vec(), b"".to_vec(), b"".to_vec()];
        let f = frame(&s, &rows, None, None);
        let (a, v) = replayed(&f, 4, 3, "NEXT");
        assert_eq!(a, ["EDGE", "NEXT", ""]);
        assert_eq!(v, a);
        // Not past the edge: the cursor is placed, nothing is written again.
        let s = PaneState::parse("4 3 3 0 1 0 0 2 0 0 1 0 0 0 0 0  ").unwrap();
        let (a, _) = replayed(&frame(&s, &rows, None, None), 4, 3, "X");
        assert_eq!(a, ["EDGX", "", ""]);
    }

    #[test]
    fn a_row_written_again_starts_with_what_the_rows_above_left() {
        let rows = [
            b"\x1b[0m\x1b[31mred\x1b[1m".to_vec(),
            b"\x0eq\x1b[4mx".to_vec(),
            b"tail".to_vec(),
        ];
        assert_eq!(carried_into(&rows[..0]), b"");
        assert_eq!(carried_into(&rows[..1]), b"\x1b[0m\x1b[31m\x1b[1m");
        assert_eq!(
            carried_into(&rows[..2]),
            b"\x1b[0m\x1b[31m\x1b[1m\x1b[4m\x0e"
        );
    }

    #[test]
    fn overline_is_written_as_terminals_read_it() {
        let mut out = Vec::new();
        push_row(
            &mut out,
            b"\x1b[1;3;9;4:3;5:3mA\x1b[5:3mB\x1b[5mC\x1b[2;5Hx\x1b[",
        );
        assert_eq!(out, b"\x1b[1;3;9;4:3;53mA\x1b[53mB\x1b[5mC\x1b[2;5Hx\x1b[");
    }

    #[test]
    fn a_frame_ends_what_the_output_before_it_left_open() {
        let s = PaneState::parse("10 2 0 1 1 0 0 1 0 0 1 0 0 0 0 0  ").unwrap();
        let f = frame(&s, &[b"top".to_vec(), b"".to_vec()], None, None);
        for open in ["\x1b[3", "\x1b]2;title", "\x1bP1$r", "\x1b("] {
            let mut before = open.as_bytes().to_vec();
            before.extend_from_slice(&f);
            let (a, v) = replayed(&before, 10, 2, "ok");
            assert_eq!(a, ["top", "ok"], "after {open:?}");
            assert_eq!(v, a, "after {open:?}");
        }
    }
}
