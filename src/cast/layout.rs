//! Where the parts of a cast file are, found in constant time from both ends.

use std::ops::Range;

use memchr::{memchr, memrchr};

pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The byte layout of a newline-delimited cast:
/// `[BOM] header \n body-lines… [partial line] [NUL run]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub bom: bool,
    /// The header line, without its newline.
    pub header: Range<usize>,
    /// Just past the header's newline (or the header's end if it has none).
    pub body_start: usize,
    /// Just past the last newline: complete lines are `body_start..body_end`.
    pub body_end: usize,
    /// The unterminated piece after the last newline, before any NUL run.
    pub partial: Range<usize>,
    /// The run of NUL bytes that ends the file (empty when there is none).
    pub nul_tail: Range<usize>,
}

impl Layout {
    pub fn of(bytes: &[u8]) -> Layout {
        let bom = bytes.starts_with(BOM);
        let start = if bom { BOM.len() } else { 0 };
        let nul_start = bytes.len() - trailing_nul_len(&bytes[start..]);
        let nul_tail = nul_start..bytes.len();
        let (header, body_start) = match memchr(b'\n', &bytes[start..nul_start]) {
            Some(i) => (start..start + i, start + i + 1),
            None => (start..nul_start, nul_start),
        };
        let body_end = match memrchr(b'\n', &bytes[body_start..nul_start]) {
            Some(i) => body_start + i + 1,
            None => body_start,
        };
        Layout {
            bom,
            header,
            body_start,
            body_end,
            partial: body_end..nul_start,
            nul_tail,
        }
    }

    /// Something follows the last newline (or there is none at all).
    pub fn has_unterminated_line(&self) -> bool {
        !self.partial.is_empty() || !self.nul_tail.is_empty() || self.header_unterminated()
    }

    /// The header line has no newline after it.
    pub fn header_unterminated(&self) -> bool {
        self.body_start == self.header.end
    }
}

/// How many NUL bytes end `bytes`, counted a word at a time.
pub(crate) fn trailing_nul_len(bytes: &[u8]) -> usize {
    let mut end = bytes.len();
    while end >= 8 && bytes[end - 8..end] == [0; 8] {
        end -= 8;
    }
    while end > 0 && bytes[end - 1] == 0 {
        end -= 1;
    }
    bytes.len() - end
}

/// Splits `range` of `bytes` into pieces of about `size` bytes that each end
/// just after a newline (the last piece ends at `range.end`).
pub fn split_at_newlines(bytes: &[u8], range: Range<usize>, size: usize) -> Vec<Range<usize>> {
    let mut pieces = Vec::with_capacity((range.len() / size.max(1)) + 1);
    let mut start = range.start;
    while start < range.end {
        let mut end = (start + size).min(range.end);
        if end < range.end {
            end = memchr(b'\n', &bytes[end - 1..range.end]).map_or(range.end, |i| end + i);
        }
        pieces.push(start..end);
        start = end;
    }
    pieces
}

/// Calls `f(start, line)` for each newline-terminated line in `bytes[range]`,
/// `line` without its newline.
#[inline]
pub fn for_each_line(bytes: &[u8], range: Range<usize>, mut f: impl FnMut(usize, &[u8])) {
    let mut start = range.start;
    for nl in memchr::memchr_iter(b'\n', &bytes[range.clone()]) {
        let end = range.start + nl;
        f(start, &bytes[start..end]);
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_parts() {
        let bytes = b"\xEF\xBB\xBFH\nA\nB\npar\0\0\0";
        let l = Layout::of(bytes);
        assert!(l.bom);
        assert_eq!(&bytes[l.header.clone()], b"H");
        assert_eq!(&bytes[l.body_start..l.body_end], b"A\nB\n");
        assert_eq!(&bytes[l.partial.clone()], b"par");
        assert_eq!(l.nul_tail.len(), 3);
    }

    #[test]
    fn header_only_and_empty() {
        let l = Layout::of(b"H");
        assert_eq!((l.header.clone(), l.body_start, l.body_end), (0..1, 1, 1));
        assert!(l.header_unterminated());
        let l = Layout::of(b"");
        assert_eq!((l.header.clone(), l.partial.clone()), (0..0, 0..0));
        let zeros = vec![0u8; 100];
        let l = Layout::of(&zeros);
        assert_eq!((l.header.clone(), l.nul_tail.clone()), (0..0, 0..100));
        let l = Layout::of(b"H\n\0\0A\n\0");
        assert_eq!(
            (l.body_end, l.partial.clone(), l.nul_tail.clone()),
            (6, 6..6, 6..7)
        );
    }

    #[test]
    fn splits_only_after_newlines() {
        let bytes = b"aaa\nbb\ncccc\nd\n";
        let pieces = split_at_newlines(bytes, 0..bytes.len(), 5);
        assert_eq!(pieces, [0..7, 7..12, 12..14]);
        let mut lines = Vec::new();
        for_each_line(bytes, 4..12, |s, l| lines.push((s, l.to_vec())));
        assert_eq!(lines, [(4, b"bb".to_vec()), (7, b"cccc".to_vec())]);
    }
}
