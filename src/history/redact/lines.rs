//! What a stream showed, line by line: the text redact matches against.
//!
//! A terminal's line is edited in place. A backspace or a carriage return
//! moves the cursor back and what follows overwrites; a cursor movement
//! leaves a gap; an erase removes. So a secret typed with a correction
//! (`hunx`, backspace, `ter2`) shows as `hunter2`, and `hun`, cursor
//! forward, `ter` never shows `hunter`. Typed input is a line being edited
//! too: DEL or backspace deletes the last key, Enter ends the line.
//!
//! Each cell remembers which character of the stream wrote it (its offset
//! among the stream's text characters), so a match on the line masks
//! exactly the characters that showed it. The line is handed to a search
//! (`shown`) at every state it had: before any cell written since the last
//! search is overwritten or erased, when the line ends, and at each event's
//! end (what a player shows). A line longer than [`CAP`] cells is handed
//! over and begun again, so memory stays bounded.

/// The most cells a line holds before it is searched and begun again.
pub(super) const CAP: usize = 4096;

/// One cell of a line: a character and the stream offset of the character
/// that wrote it (`None`: a gap, shown as a space).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cell {
    pub(super) c: char,
    /// The writer's offset, `NO_SOURCE` for a gap (an `Option` would make
    /// the cell half as large again, and lines copy many).
    source: u64,
    /// Written since the line was last searched.
    fresh: bool,
}

const GAP: Cell = Cell::gap(' ');

impl Cell {
    /// A cell no character of the stream wrote, showing `c`.
    pub(super) const fn gap(c: char) -> Cell {
        Cell {
            c,
            source: NO_SOURCE,
            fresh: false,
        }
    }

    fn written(c: char, source: usize) -> Cell {
        Cell {
            c,
            source: source as u64,
            fresh: true,
        }
    }

    /// The stream offset of the character that wrote the cell.
    pub(super) fn source(&self) -> Option<usize> {
        (self.source != NO_SOURCE).then_some(self.source as usize)
    }
}

const NO_SOURCE: u64 = u64::MAX;

/// Where the parser of escape sequences stands.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Escape {
    #[default]
    Text,
    /// After ESC (and any intermediate bytes).
    Esc,
    /// In a CSI sequence (`ESC [` … final byte).
    Csi,
    /// In a string (OSC, DCS…): its text is a line of its own (a title).
    Str,
    /// After ESC inside a string (ST is `ESC \`).
    StrEsc,
}

/// A line being shown (output) or typed (input).
#[derive(Debug, Default)]
pub(super) struct Line {
    cells: Vec<Cell>,
    cursor: usize,
    /// Some cell is fresh.
    fresh: bool,
    /// Typed keys: inserted at the end, DEL deletes (output overwrites).
    typed: bool,
}

impl Line {
    /// The smallest stream offset the line still holds.
    pub(super) fn first_source(&self) -> Option<usize> {
        self.cells.iter().filter_map(Cell::source).min()
    }

    /// Hands the line to `shown` if a cell was written since it last was.
    pub(super) fn settle(&mut self, shown: &mut dyn FnMut(&[Cell])) {
        if self.fresh {
            shown(&self.cells);
            self.cells.iter_mut().for_each(|c| c.fresh = false);
            self.fresh = false;
        }
    }

    /// Searches the line as it stands and begins a new one.
    pub(super) fn end(&mut self, shown: &mut dyn FnMut(&[Cell])) {
        self.settle(shown);
        self.cells.clear();
        self.cursor = 0;
    }

    /// Writes `c` at the cursor (inlined: it runs for every character of
    /// output).
    #[inline(always)]
    fn write(&mut self, c: char, source: usize, shown: &mut dyn FnMut(&[Cell])) {
        if self.cursor >= CAP {
            self.end(shown);
        }
        let cell = Cell::written(c, source);
        if self.typed || self.cursor >= self.cells.len() {
            self.cells.resize(self.cursor, GAP);
            self.cells.push(cell);
        } else {
            self.settle_before_losing(self.cursor..self.cursor + 1, shown);
            self.cells[self.cursor] = cell;
        }
        self.cursor += 1;
        self.fresh = true;
    }

    /// Before the cells in `range` are overwritten or erased: what they
    /// show is searched, unless it already was and nothing new came since.
    fn settle_before_losing(
        &mut self,
        range: std::ops::Range<usize>,
        shown: &mut dyn FnMut(&[Cell]),
    ) {
        if self.cells[range].iter().any(|c| c.fresh) {
            self.settle(shown);
        }
    }

    /// Removes or blanks `range` of the cells, searching them first.
    fn erase(&mut self, range: std::ops::Range<usize>, shown: &mut dyn FnMut(&[Cell])) {
        let range = range.start.min(self.cells.len())..range.end.min(self.cells.len());
        self.settle_before_losing(range.clone(), shown);
        if range.end == self.cells.len() {
            self.cells.truncate(range.start);
        } else {
            self.cells[range].fill(GAP);
        }
    }

