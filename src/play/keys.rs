//! The keys `tvmux play` reads, from a terminal in raw mode.

/// A key the player acts on (anything else is [`Key::Other`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Space: pause or resume.
    Pause,
    /// `.`: one event forward (paused).
    StepForward,
    /// `,`: one event back (paused).
    StepBack,
    /// ← / →: 5 s; shifted: 30 s. Seconds, signed.
    Jump(i64),
    /// `[`: the previous marker.
    PreviousMarker,
    /// `]`: the next marker.
    NextMarker,
    /// `0`–`9`: to 0–90 % of the cast.
    Percent(u8),
    /// `+`: speed ×2.
    Faster,
    /// `-`: speed ÷2.
    Slower,
    /// `/`: type a pattern to search for.
    Search,
    /// `n`: the next match.
    NextMatch,
    /// `N`: the previous match.
    PreviousMatch,
    /// `?`: the keys.
    Help,
    /// `q`.
    Quit,
    /// Ctrl-C: quits (and cancels a search).
    Interrupt,
    /// Enter (ends a search pattern).
    Enter,
    /// Escape alone (cancels a search pattern).
    Escape,
    /// Backspace.
    Backspace,
    /// A printable character (for a search pattern).
    Char(char),
    /// Anything else.
    Other,
}

/// Reads the keys in `bytes` (what one read of the terminal gave).
pub fn parse(bytes: &[u8]) -> Vec<Key> {
    scan(bytes, |c| match c {
        ' ' => Key::Pause,
        '.' => Key::StepForward,
        ',' => Key::StepBack,
        '[' => Key::PreviousMarker,
        ']' => Key::NextMarker,
        '0'..='9' => Key::Percent(c as u8 - b'0'),
        '+' | '=' => Key::Faster,
        '-' | '_' => Key::Slower,
        '/' => Key::Search,
        'n' => Key::NextMatch,
        'N' => Key::PreviousMatch,
        '?' => Key::Help,
        'q' => Key::Quit,
        c => typed(c),
    })
}

/// Reads `bytes` as text being typed (a search pattern): every printable
/// character is itself.
pub fn parse_typed(bytes: &[u8]) -> Vec<Key> {
    scan(bytes, typed)
}

/// A character as typed text: itself, or the editing key it is.
fn typed(c: char) -> Key {
    match c {
        '\x03' => Key::Interrupt,
        '\r' | '\n' => Key::Enter,
        '\x7f' | '\x08' => Key::Backspace,
        c if !c.is_control() => Key::Char(c),
        _ => Key::Other,
    }
}

/// The keys in `bytes`: escape sequences (arrows, a lone Escape) read
/// here, every other character by `key`.
fn scan(bytes: &[u8], key: impl Fn(char) -> Key) -> Vec<Key> {
    let mut keys = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            keys.push(key(c));
            continue;
        }
        if !matches!(chars.peek(), Some('[' | 'O')) {
            keys.push(Key::Escape);
            continue;
        }
        chars.next();
        // Parameters, then the final byte.
        let mut params = String::new();
        let mut last = None;
        for c in chars.by_ref() {
            if c.is_ascii_digit() || c == ';' {
                params.push(c);
            } else {
                last = Some(c);
                break;
            }
        }
        let step = if params.ends_with(";2") { 30 } else { 5 };
        keys.push(match last {
            Some('C') => Key::Jump(step),
            Some('D') => Key::Jump(-step),
            _ => Key::Other,
        });
    }
    keys
}

/// The keys, as `?` shows them.
pub const HELP: &[(&str, &str)] = &[
    ("space", "pause / resume"),
    (". ,", "one event forward / back (paused)"),
    ("← →", "5 s back / forward (shift: 30 s)"),
    ("[ ]", "previous / next marker"),
    ("0-9", "jump to 0-90 %"),
    ("+ -", "speed x2 / ÷2"),
    ("/ n N", "search; next / previous match"),
    ("q", "quit"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_as_terminals_send_them() {
        assert_eq!(
            parse(b" .,[]5+-/nN?q\x03"),
            [
                Key::Pause,
                Key::StepForward,
                Key::StepBack,
                Key::PreviousMarker,
                Key::NextMarker,
                Key::Percent(5),
                Key::Faster,
                Key::Slower,
                Key::Search,
                Key::NextMatch,
                Key::PreviousMatch,
                Key::Help,
                Key::Quit,
                Key::Interrupt
            ]
        );
        assert_eq!(
            parse(b"\x1b[C\x1b[D\x1b[1;2C\x1b[1;2D\x1bOC"),
            [
                Key::Jump(5),
                Key::Jump(-5),
                Key::Jump(30),
                Key::Jump(-30),
                Key::Jump(5)
            ]
        );
        assert_eq!(parse(b"\x1b"), [Key::Escape]);
        assert_eq!(
            parse("é\r\x7f".as_bytes()),
            [Key::Char('é'), Key::Enter, Key::Backspace]
        );
    }
}
