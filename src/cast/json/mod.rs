//! A single-pass checker for one event line, `[number, "string", "string"]`.
//!
//! This is the hot loop of `validate --full`, so it does not build a JSON tree:
//! it walks the bytes once, validating the full JSON string grammar (escapes,
//! `\u` surrogate pairs, no raw control bytes) and UTF-8, and returns where the
//! three values are. It accepts exactly what `serde_json` accepts when asked for
//! an `(f64, String, String)` — a property test holds it to that.
//!
//! The full check's fast path ([`parse_event_at`]) reads a line in the form
//! writers use a word at a time, and a long string 64 bytes at a time
//! ([`blocks`]); whatever it cannot settle goes to the walker, which a
//! differential test holds it to.

use std::borrow::Cow;
use std::ops::Range;

mod blocks;

/// Why a line is not a well-formed event array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxError {
    ExpectedArray,
    ExpectedNumber,
    InvalidNumber,
    NumberOutOfRange,
    ExpectedString,
    ExpectedComma,
    ExpectedEndOfArray,
    ControlCharacter,
    InvalidEscape,
    LoneSurrogate,
    InvalidUtf8,
    UnexpectedEnd,
    TrailingCharacters,
}

impl SyntaxError {
    pub fn message(self) -> &'static str {
        match self {
            Self::ExpectedArray => "expected an event array `[time, code, data]`",
            Self::ExpectedNumber => "expected a number for the event time",
            Self::InvalidNumber => "invalid JSON number",
            Self::NumberOutOfRange => "number out of range",
            Self::ExpectedString => "expected a string",
            Self::ExpectedComma => "expected `,` between event fields",
            Self::ExpectedEndOfArray => "expected `]`: an event has exactly 3 fields",
            Self::ControlCharacter => "raw control character in a string (must be escaped)",
            Self::InvalidEscape => "invalid escape sequence",
            Self::LoneSurrogate => "unpaired UTF-16 surrogate in a \\u escape",
            Self::InvalidUtf8 => "invalid UTF-8",
            Self::UnexpectedEnd => "line ends before the event is complete",
            Self::TrailingCharacters => "unexpected characters after the event",
        }
    }
}

/// A syntax error and the byte offset within the line where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineError {
    pub at: usize,
    pub error: SyntaxError,
}

/// The content of a JSON string as it appears between its quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonStr<'a> {
    pub raw: &'a [u8],
    pub escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// The decoded text. Borrowed (free) unless the string has escapes.
    pub fn text(&self) -> Cow<'a, str> {
        if !self.escaped {
            // The checker validated UTF-8 before handing this out.
            return Cow::Borrowed(std::str::from_utf8(self.raw).unwrap_or_default());
        }
        Cow::Owned(unescape(self.raw))
    }
}

impl<'a> JsonStr<'a> {
    /// The decoded text in pieces of about [`PIECE`] bytes (cut at character
    /// and escape boundaries), so a huge string is never decoded whole.
    pub fn pieces(self) -> impl Iterator<Item = Cow<'a, str>> {
        self.pieces_of(PIECE)
    }

    /// The decoded text if it is at most one piece long, else `None`.
    pub fn short_text(self) -> Option<Cow<'a, str>> {
        let mut pieces = self.pieces();
        let first = pieces.next().unwrap_or_default();
        pieces.next().is_none().then_some(first)
    }

    /// The text for a message: Rust-quoted, cut after 60 characters.
    pub fn quoted(self) -> String {
        const SHOWN: usize = 60;
        let mut head = String::new();
        for piece in self.pieces_of(4 * SHOWN) {
            head.push_str(&piece);
            if head.chars().count() > SHOWN {
                let cut: String = head.chars().take(SHOWN).collect();
                return format!("{cut:?}… ({} bytes in all)", self.raw.len());
            }
        }
        format!("{head:?}")
    }

    fn pieces_of(self, limit: usize) -> impl Iterator<Item = Cow<'a, str>> {
        let mut at = 0;
        std::iter::from_fn(move || {
            if at >= self.raw.len() {
                return None;
            }
            let (piece, next) = if self.escaped {
                let (text, next) = unescape_piece(self.raw, at, limit);
                (Cow::Owned(text), next)
            } else {
                let end = piece_end(self.raw, at, (at + limit).min(self.raw.len()));
                let text = std::str::from_utf8(&self.raw[at..end]).unwrap_or_default();
                (Cow::Borrowed(text), end)
            };
            at = next;
            Some(piece)
        })
    }
}

