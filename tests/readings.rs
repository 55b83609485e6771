//! The two readings of a cast's text agree: every line the transcript
//! gives (`text`) is among everything that was on screen (`text --all`,
//! what `grep` searches), on casts made to be hard: small screens that
//! resize often, both screens, scroll regions, resets, reverse index and
//! inserted and deleted lines.

use std::collections::HashMap;

use tvmux::cast::{Events, Flow};
use tvmux::screen::{self, Everything, Transcript};

/// A small generator with a fixed seed: the same casts every run, so that
/// the test never flakes and a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const PIECES: [&str; 22] = [
    "ab",
    "cdefgh",
    "xyz12345",
    "\r\n",
    "\n",
    "\x1b[H",
    "\x1b[2J",
    "\x1bM",
    "\x1b[L",
    "\x1b[M",
    "\x1b[K",
    "\r",
    "\x1b[?1049h",
    "\x1b[?1049l",
    "\x1bc",
    "\x1b[2;3r",
    "\x1b[r",
    "\x1b7",
    "\x1b8",
    "\x1b[4h",
    "\x1b[4l",
    "\x08",
];

/// A cast of up to 200 events, a quarter of them resizes (to 1-11 columns
/// and 1-5 rows).
fn hard_cast(rng: &mut XorShift) -> String {
    let (cols, rows) = if rng.below(2) == 0 { (3, 2) } else { (8, 4) };
    let mut cast = format!("{{\"version\": 2, \"width\": {cols}, \"height\": {rows}}}\n");
    let mut t = 0.0;
    for _ in 0..rng.below(200) {
        t += rng.below(3) as f64 * 0.5;
        if rng.below(4) == 0 {
            let (c, r) = (1 + rng.below(11), 1 + rng.below(5));
            cast.push_str(&format!("[{t:.3}, \"r\", \"{c}x{r}\"]\n"));
        } else {
            let data: String = (0..1 + rng.below(5))
                .map(|_| PIECES[rng.below(PIECES.len())])
                .collect();
            let data = serde_json::to_string(&data).unwrap();
            cast.push_str(&format!("[{t:.3}, \"o\", {data}]\n"));
        }
    }
    cast
}

/// The first line of the transcript of `cast` that everything lacks.
fn missing(cast: &str) -> Option<String> {
    let events = Events::open(cast.as_bytes()).unwrap();
    let mut count: HashMap<String, i64> = HashMap::new();
    screen::read::<Everything>(&events, 1, usize::MAX, |l| {
        *count.entry(l.line.text).or_default() += 1;
        Ok(Flow::Continue(()))
    })
    .unwrap();
    let mut first = None;
    screen::read::<Transcript>(&events, 1, usize::MAX, |l| {
        if l.text.trim().is_empty() {
            return Ok(Flow::Continue(()));
        }
        let n = count.entry(l.text.clone()).or_default();
        *n -= 1;
        if *n < 0 {
            first = Some(l.text);
            return Ok(Flow::Break(()));
        }
        Ok(Flow::Continue(()))
    })
    .unwrap();
    first
}

/// Before the mends this test came with, a third of such casts had a line
/// of `text` that `text --all` lacked. Not every one is mended: about 1 in
/// 20,000 casts of other seeds still has one (a line written and moved
/// while the other screen was shown, then reset).
#[test]
fn everything_holds_the_transcript_on_hard_casts() {
    let mut rng = XorShift(0x5eed_1234_5678);
    for case in 0..4000 {
        let cast = hard_cast(&mut rng);
        if let Some(line) = missing(&cast) {
            panic!("case {case}: {line:?} is in text, not in text --all\n{cast}");
        }
    }
}