    /// A key typed: text joins the line, DEL and backspace delete the last
    /// key, Enter and Ctrl-U end the line.
    fn key(&mut self, c: char, source: usize, shown: &mut dyn FnMut(&[Cell])) {
        match c {
            '\x7f' | '\x08' => {
                let last = self.cells.len().saturating_sub(1);
                self.erase(last..last + 1, shown);
                self.cursor = self.cells.len();
            }
            '\r' | '\n' | '\x15' => self.end(shown),
            c if c.is_control() => {}
            c => self.write(c, source, shown),
        }
    }

    /// A control character in output.
    fn control(&mut self, c: char, shown: &mut dyn FnMut(&[Cell])) {
        match c {
            '\x08' => self.cursor = self.cursor.saturating_sub(1),
            '\r' => self.cursor = 0,
            '\n' | '\x0b' | '\x0c' => self.end(shown),
            '\t' => self.cursor = (self.cursor / 8 + 1) * 8,
            _ => {}
        }
    }

    /// A CSI sequence in output: `params` its parameter bytes, `last` its
    /// final byte.
    fn csi(&mut self, params: &str, last: char, shown: &mut dyn FnMut(&[Cell])) {
        if params.starts_with(['?', '>', '<', '=']) {
            // Private modes and queries: no cursor movement.
            return;
        }
        let first = params
            .split(';')
            .next()
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(0);
        let n = first.clamp(1, CAP);
        match last {
            'C' => self.cursor = (self.cursor + n).min(CAP),
            'D' => self.cursor = self.cursor.saturating_sub(n),
            'G' | '`' => self.cursor = n - 1,
            'K' => match first {
                0 => self.erase(self.cursor..usize::MAX, shown),
                1 => self.erase(0..self.cursor + 1, shown),
                _ => self.erase(0..usize::MAX, shown),
            },
            'X' => self.erase(self.cursor..self.cursor + n, shown),
            'P' if self.cursor < self.cells.len() => {
                let end = (self.cursor + n).min(self.cells.len());
                self.settle_before_losing(self.cursor..end, shown);
                self.cells.drain(self.cursor..end);
            }
            '@' if self.cursor < self.cells.len() => {
                let at = self.cursor;
                self.cells.splice(at..at, std::iter::repeat_n(GAP, n));
                self.cells.truncate(CAP);
            }
            // The cursor leaves the line (or the screen changes under it).
            'A' | 'B' | 'E' | 'F' | 'H' | 'f' | 'd' | 'J' | 'L' | 'M' | 'S' | 'T' | 'r' => {
                self.end(shown)
            }
            _ => {}
        }
    }
}

/// One stream's lines: the line on screen (or being typed) and the text of
/// a string sequence (a window title), with the escape parser between
/// events.
#[derive(Debug, Default)]
pub(super) struct StreamLines {
    pub(super) line: Line,
    pub(super) string: Line,
    escape: Escape,
    params: String,
}

impl StreamLines {
    /// The lines of typed keys (`i`) or of output (`o`).
    pub(super) fn new(typed: bool) -> Self {
        let mut shown = StreamLines::default();
        shown.line.typed = typed;
        shown
    }

    /// The escape parser's state, to walk an event's text again.
    pub(super) fn escape(&self) -> EscapeState {
        EscapeState(self.escape)
    }

    /// Takes an event's text: [`StreamLines::feed`] for each character, but
    /// runs of printable ASCII in output go straight to the line.
    pub(super) fn feed_str(
        &mut self,
        text: &str,
        offset: &mut usize,
        shown: &mut dyn FnMut(&[Cell]),
    ) {
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if self.escape == Escape::Text && !self.line.typed {
                let run = rest
                    .bytes()
                    .take_while(|b| (0x20..0x7f).contains(b))
                    .count();
                if run > 0 {
                    for (k, c) in rest[..run].chars().enumerate() {
                        self.line.write(c, *offset + k, shown);
                    }
                    *offset += run;
                    rest = &rest[run..];
                    continue;
                }
            }
            self.feed(c, offset, shown);
            rest = &rest[c.len_utf8()..];
        }
    }

    /// Takes the next character of the stream; `offset` is where the
    /// stream's text stands (advanced past `c` if `c` is text).
    fn feed(&mut self, c: char, offset: &mut usize, shown: &mut dyn FnMut(&[Cell])) {
        let before = self.escape;
        let text = step(&mut self.escape, c);
        let at = *offset;
        if text {
            *offset += c.len_utf8();
        }
        match before {
            Escape::Text if text => match (self.line.typed, c.is_control()) {
                (true, _) => self.line.key(c, at, shown),
                (false, true) => self.line.control(c, shown),
                (false, false) => self.line.write(c, at, shown),
            },
            Escape::Text => self.params.clear(),
            Escape::Esc if self.escape == Escape::Text && !self.line.typed => {
                // RIS, IND, NEL, RI, DECRC: the line is left or moved.
                if matches!(c, 'c' | 'D' | 'E' | 'M' | '8') {
                    self.line.end(shown);
                }
            }
            Escape::Csi if self.escape == Escape::Text && !self.line.typed => {
                self.line.csi(&self.params, c, shown)
            }
            Escape::Csi if self.escape == Escape::Text => {}
            // Parameters past any a line edit uses are dropped.
            Escape::Csi if self.params.len() < 32 => self.params.push(c),
            Escape::Str | Escape::StrEsc if text => self.string.write(c, at, shown),
            Escape::Str | Escape::StrEsc if self.escape == Escape::Text => self.string.end(shown),
            _ => {}
        }
    }

    /// At an event's end: what the player shows now is searched.
    pub(super) fn settle(&mut self, shown: &mut dyn FnMut(&[Cell])) {
        self.line.settle(shown);
    }

    /// The smallest stream offset a later search may still mask.
    pub(super) fn first_live(&self) -> Option<usize> {
        self.line
            .first_source()
            .into_iter()
            .chain(self.string.first_source())
            .min()
    }
}