/// How much of a string [`JsonStr::pieces`] decodes at a time.
pub const PIECE: usize = 64 << 10;

/// Where a piece of `raw` that begins at `from` (a character boundary) and
/// would end at `stop` ends: the last character boundary at or before
/// `stop`, or the end of the character that straddles it.
fn piece_end(raw: &[u8], from: usize, stop: usize) -> usize {
    let is_start = |i: usize| i >= raw.len() || raw[i] & 0xC0 != 0x80;
    match (from + 1..=stop).rev().take(4).find(|&i| is_start(i)) {
        Some(end) => end,
        None => (stop..)
            .find(|&i| is_start(i))
            .expect("the end is a boundary"),
    }
}

/// Decodes the body of a JSON string the checker has accepted (valid UTF-8,
/// well-formed escapes, `\u` surrogates in pairs); by hand, since decoding is
/// on the hot path of every tool that reads terminal text.
fn unescape(raw: &[u8]) -> String {
    unescape_piece(raw, 0, usize::MAX).0
}

/// [`unescape`] of `raw[from..]`, stopping at the first character or
/// escape boundary at or past `from + limit`: the text, and where the rest
/// begins.
fn unescape_piece(raw: &[u8], from: usize, limit: usize) -> (String, usize) {
    let stop = from.saturating_add(limit).min(raw.len());
    let mut out: Vec<u8> = Vec::with_capacity(stop - from);
    let mut i = from;
    while i < stop {
        let Some(at) = memchr::memchr(b'\\', &raw[i..stop]) else {
            let end = piece_end(raw, i, stop);
            out.extend_from_slice(&raw[i..end]);
            i = end;
            break;
        };
        out.extend_from_slice(&raw[i..i + at]);
        i += at + 1;
        let Some(&kind) = raw.get(i) else { break };
        i += 1;
        let byte = match kind {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'u' => {
                // Four hex digits (terminal output is full of `\u001b`).
                let hex = |at: usize| {
                    raw.get(at..at + 4)?
                        .iter()
                        .try_fold(0, |n, &d| Some(n << 4 | char::from(d).to_digit(16)?))
                };
                let Some(mut code) = hex(i) else {
                    i = raw.len();
                    break;
                };
                i += 4;
                if (0xD800..0xDC00).contains(&code)
                    && raw.get(i..i + 2) == Some(b"\\u")
                    && let Some(low) = hex(i + 2).filter(|l| (0xDC00..0xE000).contains(l))
                {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                }
                let c = char::from_u32(code).unwrap_or('\u{FFFD}');
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
            other => other,
        };
        out.push(byte);
    }
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text, i)
}

/// One event line's three values, borrowed from the line.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent<'a> {
    /// The time (v2) or interval (v3) as a number.
    pub time: f64,
    /// Where the time's number token is in the line (repair rewrites just this).
    pub time_span: Range<usize>,
    /// The event code, as written.
    pub code: JsonStr<'a>,
    /// The event data, as written.
    pub data: JsonStr<'a>,
    /// A carriage return used as whitespace not right before the line's end:
    /// JSON allows it, but asciinema 2.4 reads files in universal-newline
    /// mode and splits the line there.
    pub lone_cr: bool,
}

/// Checks one line (without its `\n`) against the event grammar.
pub fn parse_event(line: &[u8]) -> Result<RawEvent<'_>, LineError> {
    parse_event_in(line, false)
}

/// [`parse_event`] for a line already known to be valid UTF-8 (the full
/// check validates whole chunks at once, which is much faster than per line).
#[inline(always)]
pub fn parse_event_in(line: &[u8], utf8_checked: bool) -> Result<RawEvent<'_>, LineError> {
    let mut c = Cursor::<false>::new(line, 0);
    let (time, time_span, code, data) = c.event()?;
    c.ws();
    if c.i != line.len() {
        return Err(c.err(SyntaxError::TrailingCharacters));
    }
    if !utf8_checked && c.high & HI != 0 && simdutf8::basic::from_utf8(line).is_err() {
        return Err(utf8_error(line));
    }
    Ok(RawEvent {
        time,
        time_span,
        code,
        data,
        lone_cr: c.lone_cr,
    })
}

