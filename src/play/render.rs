//! What `tvmux play` writes to draw a cast's screen at the top-left of the
//! terminal, cell by cell, and the status line.

use avt::Pen;

use crate::screen::sgr_colour;

/// Output that draws `vt`'s screen in the top-left `cols` x `rows` of the
/// terminal (a larger screen is cut to it), then places the cursor.
pub fn screen(vt: &avt::Terminal, cols: usize, rows: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(cols * rows * 2);
    for (y, line) in vt.screen().visible_lines().take(rows).enumerate() {
        out.extend_from_slice(format!("\x1b[{};1H\x1b[0m", y + 1).as_bytes());
        let mut pen = Pen::default();
        let mut x = 0;
        for cell in line.cells() {
            if cell.width() == 0 {
                continue;
            }
            if x + cell.width() as usize > cols {
                break;
            }
            if *cell.pen() != pen {
                pen = *cell.pen();
                out.extend_from_slice(sgr(&pen).as_bytes());
            }
            let mut buf = [0; 4];
            out.extend_from_slice(cell.char().encode_utf8(&mut buf).as_bytes());
            x += cell.width() as usize;
        }
        out.extend_from_slice(b"\x1b[0m");
        if x < cols {
            out.extend_from_slice(b"\x1b[K");
        }
    }
    let cursor = vt.cursor();
    if cursor.visible && cursor.col < cols && cursor.row < rows {
        out.extend_from_slice(
            format!("\x1b[{};{}H\x1b[?25h", cursor.row + 1, cursor.col + 1).as_bytes(),
        );
    } else {
        out.extend_from_slice(b"\x1b[?25l");
    }
    out
}

/// The SGR sequence that sets `pen` from nothing.
fn sgr(pen: &Pen) -> String {
    let mut codes = vec!["0".to_string()];
    if pen.is_bold() {
        codes.push("1".into());
    }
    if pen.is_faint() {
        codes.push("2".into());
    }
    for (on, code) in [
        (pen.is_italic(), "3"),
        (pen.is_underline(), "4"),
        (pen.is_blink(), "5"),
        (pen.is_inverse(), "7"),
        (pen.is_strikethrough(), "9"),
    ] {
        if on {
            codes.push(code.into());
        }
    }
    if let Some(c) = pen.foreground() {
        codes.push(sgr_colour(c, false));
    }
    if let Some(c) = pen.background() {
        codes.push(sgr_colour(c, true));
    }
    format!("\x1b[{}m", codes.join(";"))
}

/// Output that writes `text` on row `row` (1-based), reversed, cut to
/// `cols` and the rest of the row cleared.
pub fn status(text: &str, row: u32, cols: u32) -> Vec<u8> {
    let shown: String = text.chars().take(cols as usize).collect();
    format!("\x1b[{row};1H\x1b[0;7m{shown}\x1b[0m\x1b[K").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(bytes: &[u8], cols: usize, rows: usize) -> avt::Terminal {
        let mut vt = avt::Terminal::new(cols, rows).unwrap();
        vt.feed(String::from_utf8_lossy(bytes).as_ref());
        vt
    }

    #[test]
    fn draws_the_screen_as_it_is() {
        let mut vt = avt::Terminal::new(12, 3).unwrap();
        vt.feed("\x1b[1;31mred\x1b[0m 漢字 \x1b[44;38;5;200mx\x1b[0m\r\n\x1b[7mrev\x1b[0m\r\nlast");
        let drawn = replay(&screen(&vt, 12, 3), 12, 3);
        for y in 0..3 {
            let (a, b) = (
                vt.screen().line(y).unwrap(),
                drawn.screen().line(y).unwrap(),
            );
            assert_eq!(a.text(), b.text(), "row {y}");
            for (x, (ca, cb)) in a.cells().iter().zip(b.cells()).enumerate() {
                assert_eq!(ca.pen(), cb.pen(), "({y},{x})");
            }
        }
        assert_eq!(drawn.cursor().col, 4);
        assert_eq!(drawn.cursor().row, 2);
    }

    #[test]
    fn a_larger_screen_is_cut_to_the_terminal() {
        let mut vt = avt::Terminal::new(10, 3).unwrap();
        vt.feed("0123456789\r\nabcdefghij\r\nxyz");
        let drawn = replay(&screen(&vt, 4, 2), 6, 3);
        let rows: Vec<String> = (0..3)
            .map(|y| drawn.screen().line(y).unwrap().text())
            .collect();
        assert_eq!(rows, ["0123  ", "abcd  ", "      "]);
    }
}
