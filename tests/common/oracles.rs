//! Oracles for the recorder's fidelity: the screen a cast replays to, set
//! against tmux's own view of the pane, by an independent emulator (vt100,
//! cell by cell), by asciinema's own (avt, text as the player shows it) and
//! by tmux itself (the cast replayed into a fresh pane).

use std::path::Path;
use std::time::{Duration, Instant};

use super::tmux_env::{Env, events, render, rendered_lines};

/// tmux's own view of a pane, cell by cell: `capture-pane -e -N` (escapes,
/// trailing blanks kept) drawn into an independent emulator of the pane's size.
pub fn tmux_cells(env: &Env, target: &str) -> vt100::Parser {
    let size = env.query(target, "#{pane_width} #{pane_height}");
    let (cols, rows) = size.split_once(' ').unwrap();
    let nz = |n: &str| std::num::NonZeroU16::new(n.parse().unwrap()).unwrap();
    let mut parser = vt100::Parser::new(nz(rows), nz(cols), 0);
    let out = env.tmux(&["capture-pane", "-p", "-e", "-N", "-t", target]);
    // Attributes carry from one captured row to the next: position, never reset.
    for (y, row) in out.stdout.split(|&b| b == b'\n').enumerate() {
        parser.process(format!("\u{1b}[{};1H", y + 1).as_bytes());
        parser.process(row);
    }
    parser
}

/// Where the screen rendered from the cast differs from tmux's, cell by
/// cell: text, colours, bold, italic, underline and inverse.
pub fn cell_diffs(env: &Env, target: &str, path: &Path) -> Vec<String> {
    let want = tmux_cells(env, target);
    let got = render(path);
    let (rows, cols) = want.screen().size();
    if got.screen().size() != (rows, cols) {
        return vec![format!(
            "screen size: cast {:?}, tmux {:?}",
            got.screen().size(),
            (rows, cols)
        )];
    }
    let key = |c: Option<&vt100::Cell>| {
        c.map(|c| {
            let text = if c.has_contents() {
                c.contents().to_string()
            } else {
                " ".into()
            };
            (
                text,
                c.fgcolor(),
                c.bgcolor(),
                c.bold(),
                c.italic(),
                c.underline(),
                c.inverse(),
            )
        })
    };
    let mut diffs = Vec::new();
    for y in 0..rows.get() {
        for x in 0..cols.get() {
            let (a, b) = (key(got.screen().cell(y, x)), key(want.screen().cell(y, x)));
            if a != b {
                diffs.push(format!("({y},{x}): cast {a:?} tmux {b:?}"));
            }
        }
    }
    if !diffs.is_empty() {
        diffs.push(format!(
            "cast rows: {:?}\ntmux rows: {:?}",
            rendered_lines(&got),
            rendered_lines(&want)
        ));
    }
    diffs
}

/// The screen rendered from the cast equals tmux's, cell by cell.
pub fn assert_same_cells(env: &Env, target: &str, path: &Path) {
    let diffs = cell_diffs(env, target, path);
    assert!(
        diffs.is_empty(),
        "{} cells differ:\n{}\n{}",
        diffs.len() - 1,
        diffs[..diffs.len().min(8)].join("\n"),
        diffs.last().unwrap()
    );
}

/// The cast as asciinema's own terminal (avt, which its player uses) shows it.
pub fn avt_screen(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let mut vt = avt::Terminal::new(
        header["width"].as_u64().unwrap() as usize,
        header["height"].as_u64().unwrap() as usize,
    )
    .unwrap();
    for (_, code, data) in events(path) {
        match code.as_str() {
            "o" => vt.feed(data.as_str()),
            "r" => {
                let (c, r) = data.split_once('x').unwrap();
                vt.resize(c.parse().unwrap(), r.parse().unwrap());
            }
            _ => {}
        }
    }
    rows_of(&vt)
}