/// The fast path of the full check: parses the event that starts `rest` and
/// ends at the first newline, in text already known to be valid UTF-8.
/// Returns the event and the line's length (without the newline), or `None`
/// when the line is anything but a well-formed event; the caller then finds
/// the line's end and checks it with [`parse_event`], which says why.
#[inline(always)]
pub fn parse_event_at(rest: &[u8]) -> Option<(RawEvent<'_>, usize)> {
    if let Some(found) = canonical_event_at(rest) {
        return Some(found);
    }
    let mut c = Cursor::<true>::new(rest, 0);
    let (time, time_span, code, data) = c.event().ok()?;
    c.ws();
    (rest.get(c.i) == Some(&b'\n')).then_some((
        RawEvent {
            time,
            time_span,
            code,
            data,
            lone_cr: c.lone_cr,
        },
        c.i,
    ))
}

/// The line as asciinema and most writers print it, `[T, "C", "DATA"]`:
/// T one to seven digits, a point and one to seven digits, C one plain
/// ASCII byte, nothing else between the fields. Its fixed parts are read
/// a word at a time; anything else is `None`, for the walker.
#[inline(always)]
fn canonical_event_at(rest: &[u8]) -> Option<(RawEvent<'_>, usize)> {
    let word = |at: usize| {
        rest.get(at..at + 8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap()))
    };
    if rest.first() != Some(&b'[') {
        return None;
    }
    let (int_n, int_value) = swar_digits(word(1)?);
    // JSON allows no leading zero.
    if !(1..8).contains(&int_n) || (int_n > 1 && rest[1] == b'0') || rest[1 + int_n] != b'.' {
        return None;
    }
    let (frac_n, frac_value) = swar_digits(word(2 + int_n)?);
    if !(1..8).contains(&frac_n) {
        return None;
    }
    let end = 2 + int_n + frac_n;
    // `, "C", "` with any C.
    const BETWEEN: u64 = u64::from_le_bytes(*b", \"\0\", \"");
    const CODE: u64 = 0xFF << 24;
    if word(end)? & !CODE != BETWEEN || !plain(rest[end + 3]) {
        return None;
    }
    // At most 14 digits: exact, and one division rounds as the walker's does.
    let mantissa = int_value * POW10_U64[frac_n] + frac_value;
    let time = mantissa as f64 / POW10[frac_n];
    let open = end + 7;
    let (data, after) = match rest.get(open + 1..open + 3) {
        // One key's echo, the most common line of an interactive shell.
        Some(&[key, b'"']) if plain(key) => {
            let raw = &rest[open + 1..open + 2];
            (
                JsonStr {
                    raw,
                    escaped: false,
                },
                open + 3,
            )
        }
        _ => {
            let mut c = Cursor::<true>::new(rest, open);
            (c.string().ok()?, c.i)
        }
    };
    if rest.get(after..after + 2) != Some(b"]\n") {
        return None;
    }
    let code = JsonStr {
        raw: &rest[end + 3..end + 4],
        escaped: false,
    };
    let event = RawEvent {
        time,
        time_span: 1..end,
        code,
        data,
        lone_cr: false,
    };
    Some((event, after + 1))
}

/// A byte a JSON string holds as itself, ASCII.
#[inline(always)]
fn plain(b: u8) -> bool {
    (0x20..0x80).contains(&b) && b != b'"' && b != b'\\'
}

type Fields<'a> = (f64, Range<usize>, JsonStr<'a>, JsonStr<'a>);

impl<'a, const NL_ENDS: bool> Cursor<'a, NL_ENDS> {
    /// `[number, "string", "string"]` with whitespace around the parts.
    #[inline(always)]
    fn event(&mut self) -> Result<Fields<'a>, LineError> {
        let c = self;
        c.ws();
        c.expect(b'[', SyntaxError::ExpectedArray)?;
        c.ws();
        let (time, time_span) = c.number()?;
        c.ws();
        c.expect(b',', SyntaxError::ExpectedComma)?;
        c.ws();
        let code = c.string()?;
        c.ws();
        c.expect(b',', SyntaxError::ExpectedComma)?;
        c.ws();
        let data = c.string()?;
        c.ws();
        c.expect(b']', SyntaxError::ExpectedEndOfArray)?;
        Ok((time, time_span, code, data))
    }
}

