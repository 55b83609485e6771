//! The full check's string scanner: a JSON string's content classified 64
//! bytes at a time, as simdjson's first stage does for a whole document.
//!
//! Each block becomes bit masks (quotes, backslashes, control bytes, and,
//! where a backslash is, the bytes an escape may hold). Which bytes a
//! backslash escapes, where the string ends, and whether every escape is
//! well formed then follow from the masks with a few integer operations,
//! with no branch per byte. The byte walker ([`super::Cursor`]) stays the
//! judge: this scanner only answers for strings it can settle at once (well
//! formed, no `\u` escape near the surrogates, 64 bytes to load) and leaves
//! every other one, errors included, to the walker. A differential test
//! holds the two to the same answers.

/// The bits of one 64-byte block (bit `i`: byte `i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    quote: u64,
    backslash: u64,
    /// Bytes below 0x20, which a string may not hold raw.
    control: u64,
}

/// What an escape may hold, for a block that has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EscapeBytes {
    /// `"` `\` `/` `b` `f` `n` `r` `t`: a whole escape after the backslash.
    simple: u64,
    /// `u`: four hex digits follow.
    u: u64,
    hex: u64,
    /// `d` or `D`: the first digit of a `\u` in or near the surrogates.
    d: u64,
}

/// What one block leaves to the next.
#[derive(Debug, Default, Clone, Copy)]
struct Carry {
    /// The block's last byte is a backslash that escapes the next byte.
    escapes_next: u64,
    /// Bits of the next block that must be hex digits (a `\u` near the end).
    hex: u64,
    /// Bit 0: the next block begins the digits of a `\u` (checked for `d`).
    first_digit: u64,
}

/// The end of the JSON string whose content begins at `b[start]` (the index
/// of its closing quote), and whether it holds an escape, when the string
/// is well formed and needs no closer look. `None` leaves it to the walker:
/// a raw control byte, a bad escape, a `\u` beginning with `d` (a surrogate
/// or near one), or fewer than 64 bytes left to load. The bytes are known
/// to be valid UTF-8.
#[inline(always)]
pub(super) fn string_end(b: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut at = start;
    let mut carry = Carry::default();
    let mut escaped_any = false;
    loop {
        let block: &[u8; 64] = b.get(at..at + 64)?.try_into().ok()?;
        let bits = classify(block);
        let escaped = if bits.backslash | carry.escapes_next == 0 {
            0
        } else {
            escaped_bytes(bits.backslash, &mut carry.escapes_next)
        };
        let quote = bits.quote & !escaped;
        // The string's bytes in this block, its closing quote included.
        let inside = match quote {
            0 => u64::MAX,
            q => u64::MAX >> (63 - q.trailing_zeros()),
        };
        if bits.control & inside != 0 {
            return None;
        }
        if escaped | carry.hex != 0 {
            let e = escape_bytes(block);
            let u = escaped & e.u;
            let hex = (u << 1) | (u << 2) | (u << 3) | (u << 4) | carry.hex;
            let first_digit = (u << 1) | carry.first_digit;
            let bad = (escaped & !(e.simple | e.u)) | (hex & !e.hex) | (first_digit & e.d);
            if bad & inside != 0 {
                return None;
            }
            carry.hex = (u >> 63) | (u >> 62) | (u >> 61) | (u >> 60);
            carry.first_digit = u >> 63;
            escaped_any |= bits.backslash & inside != 0;
        }
        if quote != 0 {
            return Some((at + quote.trailing_zeros() as usize, escaped_any));
        }
        at += 64;
    }
}

