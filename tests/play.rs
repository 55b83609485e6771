//! `tvmux play` in a real terminal: a pane of a private tmux server runs
//! it, `send-keys` drives it, and what the pane shows is set against
//! `tvmux text --at` of the time the status line says (issue 23).

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::tmux_env::*;
use common::{path_str, realworld_casts, tvmux};

/// A pane of `cols` x `rows` (session `name`) running a shell.
fn pane(env: &Env, name: &str, cols: u32, rows: u32) -> String {
    let out = env.must_with_shell(&[
        "new-session",
        "-d",
        "-P",
        "-F",
        "#{pane_id}",
        "-s",
        name,
        "-x",
        &cols.to_string(),
        "-y",
        &rows.to_string(),
    ]);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Types `tvmux play ARGS` in `pane`, then an echo of its exit status
/// (`play-exit-N`).
fn run_play(env: &Env, pane: &str, args: &str) {
    let tvmux = env!("CARGO_BIN_EXE_tvmux");
    env.type_line(pane, &format!("{tvmux} play {args}; echo play-exit-$?"));
}

/// Runs `tvmux play ARGS… CAST` in `pane` and waits for its status line.
fn start_play(env: &Env, pane: &str, args: &str, cast: &Path) {
    run_play(env, pane, &format!("{args} '{}'", cast.display()));
    wait_until("the player", || status_line(env, pane).is_some());
}

/// The player's status line (the first row that has one).
fn status_line(env: &Env, pane: &str) -> Option<String> {
    env.screen(pane)
        .into_iter()
        .find(|l| l.starts_with(" paused ") || l.starts_with(" playing "))
}

/// Whether the status line shows `want` (to the millisecond); false while
/// it shows something else (`searching…`).
fn shows_time(env: &Env, pane: &str, want: f64) -> bool {
    status_line(env, pane).is_some_and(|line| (time_in(&line) - want).abs() < 0.002)
}

/// The time the status line shows, in seconds.
fn shown_time(env: &Env, pane: &str) -> f64 {
    time_in(&status_line(env, pane).expect("a status line"))
}

/// The time in a status line, in seconds.
fn time_in(line: &str) -> f64 {
    let clock = line.split_whitespace().nth(1).unwrap();
    let (m, s) = clock.rsplit_once(':').unwrap();
    let (h, m) = m
        .rsplit_once(':')
        .map_or((0.0, m), |(h, m)| (h.parse().unwrap(), m));
    h * 3600.0 + m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap()
}

/// The cast's screen at `time`, as `tvmux text --at` gives it, as rows of
/// `cols` (`text --at` joins a line wrapped over several rows).
fn text_at(cast: &Path, time: f64, cols: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let out = tvmux(&["text", "--at", &format!("{time:.6}"), path_str(cast)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rows = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut row = String::new();
        let mut width = 0;
        for c in line.chars() {
            let w = c.width().unwrap_or(0);
            if width + w > cols {
                rows.push(std::mem::take(&mut row));
                width = 0;
            }
            row.push(c);
            width += w;
        }
        rows.push(row.trim_end().to_string());
    }
    rows
}

/// What the pane shows above the status line, trailing blank rows left out.
fn shown_screen(env: &Env, pane: &str, rows: usize) -> Vec<String> {
    let mut screen: Vec<String> = env.screen(pane).into_iter().take(rows).collect();
    while screen.last().is_some_and(|l| l.is_empty()) {
        screen.pop();
    }
    screen
}

/// Waits until the pane shows the cast's screen at the time its status line
/// says (the status time is rounded to the millisecond: either side counts).
fn assert_shows_text_at(env: &Env, pane: &str, cast: &Path, rows: usize, step: &str) {
    let cols = size_of(cast).0 as usize;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let last = loop {
        let t = shown_time(env, pane);
        let got = shown_screen(env, pane, rows);
        // Rounded to the millisecond: either side counts.
        if [t, t + 0.0005, (t - 0.0005).max(0.0)]
            .iter()
            .any(|&want_t| text_at(cast, want_t, cols) == got)
        {
            return;
        }
        if std::time::Instant::now() > deadline {
            break (t, got, text_at(cast, t, cols));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    panic!(
        "{}: {step}: at {}s the pane shows\n{:#?}\nbut text --at gives\n{:#?}",
        cast.display(),
        last.0,
        last.1,
        last.2
    );
}

fn keys(env: &Env, pane: &str, keys: &[&str]) {
    for key in keys {
        env.must(&["send-keys", "-t", pane, key]);
    }
}

/// Size of a cast: (columns, rows).
fn size_of(cast: &Path) -> (u32, u32) {
    let out = tvmux(&["info", "--format", "json", path_str(cast)]);
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let size = info["size"].as_str().unwrap();
    let (cols, rows) = size.split_once('x').unwrap();
    (cols.parse().unwrap(), rows.parse().unwrap())
}

/// Writes a v2 cast of `events` (time, code, data) in `dir`.
fn cast_of(dir: &Path, name: &str, events: &[(f64, &str, &str)]) -> PathBuf {
    let mut text = String::from("{\"version\": 2, \"width\": 40, \"height\": 8}\n");
    for (t, code, data) in events {
        text.push_str(&serde_json::to_string(&(t, code, data)).unwrap());
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// On real-world casts: the screen at the start (paused), after percent
/// jumps back and forth, after steps forward and back, is what `text --at`
/// says of the time shown.
#[test]
#[cfg_attr(
    not(realworld_casts),
    ignore = "../shared/realworld-casts not found beside the project"
)]
fn the_screen_is_text_at_the_time_shown_after_every_key() {
    let env = Env::new();
    let mut tried = 0;
    for cast in realworld_casts() {
        if tried == 6 || !tvmux(&["validate", path_str(&cast)]).status.success() {
            continue;
        }
        let (cols, rows) = size_of(&cast);
        // Casts that fit a pane with room for the status line.
        if cols > 160 || rows > 50 {
            continue;
        }
        tried += 1;
        let name = format!("p{tried}");
        let p = pane(&env, &name, cols + 2, rows + 2);
        start_play(&env, &p, "--paused", &cast);
        let rows = rows as usize;
        assert_shows_text_at(&env, &p, &cast, rows, "start, paused");
        for (key, step) in [
            ("5", "50 %"),
            ("8", "80 %"),
            ("2", "20 %"),
            (".", "one event forward"),
            (".", "another"),
            (",", "one event back"),
            ("Right", "5 s forward"),
            ("Left", "5 s back"),
            ("0", "the start"),
        ] {
            keys(&env, &p, &[key]);
            std::thread::sleep(Duration::from_millis(200));
            assert_shows_text_at(&env, &p, &cast, rows, step);
        }
        keys(&env, &p, &["q"]);
        wait_until("the player's exit", || {
            env.screen(&p).iter().any(|l| l == "play-exit-0")
        });
    }
    assert!(tried >= 3, "only {tried} real-world casts fit");
}

/// Markers (`[` and `]`) and search (`/`, `n`, `N`) go to their times; the
/// status line names a marker passed.
#[test]
fn markers_and_search_go_to_their_times() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let cast = cast_of(
        dir.path(),
        "marked.cast",
        &[
            (0.5, "o", "first\r\n"),
            (1.0, "m", "one"),
            (2.0, "o", "second needle\r\n"),
            (3.0, "m", "two"),
            (4.0, "o", "\u{1b}[2Jthird\r\n"),
            (5.0, "o", "needle again\r\n"),
            (6.0, "o", "end\r\n"),
        ],
    );
    let p = pane(&env, "marks", 50, 12);
    start_play(&env, &p, "--paused", &cast);
    let near = |want: f64| {
        let t = shown_time(&env, &p);
        assert!((t - want).abs() < 0.002, "at {t}, not {want}");
    };
    keys(&env, &p, &["]"]);
    wait_until("the first marker", || shows_time(&env, &p, 1.0));
    assert!(status_line(&env, &p).unwrap().contains("marker: one"));
    assert_shows_text_at(&env, &p, &cast, 8, "the first marker");
    keys(&env, &p, &["]"]);
    wait_until("the second marker", || shows_time(&env, &p, 3.0));
    keys(&env, &p, &["["]);
    wait_until("back to the first", || shows_time(&env, &p, 1.0));
    near(1.0);
    // Search: the next time "needle" is on screen, then the next, then back.
    keys(&env, &p, &["/"]);
    env.must(&["send-keys", "-t", &p, "-l", "needle"]);
    keys(&env, &p, &["Enter"]);
    wait_until("the first match", || shows_time(&env, &p, 2.0));
    assert_shows_text_at(&env, &p, &cast, 8, "the first match");
    keys(&env, &p, &["n"]);
    wait_until("the next match", || shows_time(&env, &p, 5.0));
    assert!(env.screen(&p).iter().any(|l| l == "needle again"));
    keys(&env, &p, &["N"]);
    wait_until("the previous match", || shows_time(&env, &p, 2.0));
    keys(&env, &p, &["q"]);
    wait_until("the exit", || {
        env.screen(&p).iter().any(|l| l == "play-exit-0")
    });
}

/// `q` and Ctrl-C give the terminal back as it was: the normal screen with
/// what it showed, the cursor shown, the pane's modes as they were.
#[test]
fn the_terminal_is_given_back_after_q_and_ctrl_c() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let cast = cast_of(
        dir.path(),
        "modes.cast",
        &[
            (
                0.1,
                "o",
                "\u{1b}[?1049h\u{1b}[?25l\u{1b}[31mred on the alternate screen",
            ),
            (9.0, "o", "late"),
        ],
    );
    let p = pane(&env, "restore", 60, 14);
    env.type_line(&p, "echo before-play");
    wait_until("the line before", || {
        env.screen(&p).iter().any(|l| l == "before-play")
    });
    for (quit, code) in [("q", 0), ("C-c", 0)] {
        start_play(&env, &p, "", &cast);
        wait_until("the cast's text", || {
            env.screen(&p)
                .iter()
                .any(|l| l.contains("red on the alternate"))
        });
        assert_eq!(
            env.query(&p, "#{alternate_on}"),
            "1",
            "the player's own screen"
        );
        keys(&env, &p, &[quit]);
        wait_until("the exit", || {
            env.screen(&p)
                .iter()
                .any(|l| l == &format!("play-exit-{code}"))
        });
        assert_eq!(env.query(&p, "#{alternate_on}"), "0", "after {quit}");
        assert_eq!(env.query(&p, "#{cursor_flag}"), "1", "after {quit}");
        assert!(
            env.screen(&p).iter().any(|l| l == "before-play"),
            "after {quit}"
        );
        // The pen is the shell's again: what is typed is not red.
        let capture = env.tmux(&["capture-pane", "-p", "-e", "-t", &p]);
        let last = String::from_utf8_lossy(&capture.stdout)
            .lines()
            .rfind(|l| l.contains("play-exit"))
            .unwrap()
            .to_string();
        assert!(!last.contains("\u{1b}[31m"), "{last:?}");
    }
}

/// `--speed 4` plays four times as fast; the end of the cast ends the
/// player with 0.
#[test]
fn speed_and_the_end() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let cast = cast_of(
        dir.path(),
        "timed.cast",
        &[
            (0.2, "o", "early\r\n"),
            (4.0, "o", "late\r\n"),
            (4.4, "o", "last\r\n"),
        ],
    );
    let p = pane(&env, "speed", 50, 12);
    let started = std::time::Instant::now();
    run_play(&env, &p, &format!("--speed 4 '{}'", cast.display()));
    wait_until("the end", || {
        env.screen(&p).iter().any(|l| l == "play-exit-0")
    });
    let took = started.elapsed();
    // 4.4 s of cast at 4x: about 1.1 s.
    assert!(
        took > Duration::from_millis(900) && took < Duration::from_millis(3500),
        "{took:?}"
    );
}

/// `--follow` plays what is appended to the cast while it plays.
#[test]
fn follow_plays_what_is_appended() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let cast = cast_of(
        dir.path(),
        "live.cast",
        &[(0.1, "o", "recorded so far\r\n")],
    );
    let p = pane(&env, "follow", 50, 12);
    start_play(&env, &p, "--follow", &cast);
    wait_until("the first line", || {
        env.screen(&p).iter().any(|l| l == "recorded so far")
    });
    // A recorder appends, a line at a time; a torn line waits for its end.
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&cast)
        .unwrap();
    file.write_all(b"[0.5, \"o\", \"appended later\\r\\n\"]\n[0.6, \"o\", \"to")
        .unwrap();
    file.flush().unwrap();
    wait_until("the appended line", || {
        env.screen(&p).iter().any(|l| l == "appended later")
    });
    file.write_all(b"rn in two\\r\\n\"]\n").unwrap();
    file.flush().unwrap();
    wait_until("the line completed", || {
        env.screen(&p).iter().any(|l| l == "torn in two")
    });
    keys(&env, &p, &["q"]);
    wait_until("the exit", || {
        env.screen(&p).iter().any(|l| l == "play-exit-0")
    });
}