/// The escape parser's state at some point, opaque: walks text as
/// [`StreamLines::feed`] does, telling which characters are text.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct EscapeState(Escape);

impl EscapeState {
    /// Whether `c` is text (not part of an escape sequence).
    pub(super) fn is_text(&mut self, c: char) -> bool {
        step(&mut self.0, c)
    }
}

/// Advances the escape parser over `c`: whether `c` is text (a string
/// sequence's payload is text: a title is shown).
fn step(state: &mut Escape, c: char) -> bool {
    use Escape::*;
    let (next, text) = match (*state, c) {
        (Text, '\x1b') => (Esc, false),
        (Text, _) => (Text, true),
        (Esc, '[') => (Csi, false),
        (Esc, ']' | 'P' | 'X' | '^' | '_') => (Str, false),
        // Intermediate bytes (`ESC ( B`): still in the escape.
        (Esc, ' '..='/') => (Esc, false),
        (Esc, _) => (Text, false),
        (Csi, '@'..='~') => (Text, false),
        (Csi, _) => (Csi, false),
        (Str, '\x07') => (Text, false),
        (Str, '\x1b') => (StrEsc, false),
        (Str, _) => (Str, true),
        (StrEsc, '\\') => (Text, false),
        (StrEsc, _) => (Str, false),
    };
    *state = next;
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every state a stream's lines were searched in, as text.
    fn states(typed: bool, events: &[&str]) -> Vec<String> {
        let mut shown = StreamLines::new(typed);
        let mut out = Vec::new();
        let mut offset = 0;
        let mut take = |cells: &[Cell]| out.push(cells.iter().map(|c| c.c).collect::<String>());
        for event in events {
            shown.feed_str(event, &mut offset, &mut take);
            shown.settle(&mut take);
        }
        out
    }

    #[test]
    fn escapes_are_not_text_but_string_payloads_are() {
        let mut state = Escape::Text;
        let visible: String = "a\x1b[31mb\x1b]0;title\x07c\x1b(Bd"
            .chars()
            .filter(|&c| step(&mut state, c))
            .collect();
        // A string's payload is searched whole (a secret in a window title).
        assert_eq!(visible, "ab0;titlecd");
    }

    #[test]
    fn a_line_shows_what_the_terminal_shows() {
        // A correction: the x is overwritten.
        assert_eq!(
            states(false, &["pw: hunx\x08", "ter2\r\n"]).last().unwrap(),
            "pw: hunter2"
        );
        // A gap never shows the word.
        assert_eq!(states(false, &["hun\x1b[Cter\r\n"]), ["hun ter"]);
        // Colours are not text; a title is a line of its own.
        assert_eq!(
            states(false, &["a\x1b[31mb\x1b]0;tit\x07c\r\n"]),
            ["0;tit", "abc"]
        );
        // What is overwritten in one event was shown before it was.
        assert_eq!(states(false, &["secret\rXXXXXX\n"]), ["secret", "XXXXXX"]);
        // An erase searches first.
        assert_eq!(states(false, &["abc\x1b[2K"]), ["abc"]);
    }

    #[test]
    fn typed_keys_are_edited() {
        assert_eq!(
            states(true, &["h", "u", "n", "x", "\x7f", "ter2", "\r"])
                .last()
                .unwrap(),
            "hunter2"
        );
    }

    #[test]
    fn a_line_without_end_is_bounded() {
        let long = "a".repeat(3 * CAP);
        let got = states(false, &[&long]);
        assert!(got.iter().all(|s| s.len() <= CAP), "{}", got.len());
        assert_eq!(got.iter().map(String::len).sum::<usize>(), 3 * CAP);
    }
}