/// The bytes escaped by a backslash (the byte after an odd run of
/// backslashes), given the block's backslashes and whether the previous
/// block's last backslash escapes this block's first byte (updated for the
/// next block). simdjson's method: a subtraction tells the runs that begin
/// on an odd bit from those that begin on an even one.
#[inline(always)]
fn escaped_bytes(backslash: u64, escapes_next: &mut u64) -> u64 {
    const ODD: u64 = 0xAAAA_AAAA_AAAA_AAAA;
    // A backslash escaped by the previous block begins no escape.
    let potential = backslash & !*escapes_next;
    let maybe_escaped = potential << 1;
    let escape_and_terminal = ((maybe_escaped | ODD).wrapping_sub(potential)) ^ ODD;
    let escaped = escape_and_terminal ^ (backslash | *escapes_next);
    let escape = escape_and_terminal & backslash;
    *escapes_next = escape >> 63;
    escaped
}

#[cfg(target_arch = "x86_64")]
use sse2::{classify, escape_bytes};

#[cfg(not(target_arch = "x86_64"))]
use portable::{classify, escape_bytes};

/// A bit per byte of `block` where `is` holds: the plain definition, which
/// the SIMD one must equal (and the fallback on other CPUs).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
mod portable {
    use super::{Block, EscapeBytes};

    fn bits(block: &[u8; 64], is: impl Fn(u8) -> bool) -> u64 {
        block
            .iter()
            .enumerate()
            .fold(0, |acc, (i, &b)| acc | (u64::from(is(b)) << i))
    }

    pub(super) fn classify(block: &[u8; 64]) -> Block {
        Block {
            quote: bits(block, |b| b == b'"'),
            backslash: bits(block, |b| b == b'\\'),
            control: bits(block, |b| b < 0x20),
        }
    }

    pub(super) fn escape_bytes(block: &[u8; 64]) -> EscapeBytes {
        EscapeBytes {
            simple: bits(block, |b| b"\"\\/bfnrt".contains(&b)),
            u: bits(block, |b| b == b'u'),
            hex: bits(block, |b| b.is_ascii_hexdigit()),
            d: bits(block, |b| b == b'd' || b == b'D'),
        }
    }
}

