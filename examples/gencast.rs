//! Generates a large, realistic cast for benchmarks:
//! `cargo run --release --example gencast -- SIZE_MIB OUT [v2|v3] [clean|torn|mid|shell|screen|flood]`.
//!
//! Events are terminal-like output (ANSI colours, CRLF, some UTF-8) written
//! through `CastWriter`, so the file is valid unless damage is asked for.
//! Two more shapes that real recordings have: `shell`, an interactive shell
//! (mostly one-key echoes, ~30 bytes a line), and `screen`, a full-screen
//! program (cursor moves, colour and short non-ASCII text, ~80 bytes a line).
//! And `flood`: a program printing faster than the terminal reads (a build,
//! `cat` of a log), the mixed output in events of 4 KiB and more.

use std::fs::File;
use std::io::{BufWriter, Write};

use tvmux::cast::{CastWriter, Fsync};
use tvmux::cast::{FlushPolicy, Header, Version};

const WORDS: &[&str] = &[
    "ls",
    "-la",
    "total",
    "drwxr-xr-x",
    "root",
    "cargo",
    "build",
    "Compiling",
    "tvmux",
    "v0.1.0",
    "warning:",
    "error[E0308]:",
    "café",
    "naïve",
    "€",
    "│",
    "─",
    "✓",
    "src/main.rs",
    "42",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mib: u64 = args.first().and_then(|a| a.parse().ok()).expect("SIZE_MIB");
    let out = args.get(1).expect("OUT");
    let version = match args.get(2).map(String::as_str) {
        Some("v3") => Version::V3,
        _ => Version::V2,
    };
    let damage = args.get(3).cloned().unwrap_or_else(|| "clean".into());
    let target = mib << 20;
    let file = BufWriter::with_capacity(1 << 20, File::create(out).expect("create OUT"));
    let policy = FlushPolicy {
        fsync: Fsync::Never,
        max_buffer: 1 << 20,
        ..FlushPolicy::default()
    };
    let mut w = CastWriter::create(
        Counting { inner: file, n: 0 },
        &Header::new(version, 120, 40),
        policy,
    )
    .unwrap();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut t, mut line) = (0.0, String::new());
    let mut mid_done = damage != "mid";
    while w_bytes(&mut w) < target {
        t += (next() % 50_000) as f64 / 1e6;
        line.clear();
        if damage == "shell" {
            shell_event(&mut line, next());
            w.output(t, line.as_bytes()).unwrap();
            continue;
        }
        if damage == "screen" {
            screen_event(&mut line, next());
            w.output(t, line.as_bytes()).unwrap();
            continue;
        }
        if damage == "flood" {
            while line.len() < 4096 {
                mixed_line(&mut line, &mut next);
            }
            w.output(t, line.as_bytes()).unwrap();
            continue;
        }
        mixed_line(&mut line, &mut next);
        w.output(t, line.as_bytes()).unwrap();
        if !mid_done && w_bytes(&mut w) >= target / 2 {
            w.flush().unwrap();
            w_sink(&mut w)
                .write_all(b"[12.5, \"o\", \"torn in the middle\0\0\0\0\n")
                .unwrap();
            mid_done = true;
        }
    }
    w.flush().unwrap();
    if damage == "torn" {
        w_sink(&mut w)
            .write_all(b"[99999.0, \"o\", \"torn at the e")
            .unwrap();
    }
    let mut sink = w.finish(t).unwrap();
    sink.inner.flush().unwrap();
}

/// A line of program output: words, sometimes in colour, and CRLF.
fn mixed_line(line: &mut String, next: &mut impl FnMut() -> u64) {
    let colour = next() % 8;
    if colour < 3 {
        line.push_str(&format!("\x1b[1;3{colour}m"));
    }
    for _ in 0..(1 + next() % 12) {
        line.push_str(WORDS[(next() % WORDS.len() as u64) as usize]);
        line.push(' ');
    }
    if colour < 3 {
        line.push_str("\x1b[0m");
    }
    line.push_str("\r\n");
}

/// A shell's echo of one key, now and then a line erase or a new prompt.
fn shell_event(line: &mut String, r: u64) {
    const KEYS: &[u8] = b"abcdefghijklmnopqrstuvwxyz -./";
    match r % 10 {
        0 => line.push_str("\r\n\x1b[32muser@host\x1b[0m:~$ "),
        1 => line.push_str("\x08\x1b[K"),
        _ => line.push(KEYS[(r >> 8) as usize % KEYS.len()] as char),
    }
}

/// A full-screen program's update: move, colour, a few cells of text.
fn screen_event(line: &mut String, r: u64) {
    const CELLS: &[&str] = &["│", "─", "┌", "✓", "café", "→", "█", "░", "λ", "日本"];
    let (row, col, colour) = (1 + r % 40, 1 + (r >> 8) % 120, 16 + (r >> 16) % 216);
    line.push_str(&format!("\x1b[{row};{col}H\x1b[38;5;{colour}m"));
    for i in 0..(1 + (r >> 24) % 3) {
        line.push_str(CELLS[((r >> (32 + 4 * i)) % CELLS.len() as u64) as usize]);
    }
    line.push_str("\x1b[m");
}

/// Counts bytes written, so the generator knows when to stop.
struct Counting<W: Write> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> tvmux::cast::CastSink for Counting<W> {
    fn sync(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn w_bytes<W: Write>(w: &mut CastWriter<Counting<W>>) -> u64 {
    w_sink(w).n
}

fn w_sink<W: Write>(w: &mut CastWriter<Counting<W>>) -> &mut Counting<W> {
    w.sink_mut()
}