/// For a torn event line: the length of the longest prefix that ends at a
/// character boundary inside the data string (never inside an escape or a
/// UTF-8 sequence), and the bytes that close it into a complete event.
/// `None` when the line is not torn inside or right after its data string.
pub fn salvage_point(line: &[u8]) -> Option<(usize, &'static [u8])> {
    let mut c = Cursor::<false>::new(line, 0);
    c.ws();
    c.expect(b'[', SyntaxError::ExpectedArray).ok()?;
    c.ws();
    c.number().ok()?;
    c.ws();
    c.expect(b',', SyntaxError::ExpectedComma).ok()?;
    c.ws();
    c.string().ok()?;
    c.ws();
    c.expect(b',', SyntaxError::ExpectedComma).ok()?;
    c.ws();
    if c.b.get(c.i) != Some(&b'"') {
        return None;
    }
    let data_start = c.i + 1;
    let (n, close): (usize, &'static [u8]) = match c.string() {
        // The data string is complete: only the `]` is missing.
        Ok(_) => (c.i, b"]"),
        Err(_) => {
            // Walk the string again, remembering the last boundary between
            // complete characters or escapes.
            let mut last = data_start;
            let mut s = Cursor::<false>::new(line, data_start);
            while s.i < line.len() {
                let ch = line[s.i];
                let step = match ch {
                    b'\\' => s.escape(),
                    0..=0x1f | b'"' => break,
                    0x80.. => s.utf8(),
                    _ => {
                        s.i += 1;
                        Ok(())
                    }
                };
                if step.is_err() {
                    break;
                }
                last = s.i;
            }
            (last, b"\"]")
        }
    };
    // The strings before the cut are whole: they must be valid UTF-8 too.
    std::str::from_utf8(&line[..n]).ok()?;
    Some((n, close))
}

/// `NL_ENDS`: the input runs past the line, which ends at the first newline
/// (so a newline is not whitespace here), and is known to be valid UTF-8
/// (so non-ASCII bytes need no tracking).
struct Cursor<'a, const NL_ENDS: bool = false> {
    b: &'a [u8],
    i: usize,
    /// OR of the string bytes seen: its high bits say whether any was non-ASCII.
    high: u64,
    /// A `\r` was skipped as whitespace somewhere other than the line's end.
    lone_cr: bool,
}

/// How far into a string the walker goes before the blocks take over: most
/// strings end sooner (a key, a prompt, a line of a full-screen program),
/// and the walker is quicker on those; on a long one the blocks are 2-3x.
const BLOCKS_AFTER: usize = 128;