/// SSE2, which every x86_64 CPU has: 16 bytes a compare.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    use super::{Block, EscapeBytes};

    /// The four 16-byte lanes of a block.
    #[inline(always)]
    fn lanes(block: &[u8; 64]) -> [__m128i; 4] {
        // SAFETY: each unaligned 16-byte load lies inside the 64-byte array.
        std::array::from_fn(|k| unsafe { _mm_loadu_si128(block.as_ptr().add(16 * k).cast()) })
    }

    // SAFETY (every intrinsic below): SSE2 is part of every x86_64 CPU.

    /// The high bits of `f` of each lane, as one mask.
    #[inline(always)]
    fn bits(lanes: &[__m128i; 4], f: impl Fn(__m128i) -> __m128i) -> u64 {
        lanes.iter().enumerate().fold(0, |acc, (k, &v)| {
            let lane = unsafe { _mm_movemask_epi8(f(v)) } as u16;
            acc | (u64::from(lane) << (16 * k))
        })
    }

    #[inline(always)]
    fn eq(v: __m128i, byte: u8) -> __m128i {
        unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8)) }
    }

    #[inline(always)]
    fn or(a: __m128i, b: __m128i) -> __m128i {
        unsafe { _mm_or_si128(a, b) }
    }

    /// Bytes `b` with `b - low <= span`, unsigned.
    #[inline(always)]
    fn within(v: __m128i, low: u8, span: u8) -> __m128i {
        unsafe {
            let x = _mm_sub_epi8(v, _mm_set1_epi8(low as i8));
            let limit = _mm_set1_epi8(span as i8);
            _mm_cmpeq_epi8(_mm_max_epu8(x, limit), limit)
        }
    }

    /// `v` with ASCII letters in lower case (and other bytes changed alike).
    #[inline(always)]
    fn lower(v: __m128i) -> __m128i {
        unsafe { _mm_or_si128(v, _mm_set1_epi8(0x20)) }
    }

    #[inline(always)]
    pub(super) fn classify(block: &[u8; 64]) -> Block {
        let v = lanes(block);
        Block {
            quote: bits(&v, |v| eq(v, b'"')),
            backslash: bits(&v, |v| eq(v, b'\\')),
            control: bits(&v, |v| within(v, 0, 0x1f)),
        }
    }

    #[inline(always)]
    pub(super) fn escape_bytes(block: &[u8; 64]) -> EscapeBytes {
        let v = lanes(block);
        EscapeBytes {
            simple: bits(&v, |v| {
                let a = or(eq(v, b'"'), eq(v, b'\\'));
                let b = or(eq(v, b'/'), eq(v, b'b'));
                let c = or(eq(v, b'f'), eq(v, b'n'));
                let d = or(eq(v, b'r'), eq(v, b't'));
                or(or(a, b), or(c, d))
            }),
            u: bits(&v, |v| eq(v, b'u')),
            hex: bits(&v, |v| or(within(v, b'0', 9), within(lower(v), b'a', 5))),
            d: bits(&v, |v| eq(lower(v), b'd')),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The escaped bytes by definition: a walk that remembers one backslash.
    fn escaped_by_walking(bytes: &[u8]) -> Vec<bool> {
        let mut out = vec![false; bytes.len()];
        let mut pending = false;
        for (i, &b) in bytes.iter().enumerate() {
            if pending {
                out[i] = true;
                pending = false;
            } else {
                pending = b == b'\\';
            }
        }
        out
    }

    /// Bytes that make blocks interesting: runs of backslashes, quotes,
    /// escape letters, hex digits, control and non-ASCII bytes.
    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            4 => Just(b'\\'),
            2 => Just(b'"'),
            2 => prop::sample::select(b"ubfnrt/dD0123456789aAfFgx \n\r\x1b".to_vec()),
            1 => any::<u8>(),
        ]
    }

    /// `content"` and enough after it to load blocks: where `string_end` says it ends.
    fn end_of(content: &str) -> Option<(usize, bool)> {
        let text = format!("{content}\"]\n{}", "x".repeat(128));
        string_end(text.as_bytes(), 0)
    }

    #[test]
    fn string_end_settles_plain_and_escaped_strings() {
        let plain = "a".repeat(100);
        assert_eq!(end_of(&plain), Some((100, false)));
        // An escaped quote and a backslash run across the first block's end.
        let across = format!("{}\\\"{}\\\\", "a".repeat(62), "b".repeat(10));
        assert_eq!(end_of(&across), Some((across.len(), true)));
        let escapes = format!("{}\\u001b[0m\\r\\n\\u00E9", "a".repeat(70));
        assert_eq!(end_of(&escapes), Some((escapes.len(), true)));
    }

    #[test]
    fn string_end_leaves_the_rest_to_the_walker() {
        for content in [
            "a\\ud83d\\ude00",
            "a\\uDA00",
            "a\\u12\"",
            "a\\x",
            "a\tb",
            &format!("{}\\u00", "a".repeat(61)),
        ] {
            assert_eq!(end_of(content), None, "{content:?}");
        }
        // Fewer than 64 bytes to load.
        assert_eq!(string_end(b"abc\"]\n", 0), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_simd_classifier_is_the_plain_one(block in prop::collection::vec(any::<u8>(), 64), more in prop::collection::vec(byte(), 64)) {
            for bytes in [&block, &more] {
                let block: &[u8; 64] = bytes[..].try_into().unwrap();
                prop_assert_eq!(classify(block), portable::classify(block));
                prop_assert_eq!(escape_bytes(block), portable::escape_bytes(block));
            }
        }

        #[test]
        fn escaped_bytes_follow_backslash_runs_across_blocks(bytes in prop::collection::vec(byte(), 64 * 3)) {
            let want = escaped_by_walking(&bytes);
            let mut carry = 0;
            for (k, block) in bytes.chunks(64).enumerate() {
                let block: &[u8; 64] = block.try_into().unwrap();
                let got = escaped_bytes(portable::classify(block).backslash, &mut carry);
                for i in 0..64 {
                    prop_assert_eq!(got >> i & 1 == 1, want[64 * k + i], "byte {}", 64 * k + i);
                }
            }
        }
    }
}
