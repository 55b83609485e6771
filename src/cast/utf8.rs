//! An incremental UTF-8 decoder: bytes arrive in arbitrary pieces (tmux
//! splits characters across `%output` lines), text leaves in whole characters.
//! Decoding in pieces gives exactly what `String::from_utf8_lossy` gives for
//! the whole stream: invalid bytes become U+FFFD, maximal subparts alike.

const REPLACEMENT: char = '\u{FFFD}';

#[derive(Debug, Default, Clone)]
/// Decodes terminal output into text in pieces: a character split between two pieces is carried over; bytes that are not UTF-8 become U+FFFD.
pub struct Utf8Decoder {
    /// The start of a character whose remaining bytes have not arrived yet.
    carry: Vec<u8>,
}

impl Utf8Decoder {
    /// A decoder with nothing carried over.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `input`, appending complete characters to `out`.
    pub fn decode(&mut self, mut input: &[u8], out: &mut String) {
        while !self.carry.is_empty() {
            let Some((&byte, rest)) = input.split_first() else {
                return;
            };
            input = rest;
            self.carry.push(byte);
            match std::str::from_utf8(&self.carry) {
                Ok(text) => {
                    out.push_str(text);
                    self.carry.clear();
                }
                Err(e) => {
                    if let Some(bad) = e.error_len() {
                        // The carried prefix cannot be completed: replace it,
                        // and decode whatever followed it afresh.
                        out.push(REPLACEMENT);
                        let after: Vec<u8> = self.carry.drain(bad..).collect();
                        self.carry.clear();
                        self.decode_fresh(&after, out);
                    }
                }
            }
        }
        self.decode_fresh(input, out);
    }

    /// Forgets the start of a character carried over: what comes next is
    /// another stream's.
    pub fn drop_unfinished(&mut self) {
        self.carry.clear();
    }

    /// Ends the stream: an unfinished character becomes U+FFFD.
    pub fn finish(&mut self, out: &mut String) {
        if !self.carry.is_empty() {
            self.carry.clear();
            out.push(REPLACEMENT);
        }
    }

    fn decode_fresh(&mut self, input: &[u8], out: &mut String) {
        debug_assert!(self.carry.is_empty());
        let end = input.as_ptr_range().end;
        for chunk in input.utf8_chunks() {
            out.push_str(chunk.valid());
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            let at_end = invalid.as_ptr_range().end == end;
            let incomplete =
                matches!(std::str::from_utf8(invalid), Err(e) if e.error_len().is_none());
            if at_end && incomplete {
                self.carry.extend_from_slice(invalid);
            } else {
                out.push(REPLACEMENT);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(bytes: &[u8], cuts: &[usize]) -> String {
        let mut d = Utf8Decoder::new();
        let mut out = String::new();
        let mut start = 0;
        for &cut in cuts {
            d.decode(&bytes[start..cut], &mut out);
            start = cut;
        }
        d.decode(&bytes[start..], &mut out);
        d.finish(&mut out);
        out
    }

    #[test]
    fn joins_split_characters() {
        let bytes = "a€b𝄞".as_bytes();
        for cut in 0..=bytes.len() {
            assert_eq!(pieces(bytes, &[cut]), "a€b𝄞");
        }
        assert_eq!(pieces(bytes, &[1, 2, 3, 4, 5, 6, 7]), "a€b𝄞");
    }

    #[test]
    fn replaces_like_from_utf8_lossy() {
        for bytes in [
            &b"\xE2\x82A"[..],
            b"\xF0\x9D\x84",
            b"\xFF\xFEx",
            b"\xE2\x82\xE2\x82\xAC",
            b"\xED\xA0\x80",
        ] {
            let whole = String::from_utf8_lossy(bytes);
            for cut in 0..=bytes.len() {
                assert_eq!(pieces(bytes, &[cut]), whole, "{bytes:?} cut at {cut}");
            }
        }
    }
}