impl<'a, const NL_ENDS: bool> Cursor<'a, NL_ENDS> {
    /// At `b[i]`, nothing seen yet.
    fn new(b: &'a [u8], i: usize) -> Self {
        Cursor {
            b,
            i,
            high: 0,
            lone_cr: false,
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in the lowest byte of `v` that ends a run of plain string
/// content: `"`, `\`, or a control byte. Bits above it may be spurious.
#[inline(always)]
fn special_mask(v: u64) -> u64 {
    let quote = v ^ (LO * b'"' as u64);
    let backslash = v ^ (LO * b'\\' as u64);
    let zero_quote = quote.wrapping_sub(LO) & !quote;
    let zero_backslash = backslash.wrapping_sub(LO) & !backslash;
    let control = v.wrapping_sub(LO * 0x20) & !v;
    (zero_quote | zero_backslash | control) & HI
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// For 16 bytes: a bit per byte that is `"`, `\` or a control byte, and a
    /// bit per non-ASCII byte. SSE2 is part of every x86_64 CPU.
    #[inline(always)]
    pub fn classify(block: &[u8]) -> (u32, u32) {
        assert!(block.len() >= 16);
        // SAFETY: the assert keeps the unaligned 16-byte load in bounds, and
        // SSE2 is always available on x86_64.
        unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // v <= 0x1f, unsigned: max(v, 0x1f) == 0x1f.
            let limit = _mm_set1_epi8(0x1f);
            let control = _mm_cmpeq_epi8(_mm_max_epu8(v, limit), limit);
            let special = _mm_or_si128(_mm_or_si128(quote, backslash), control);
            (
                _mm_movemask_epi8(special) as u32,
                _mm_movemask_epi8(v) as u32,
            )
        }
    }
}

/// Where the invalid UTF-8 in a line is.
#[cold]
fn utf8_error(line: &[u8]) -> LineError {
    LineError {
        at: std::str::from_utf8(line).map_or_else(|e| e.valid_up_to(), |_| 0),
        error: SyntaxError::InvalidUtf8,
    }
}

const POW10_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// How many of the 8 bytes in `v` (in memory order) are leading ASCII digits,
/// and their value as a number.
#[inline(always)]
fn swar_digits(v: u64) -> (usize, u64) {
    let x = v.wrapping_sub(LO * b'0' as u64);
    // A byte is a digit iff its value after subtracting '0' is below 10; the
    // borrows and carries of non-digits only disturb the bytes above them.
    let non_digit = (x | x.wrapping_add(LO * 0x76)) & HI;
    let n = (non_digit.trailing_zeros() / 8) as usize;
    if n == 0 {
        return (0, 0);
    }
    // Right-align the n digits as the low end of an 8-digit number (the
    // bytes shifted in are leading zeros), then combine pairs, quads, halves.
    let x = x << (8 * (8 - n));
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    let x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    let x = x.wrapping_mul(10_000) + (x >> 32);
    (n, x & 0xFFFF_FFFF)
}

/// Powers of ten exactly representable in an f64, for the fast number path.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl<'a, const NL_ENDS: bool> Cursor<'a, NL_ENDS> {
    #[inline]
    fn err(&self, error: SyntaxError) -> LineError {
        LineError { at: self.i, error }
    }

    /// An error at the current position, or "unexpected end" past the line.
    #[inline]
    fn err_here(&self, error: SyntaxError) -> LineError {
        if self.i >= self.b.len() {
            self.err(SyntaxError::UnexpectedEnd)
        } else {
            self.err(error)
        }
    }

    #[inline(always)]
    fn ws(&mut self) {
        // Every whitespace byte is <= b' ': one compare settles the usual case.
        if self.b.get(self.i).is_some_and(|&c| c > b' ') {
            return;
        }
        while let Some(&c @ (b' ' | b'\t' | b'\n' | b'\r')) = self.b.get(self.i) {
            if NL_ENDS && c == b'\n' {
                return;
            }
            if c == b'\r' && !matches!(self.b.get(self.i + 1), None | Some(b'\n')) {
                self.lone_cr = true;
            }
            self.i += 1;
        }
    }

    #[inline(always)]
    fn expect(&mut self, want: u8, error: SyntaxError) -> Result<(), LineError> {
        if self.b.get(self.i) == Some(&want) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err_here(error))
        }
    }

    /// Consumes digits, folding them into `mantissa` (wrapping: the caller
    /// only trusts it when there were few digits). Eight at a time when it can.
    #[inline(always)]
    fn digits(&mut self, mantissa: &mut u64) -> usize {
        let start = self.i;
        while let Some(word) = self.b.get(self.i..self.i + 8) {
            let (n, value) = swar_digits(u64::from_le_bytes(word.try_into().unwrap()));
            if n == 0 {
                return self.i - start;
            }
            *mantissa = mantissa.wrapping_mul(POW10_U64[n]).wrapping_add(value);
            self.i += n;
            if n < 8 {
                return self.i - start;
            }
        }
        while let Some(&d @ b'0'..=b'9') = self.b.get(self.i) {
            *mantissa = mantissa.wrapping_mul(10).wrapping_add((d - b'0') as u64);
            self.i += 1;
        }
        self.i - start
    }

    #[inline(always)]
    fn number(&mut self) -> Result<(f64, Range<usize>), LineError> {
        let start = self.i;
        let negative = self.b.get(self.i) == Some(&b'-');
        if negative {
            self.i += 1;
        }
        let mut mantissa = 0u64;
        let int_digits = match self.b.get(self.i) {
            Some(b'0') => {
                self.i += 1;
                1
            }
            Some(b'1'..=b'9') => self.digits(&mut mantissa),
            _ if negative => return Err(self.err_here(SyntaxError::InvalidNumber)),
            _ => return Err(self.err_here(SyntaxError::ExpectedNumber)),
        };
        let mut frac_digits = 0;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            frac_digits = self.digits(&mut mantissa);
            if frac_digits == 0 {
                return Err(self.err_here(SyntaxError::InvalidNumber));
            }
        }
        let mut has_exponent = false;
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            has_exponent = true;
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            if self.digits(&mut 0) == 0 {
                return Err(self.err_here(SyntaxError::InvalidNumber));
            }
        }
        let span = start..self.i;
        // Fast path (Clinger): few enough digits that mantissa and power of ten
        // are exact, so one division is correctly rounded.
        if !has_exponent && int_digits + frac_digits <= 15 {
            let value = mantissa as f64 / POW10[frac_digits];
            return Ok((if negative { -value } else { value }, span));
        }
        // The token is ASCII by construction.
        let text = std::str::from_utf8(&self.b[span.clone()]).unwrap_or("x");
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok((v, span)),
            _ => Err(LineError {
                at: start,
                error: SyntaxError::NumberOutOfRange,
            }),
        }
    }

    #[inline(always)]
    fn string(&mut self) -> Result<JsonStr<'a>, LineError> {
        if self.b.get(self.i) != Some(&b'"') {
            return Err(self.err_here(SyntaxError::ExpectedString));
        }
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        // Non-ASCII bytes do not stop the scan: the line is checked as UTF-8
        // once at its end if any were seen (outside strings such bytes are
        // already syntax errors, so this is the same as checking each string).
        let mut high = 0u64;
        // In text known valid UTF-8, a long string is scanned by blocks past
        // its first bytes.
        let mut by_blocks = NL_ENDS;
        loop {
            // The walker stops between escapes: no backslash is pending here.
            if by_blocks && self.i - start >= BLOCKS_AFTER {
                if let Some((end, more_escaped)) = blocks::string_end(self.b, self.i) {
                    self.i = end + 1;
                    let raw = &self.b[start..end];
                    let escaped = escaped || more_escaped;
                    return Ok(JsonStr { raw, escaped });
                }
                // The walker finishes it, and says why if it is wrong.
                by_blocks = false;
            }
            self.skip_plain(&mut high);
            let Some(&ch) = self.b.get(self.i) else {
                return Err(self.err(SyntaxError::UnexpectedEnd));
            };
            match ch {
                b'"' => {
                    let raw = &self.b[start..self.i];
                    self.high |= high;
                    self.i += 1;
                    return Ok(JsonStr { raw, escaped });
                }
                b'\\' => {
                    escaped = true;
                    // Fast path for what terminals produce: `\r`, `\n`,
                    // `\u001b`; anything else takes the careful path.
                    match self.b.get(self.i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 2,
                        Some(b'u')
                            if self.b.get(self.i + 2..self.i + 4) == Some(b"00")
                                && self.b.get(self.i + 4..self.i + 6).is_some_and(|h| {
                                    h[0].is_ascii_hexdigit() && h[1].is_ascii_hexdigit()
                                }) =>
                        {
                            self.i += 6;
                        }
                        _ => self.escape()?,
                    }
                }
                0..=0x1f => return Err(self.err(SyntaxError::ControlCharacter)),
                _ => {
                    high |= ch as u64;
                    self.i += 1;
                }
            }
        }
    }

    /// Advances over plain string content: stops at the next `"`, `\`, or
    /// control byte, or where too few bytes are left for a whole word.
    /// ORs what it passed into `high` (unless the text is known valid UTF-8).
    #[inline(always)]
    fn skip_plain(&mut self, high: &mut u64) {
        #[cfg(target_arch = "x86_64")]
        while let Some(block) = self.b.get(self.i..self.i + 16) {
            let (special, non_ascii) = sse2::classify(block);
            if special == 0 {
                if !NL_ENDS && non_ascii != 0 {
                    *high |= HI;
                }
                self.i += 16;
            } else {
                let n = special.trailing_zeros() as usize;
                if !NL_ENDS && non_ascii & ((1 << n) - 1) != 0 {
                    *high |= HI;
                }
                self.i += n;
                return;
            }
        }
        while let Some(word) = self.b.get(self.i..self.i + 8) {
            let v = u64::from_le_bytes(word.try_into().unwrap());
            let mask = special_mask(v);
            if mask == 0 {
                if !NL_ENDS {
                    *high |= v;
                }
                self.i += 8;
            } else {
                let n = (mask.trailing_zeros() / 8) as usize;
                if !NL_ENDS {
                    // Only the bytes before the special one count as seen.
                    *high |= v & ((1u64 << (n * 8)) - 1);
                }
                self.i += n;
                return;
            }
        }
    }

    /// At a backslash: consume one escape sequence.
    fn escape(&mut self) -> Result<(), LineError> {
        let at = self.i;
        self.i += 1;
        match self.b.get(self.i) {
            None => Err(self.err(SyntaxError::UnexpectedEnd)),
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.i += 1;
                Ok(())
            }
            Some(b'u') => {
                self.i += 1;
                let unit = self.hex4()?;
                match unit {
                    0xDC00..=0xDFFF => Err(LineError {
                        at,
                        error: SyntaxError::LoneSurrogate,
                    }),
                    0xD800..=0xDBFF => {
                        if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                            return Err(if self.i + 2 > self.b.len() {
                                self.err(SyntaxError::UnexpectedEnd)
                            } else {
                                LineError {
                                    at,
                                    error: SyntaxError::LoneSurrogate,
                                }
                            });
                        }
                        self.i += 2;
                        match self.hex4()? {
                            0xDC00..=0xDFFF => Ok(()),
                            _ => Err(LineError {
                                at,
                                error: SyntaxError::LoneSurrogate,
                            }),
                        }
                    }
                    _ => Ok(()),
                }
            }
            Some(_) => Err(LineError {
                at,
                error: SyntaxError::InvalidEscape,
            }),
        }
    }

    fn hex4(&mut self) -> Result<u32, LineError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = match self.b.get(self.i) {
                None => return Err(self.err(SyntaxError::UnexpectedEnd)),
                Some(&d) => (d as char)
                    .to_digit(16)
                    .ok_or_else(|| self.err(SyntaxError::InvalidEscape))?,
            };
            value = value * 16 + digit;
            self.i += 1;
        }
        Ok(value)
    }

    /// At a byte >= 0x80 inside a string: consume one well-formed UTF-8 sequence.
    fn utf8(&mut self) -> Result<(), LineError> {
        let (len, second) = match self.b[self.i] {
            0xC2..=0xDF => (2, 0x80..=0xBF),
            0xE0 => (3, 0xA0..=0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80..=0xBF),
            0xED => (3, 0x80..=0x9F),
            0xF0 => (4, 0x90..=0xBF),
            0xF1..=0xF3 => (4, 0x80..=0xBF),
            0xF4 => (4, 0x80..=0x8F),
            _ => return Err(self.err(SyntaxError::InvalidUtf8)),
        };
        let Some(seq) = self.b.get(self.i..self.i + len) else {
            // A truncated sequence: fine if it is a valid prefix (the line was
            // torn), otherwise the UTF-8 itself is wrong.
            let rest = &self.b[self.i + 1..];
            let prefix_ok = rest.first().is_none_or(|b| second.contains(b))
                && rest.iter().skip(1).all(|b| (0x80..=0xBF).contains(b));
            return Err(if prefix_ok {
                LineError {
                    at: self.b.len(),
                    error: SyntaxError::UnexpectedEnd,
                }
            } else {
                self.err(SyntaxError::InvalidUtf8)
            });
        };
        if !second.contains(&seq[1]) || !seq[2..].iter().all(|b| (0x80..=0xBF).contains(b)) {
            return Err(self.err(SyntaxError::InvalidUtf8));
        }
        self.i += len;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> RawEvent<'_> {
        parse_event(line.as_bytes()).unwrap_or_else(|e| panic!("{line}: {e:?}"))
    }

    fn bad(line: &[u8]) -> LineError {
        parse_event(line).expect_err(&String::from_utf8_lossy(line))
    }

    /// Decoding in pieces gives the text decoding whole gives, each piece
    /// cut at a character and escape boundary, whatever the piece size.
    #[test]
    fn pieces_join_into_the_whole_text() {
        let strings = [
            r#"plain ascii text"#,
            r#"caf\u00e9 \ud83d\ude00 \\ \" \n\r\t\b\f end"#,
            "é日本語😀 no escapes",
            r#"é日\u001b[1m本😀\\\\x"#,
            r#"\ud83d\ude00\ud83d\ude00"#,
            r#"\u001b"#,
            "",
        ];
        for s in strings {
            let whole = JsonStr {
                raw: s.as_bytes(),
                escaped: s.contains('\\'),
            };
            for limit in 1..24 {
                let pieces: Vec<Cow<str>> = whole.pieces_of(limit).collect();
                assert_eq!(pieces.concat(), whole.text(), "{s:?} in pieces of {limit}");
                assert!(pieces.iter().all(|p| !p.is_empty()), "{s:?} {limit}");
                if limit >= 12 {
                    // Every piece but the last reaches its size, give or take a
                    // character or an escape.
                    let n = pieces.len();
                    assert!(n <= s.len() / (limit - 11) + 1, "{s:?} {limit}: {n} pieces");
                }
            }
        }
    }

    #[test]
    fn parses_a_typical_event() {
        let ev = ok(r#"[1.234567, "o", "hello\u001b[0m\r\n"]"#);
        assert_eq!(ev.time, 1.234567);
        assert_eq!(ev.time_span, 1..9);
        assert_eq!(ev.code.text(), "o");
        assert_eq!(ev.data.text(), "hello\u{1b}[0m\r\n");
    }

    #[test]
    fn swar_digits_reads_leading_digits() {
        let read = |s: &[u8]| swar_digits(u64::from_le_bytes(s.try_into().unwrap()));
        assert_eq!(read(b"12345678"), (8, 12345678));
        assert_eq!(read(b"0042, \"o"), (4, 42));
        assert_eq!(read(b"9.000000"), (1, 9));
        assert_eq!(read(b".5000000"), (0, 0));
        assert_eq!(read(b"1234567/"), (7, 1234567));
        assert_eq!(read(b"123:4567"), (3, 123));
        assert_eq!(read(b"99999999"), (8, 99999999));
    }

    #[test]
    fn numbers_follow_json() {
        assert_eq!(ok(r#"[0, "o", ""]"#).time, 0.0);
        assert_eq!(ok(r#"[1e3, "o", ""]"#).time, 1000.0);
        assert_eq!(ok(r#"[-2.5E-1, "o", ""]"#).time, -0.25);
        assert_eq!(
            ok(r#"[12345678901234567890.5, "o", ""]"#).time,
            12345678901234567890.5
        );
        assert_eq!(bad(br#"[01, "o", ""]"#).error, SyntaxError::ExpectedComma);
        assert_eq!(bad(br#"[1., "o", ""]"#).error, SyntaxError::InvalidNumber);
        assert_eq!(bad(br#"[.5, "o", ""]"#).error, SyntaxError::ExpectedNumber);
        assert_eq!(
            bad(br#"[1e400, "o", ""]"#).error,
            SyntaxError::NumberOutOfRange
        );
    }

    #[test]
    fn strings_follow_json() {
        assert!(parse_event("[1, \"o\", \"é€𝄞\"]".as_bytes()).is_ok());
        assert!(parse_event(br#"[1, "o", "\ud834\udd1e"]"#).is_ok());
        assert_eq!(
            bad(br#"[1, "o", "\ud834"]"#).error,
            SyntaxError::LoneSurrogate
        );
        assert_eq!(
            bad(br#"[1, "o", "\udd1e"]"#).error,
            SyntaxError::LoneSurrogate
        );
        assert_eq!(bad(br#"[1, "o", "\x"]"#).error, SyntaxError::InvalidEscape);
        assert_eq!(
            bad(b"[1, \"o\", \"a\tb\"]").error,
            SyntaxError::ControlCharacter
        );
        assert_eq!(bad(b"[1, \"o\", \"\xff\"]").error, SyntaxError::InvalidUtf8);
        assert_eq!(
            bad(b"[1, \"o\", \"\xed\xa0\x80\"]").error,
            SyntaxError::InvalidUtf8
        );
        assert_eq!(
            bad(b"[1, \"o\", \"ab\xe2\x82").error,
            SyntaxError::UnexpectedEnd
        );
    }

    #[test]
    fn shape_is_exactly_three_fields() {
        assert_eq!(bad(br#"[1, "o"]"#).error, SyntaxError::ExpectedComma);
        assert_eq!(
            bad(br#"[1, "o", "a", "b"]"#).error,
            SyntaxError::ExpectedEndOfArray
        );
        assert_eq!(
            bad(br#"[1, "o", "a"] x"#).error,
            SyntaxError::TrailingCharacters
        );
        assert_eq!(bad(br#"{"a": 1}"#).error, SyntaxError::ExpectedArray);
        assert_eq!(bad(br#"[1, 2, "a"]"#).error, SyntaxError::ExpectedString);
        assert!(parse_event(b" [1,\"o\",\"a\"] \r").is_ok());
    }

    #[test]
    fn errors_say_where() {
        let e = bad(br#"[1.5, "o", "abc\q"]"#);
        assert_eq!((e.at, e.error), (15, SyntaxError::InvalidEscape));
        let e = bad(br#"[1.5, "o", "abc"#);
        assert_eq!((e.at, e.error), (15, SyntaxError::UnexpectedEnd));
    }

    #[test]
    fn salvage_never_cuts_inside_an_escape_or_utf8() {
        let line = br#"[1.5, "o", "abc\u00"#;
        assert_eq!(salvage_point(line), Some((15, &b"\"]"[..])));
        let line = b"[1.5, \"o\", \"ab\xe2\x82";
        assert_eq!(salvage_point(line), Some((14, &b"\"]"[..])));
        let line = br#"[1.5, "o", "abc""#;
        assert_eq!(salvage_point(line), Some((16, &b"]"[..])));
        assert_eq!(salvage_point(br#"[1.5, "o"#), None);
    }
}
