//! The frame written when recording starts or follows a switch to another
//! pane: terminal output that redraws the pane as the user sees it.

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
fn draw_rows(out: &mut Vec<u8>, rows: &[Vec<u8>], height: u32) {
    for (y, row) in rows.iter().take(height as usize).enumerate() {
        out.extend_from_slice(format!("\x1b[{};1H", y + 1).as_bytes());
        out.extend_from_slice(row);
    }
    out.extend_from_slice(b"\x1b[0m");
}

/// The bytes that redraw a pane: `screen` is the visible screen
/// (`capture-pane -p -e`), `saved` the normal screen kept while the
/// alternate screen is on (`capture-pane -p -e -a`).
pub fn frame(state: &PaneState, screen: &[Vec<u8>], saved: Option<&[Vec<u8>]>) -> Vec<u8> {
    let mut out = Vec::new();
    // Reset what earlier output may have left: attributes, alternate screen,
    // scroll region, origin mode; then clear.
    out.extend_from_slice(b"\x1b[0m\x1b[?1049l\x1b[r\x1b[?6l\x1b[H\x1b[2J");
    // `capture-pane -e` writes line-drawing cells between SO and SI, as tmux
    // draws them: G0 ASCII, G1 the DEC graphics set. (The pane's own
    // charsets are restored after the frame, from its output.)
    out.extend_from_slice(b"\x1b(B\x1b)0\x0f");
    if state.alternate {
        if let Some(saved) = saved {
            draw_rows(&mut out, saved, state.rows);
        }
        // Entering the alternate screen saves the cursor; leaving it later
        // must put the cursor where tmux will.
        out.extend_from_slice(
            format!("\x1b[{};{}H", state.saved_y + 1, state.saved_x + 1).as_bytes(),
        );
        out.extend_from_slice(b"\x1b[?1049h\x1b[H\x1b[2J");
    }
    draw_rows(&mut out, screen, state.rows);
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
    mode(&mut out, "4", state.insert);
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
    out.extend_from_slice(format!("\x1b[{};{}H", y + 1, state.cursor_x + 1).as_bytes());
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
        let f = frame(&s, &[b"\x1b[31mab".to_vec(), b"cd".to_vec()], None);
        let text = String::from_utf8(f).unwrap();
        assert!(
            text.contains(
                "\x1b[1;1H\x1b[31mab\x1b[2;1Hcd\x1b[0m\x1b[3g\x1b[1;4H\x1bH\x1b[1;9H\x1bH"
            ),
            "{text:?}"
        );
        assert!(text.ends_with("\x1b[2;3H\x1b[?25h"), "{text:?}");
        assert!(!text.contains("\x1b[?1049h"));
    }

    #[test]
    fn alternate_screen_draws_the_saved_screen_first() {
        let s = PaneState::parse("10 2 0 0 0 1 0 1 0 0 1 0 0 0 4 1 8 ").unwrap();
        let text =
            String::from_utf8(frame(&s, &[b"ALT".to_vec()], Some(&[b"NORMAL".to_vec()]))).unwrap();
        let normal = text.find("NORMAL").unwrap();
        let enter = text.find("\x1b[2;5H\x1b[?1049h").unwrap();
        let alt = text.find("ALT").unwrap();
        assert!(normal < enter && enter < alt, "{text:?}");
        assert!(text.ends_with("\x1b[?25l"));
    }
}
