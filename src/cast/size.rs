//! A terminal size, `COLSxROWS`: what `r` events carry and what a header
//! says, each from 1 to 65535 (asciinema 3.2 reads sizes as 16-bit).

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
/// A terminal size, `COLSxROWS`, each from 1 to 65535 (what asciinema 3.2 reads).
pub struct Size {
    /// Columns.
    pub cols: u32,
    /// Rows.
    pub rows: u32,
}

/// Sizes are `u16` in asciinema 3.2.
pub const SIZE_LIMIT: u32 = u16::MAX as u32;

impl Size {
    /// Columns and rows, each from 1 to 65535.
    pub fn new(cols: u32, rows: u32) -> Option<Size> {
        let fits = |n: u32| (1..=SIZE_LIMIT).contains(&n);
        (fits(cols) && fits(rows)).then_some(Size { cols, rows })
    }

    /// `COLSxROWS`, digits only.
    pub fn parse(text: &str) -> Option<Size> {
        let (c, r) = text.split_once('x')?;
        Size::from_parts(c, r)
    }

    /// Columns and rows as two runs of digits (as tmux prints them).
    pub fn from_parts(cols: &str, rows: &str) -> Option<Size> {
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(cols) || !digits(rows) {
            return None;
        }
        Size::new(cols.parse().ok()?, rows.parse().ok()?)
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}x{}", self.cols, self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(Size::parse("80x24"), Some(Size { cols: 80, rows: 24 }));
        assert_eq!(
            Size::parse("65535x1").map(|s| s.to_string()),
            Some("65535x1".into())
        );
        for bad in [
            "80x", "x24", "0x1", "80X24", " 80x24", "+1x2", "65536x1", "1x70000",
        ] {
            assert_eq!(Size::parse(bad), None, "{bad}");
        }
    }
}