/// Not a terminal, not a cast, a missing file, a directory: one line, 2;
/// a damaged cast plays up to the damage, then says so: 1.
#[test]
fn bad_input_and_damage() {
    let dir = tempfile::tempdir().unwrap();
    let cast = cast_of(dir.path(), "ok.cast", &[(0.1, "o", "x")]);
    // Standard input and output are not a terminal here.
    let out = tvmux(&["play", path_str(&cast)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
    let junk = dir.path().join("junk.cast");
    std::fs::write(&junk, "hello\n").unwrap();
    for bad in [junk.as_path(), Path::new("/nonexistent.cast"), dir.path()] {
        let out = tvmux(&["play", path_str(bad)]);
        assert_eq!(out.status.code(), Some(2), "{}", bad.display());
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    }
    let env = Env::new();
    let damaged = cast_of(
        dir.path(),
        "damaged.cast",
        &[(0.1, "o", "before the damage\r\n")],
    );
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes.extend_from_slice(b"[0.2, \"o\", \"torn");
    std::fs::write(&damaged, bytes).unwrap();
    let p = pane(&env, "damage", 50, 12);
    run_play(&env, &p, &format!("'{}'", damaged.display()));
    wait_until("the exit", || {
        env.screen(&p).iter().any(|l| l == "play-exit-1")
    });
    let said = env.screen(&p).join("\n");
    assert!(said.contains("tvmux repair"), "{said}");
}

/// `play -t WINDOW` follows that window's live recording.
#[test]
fn play_follows_a_live_recording() {
    let env = Env::new();
    env.start();
    let recorded = env.query("work", "#{pane_id}");
    let window = env.query("work", "#{window_id}");
    let p = pane(&env, "watch", 100, 30);
    // The watching pane talks to the same tvmux server.
    env.type_line(
        &p,
        &format!(
            "export TVMUX_RUNTIME_DIR='{}' TVMUX_CONFIG_FILE='{}'",
            env.dir.path().join("run").display(),
            env.dir.path().join("none.conf").display()
        ),
    );
    run_play(&env, &p, &format!("-t {window}"));
    wait_until("the player", || status_line(&env, &p).is_some());
    env.type_line(&recorded, "echo live-''line");
    wait_until("the live line in the player", || {
        env.screen(&p).iter().any(|l| l.starts_with("live-line"))
    });
    keys(&env, &p, &["q"]);
    wait_until("the exit", || {
        env.screen(&p).iter().any(|l| l == "play-exit-0")
    });
}

/// A terminal smaller than the cast shows its top-left part and says so;
/// a resize while paused redraws at once.
#[test]
fn a_smaller_terminal_shows_the_top_left() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let cast = cast_of(
        dir.path(),
        "wide.cast",
        &[(
            0.1,
            "o",
            "0123456789012345678901234567890123456789\r\nsecond",
        )],
    );
    let p = pane(&env, "small", 50, 12);
    start_play(&env, &p, "--paused --at 1", &cast);
    wait_until("the whole row", || {
        env.screen(&p).first().is_some_and(|l| l.len() == 40)
    });
    env.must(&["resize-window", "-t", "small", "-x", "30", "-y", "12"]);
    wait_until("the top-left part, said", || {
        let screen = env.screen(&p);
        screen
            .first()
            .is_some_and(|l| l == "012345678901234567890123456789")
            && status_line(&env, &p).is_some_and(|s| s.contains("40x8"))
    });
    keys(&env, &p, &["q"]);
    wait_until("the exit", || {
        env.screen(&p).iter().any(|l| l == "play-exit-0")
    });
}
