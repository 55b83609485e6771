//! Pane sizes from a tmux layout string, as sent in `%layout-change`:
//! `CHECKSUM,CELL` where a cell is `WxH,X,Y` followed by `,PANE` (a pane) or
//! by `{CELL,…}` / `[CELL,…]` (side by side / stacked).

use crate::tmux::PaneId;

/// The size (columns, rows) of `pane` in `layout`, if it is there.
pub fn pane_size(layout: &str, pane: PaneId) -> Option<(u32, u32)> {
    panes(layout)?
        .into_iter()
        .find_map(|(id, size)| (id == pane).then_some(size))
}

/// The size (columns, rows) of the whole window `layout` describes.
pub fn window_size(layout: &str) -> Option<(u32, u32)> {
    let (_, cell) = layout.split_once(',')?;
    let mut p = Parser {
        s: cell.as_bytes(),
        i: 0,
        found: Vec::new(),
    };
    let w = p.number()?;
    p.eat(b'x')?;
    Some((w, p.number()?))
}

/// Every pane of `layout` with its size; `None` when the layout is not one.
pub fn panes(layout: &str) -> Option<Vec<(PaneId, (u32, u32))>> {
    let (_, cell) = layout.split_once(',')?;
    let mut p = Parser {
        s: cell.as_bytes(),
        i: 0,
        found: Vec::new(),
    };
    p.cell()?;
    Some(p.found)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    found: Vec<(PaneId, (u32, u32))>,
}

impl Parser<'_> {
    fn number(&mut self) -> Option<u32> {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.s.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn cell(&mut self) -> Option<()> {
        let w = self.number()?;
        self.eat(b'x')?;
        let h = self.number()?;
        self.eat(b',')?;
        self.number()?;
        self.eat(b',')?;
        self.number()?;
        match self.s.get(self.i) {
            Some(b',') => {
                // A comma followed by a digit run and then a delimiter is a pane id;
                // a comma followed by the next cell belongs to the parent list.
                let save = self.i;
                self.i += 1;
                let id = self.number()?;
                if matches!(self.s.get(self.i), None | Some(b',' | b'}' | b']'))
                    && !self.next_is_size()
                {
                    self.found.push((PaneId(id), (w, h)));
                    Some(())
                } else {
                    self.i = save;
                    Some(())
                }
            }
            Some(&open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                loop {
                    self.cell()?;
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(&c) if c == close => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => Some(()),
        }
    }

    /// After a number: is this actually the width of a sibling cell (`NxM`)?
    fn next_is_size(&self) -> bool {
        self.s.get(self.i) == Some(&b'x')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_pane() {
        assert_eq!(pane_size("b25f,80x24,0,0,2", PaneId(2)), Some((80, 24)));
        assert_eq!(pane_size("b25f,80x24,0,0,2", PaneId(3)), None);
    }

    #[test]
    fn nested_splits() {
        let layout = "bb62,159x48,0,0{79x48,0,0,79,79x48,80,0[79x24,80,0,80,79x23,80,25,81]}";
        assert_eq!(pane_size(layout, PaneId(79)), Some((79, 48)));
        assert_eq!(pane_size(layout, PaneId(80)), Some((79, 24)));
        assert_eq!(pane_size(layout, PaneId(81)), Some((79, 23)));
        assert_eq!(pane_size("garbage", PaneId(1)), None);
        assert_eq!(window_size(layout), Some((159, 48)));
        assert_eq!(window_size("garbage"), None);
        let ids: Vec<PaneId> = panes(layout).unwrap().into_iter().map(|p| p.0).collect();
        assert_eq!(ids, [PaneId(79), PaneId(80), PaneId(81)]);
    }
}