/// Each row of avt's screen as shown (`text()` would join wrapped rows).
pub fn rows_of(vt: &avt::Terminal) -> Vec<String> {
    (0..vt.size().1)
        .map(|y| {
            vt.screen()
                .line(y)
                .map(|l| l.text().trim_end().to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// tmux's view of a pane in avt: `capture-pane -e -N` drawn as tmux's own
/// client draws it (G1 the DEC graphics set, line drawing between SO and SI).
pub fn tmux_screen_in_avt(env: &Env, target: &str) -> Vec<String> {
    let size = env.query(target, "#{pane_width} #{pane_height}");
    let (cols, rows) = size.split_once(' ').unwrap();
    let mut vt = avt::Terminal::new(cols.parse().unwrap(), rows.parse().unwrap()).unwrap();
    vt.feed("\u{1b})0");
    let out = env.tmux(&["capture-pane", "-p", "-e", "-N", "-t", target]);
    for (y, row) in String::from_utf8_lossy(&out.stdout).split('\n').enumerate() {
        vt.feed(format!("\u{1b}[{};1H{row}", y + 1).as_str());
    }
    rows_of(&vt)
}

/// Text as the player shows it, line drawing included (vt100 has no charsets).
pub fn assert_same_text_in_avt(env: &Env, target: &str, path: &Path) {
    assert_eq!(
        avt_screen(path),
        tmux_screen_in_avt(env, target),
        "avt's screen differs from tmux's"
    );
}

/// Waits until the cast, rendered by vt100 (cells) and by avt (text), shows
/// `target` as tmux does; then asserts it (with the differences if not).
pub fn assert_converges(env: &Env, target: &str, path: &Path, step: &str) {
    let same = || {
        cell_diffs(env, target, path).is_empty()
            && avt_screen(path) == tmux_screen_in_avt(env, target)
    };
    // Equal on three samples in a row: tmux may still be redrawing (less
    // after a resize), and an equal intermediate state is not the end.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stable = 0;
    while stable < 3 && Instant::now() < deadline {
        stable = if same() { stable + 1 } else { 0 };
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "fidelity: {step} ({:.1} s)",
        (Instant::now() + Duration::from_secs(10) - deadline).as_secs_f64()
    );
    if stable == 3 {
        return;
    }
    assert_same_cells(env, target, path);
    assert_same_text_in_avt(env, target, path);
}

/// What tmux makes of the cast: its output replayed into a fresh pane of
/// the cast's last size (a session of its own on the same server), as
/// `capture-pane -e -N` shows it. tmux reads what the other oracles do not
/// (overline, underline styles and colours, the old alternate screen).
pub fn tmux_replay(env: &Env, path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let mut size = (header["width"].to_string(), header["height"].to_string());
    let mut output = String::new();
    for (_, code, data) in events(path) {
        match code.as_str() {
            "o" => output.push_str(&data),
            "r" => {
                let (c, r) = data.split_once('x').unwrap();
                size = (c.to_string(), r.to_string());
            }
            _ => {}
        }
    }
    let dir = env.dir.path();
    let (raw, go, done) = (dir.join("replay.raw"), dir.join("go"), dir.join("done"));
    for file in [&go, &done] {
        let _ = std::fs::remove_file(file);
    }
    std::fs::write(&raw, output).unwrap();
    // The pane waits until it has the cast's size, then plays it raw.
    let script = format!(
        "stty raw -echo; while [ ! -e '{}' ]; do sleep 0.02; done; cat '{}'; touch '{}'; exec sleep 600",
        go.display(),
        raw.display(),
        done.display()
    );
    let (cols, rows) = (size.0.as_str(), size.1.as_str());
    env.must(&[
        "new-session",
        "-d",
        "-s",
        "replay",
        "-x",
        cols,
        "-y",
        rows,
        "sh",
        "-c",
        &script,
    ]);
    env.must(&["set-option", "-t", "replay", "status", "off"]);
    env.must(&["resize-window", "-t", "replay", "-x", cols, "-y", rows]);
    std::fs::write(&go, "").unwrap();
    super::tmux_env::wait_until("the replay", || done.exists());
    std::thread::sleep(Duration::from_millis(100));
    let screen = capture(env, "replay");
    env.must(&["kill-session", "-t", "replay"]);
    screen
}

/// `capture-pane -p -e -N`: every cell with its attributes, as tmux says.
pub fn capture(env: &Env, target: &str) -> String {
    let out = env.must(&["capture-pane", "-p", "-e", "-N", "-t", target]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// tmux shows the cast replayed as it shows `target`, attribute for attribute.
pub fn assert_same_in_tmux(env: &Env, target: &str, path: &Path) {
    let (got, want) = (tmux_replay(env, path), capture(env, target));
    assert_eq!(
        got, want,
        "tmux shows the replayed cast otherwise than the pane"
    );
}
