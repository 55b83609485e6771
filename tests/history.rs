//! `tvmux text` and `tvmux grep` through the real binary: the text is what
//! the screen showed, and each line carries the time it was written, not the
//! time it scrolled away.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{stdout, tvmux};

/// A 40x6 terminal: a build that fails at 3 s, typed one key per event, then
/// enough output to scroll the failure off the screen.
fn build_log(dir: &Path, name: &str) -> PathBuf {
    let mut lines = vec![r#"{"version": 2, "width": 40, "height": 6}"#.to_string()];
    let mut ev = |t: f64, data: &str| lines.push(serde_json::to_string(&(t, "o", data)).unwrap());
    for (n, key) in "make".chars().enumerate() {
        ev(0.1 * (n + 1) as f64, &key.to_string());
    }
    ev(0.5, "\r\n");
    ev(1.0, "compiling \u{1b}[1mfoo\u{1b}[0m\r\n");
    ev(2.0, "warning: unused \u{1b}[33mbar\u{1b}[0m\r\n");
    ev(3.0, "\u{1b}[31mmake: *** [all] Error 2\u{1b}[0m\r\n");
    for n in 0..8 {
        ev(5.0 + n as f64, &format!("after {n}\r\n"));
    }
    ev(14.0, "$ ");
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = tvmux(args);
    (
        out.status.code().unwrap_or(-1),
        stdout(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn text_is_what_the_screen_showed() {
    let dir = tempfile::tempdir().unwrap();
    let cast = build_log(dir.path(), "build.cast");
    let c = cast.to_str().unwrap();
    let (code, text, _) = run(&["text", c]);
    assert_eq!(code, 0);
    let want = [
        "make",
        "compiling foo",
        "warning: unused bar",
        "make: *** [all] Error 2",
    ];
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(&lines[..4], want, "{text}");
    assert_eq!(lines.last(), Some(&"$"), "{text}");
    assert_eq!(lines.len(), 4 + 8 + 1);
    // With times: when each line was written (the last key of `make`).
    let (_, timed, _) = run(&["text", "--times", c]);
    let timed: Vec<&str> = timed.lines().collect();
    assert_eq!(timed[0], "00:00:00.400 make");
    assert_eq!(timed[3], "00:00:03.000 make: *** [all] Error 2");
    // The screen at a moment.
    let (_, screen, _) = run(&["text", "--at", "3.5", c]);
    assert_eq!(screen.lines().collect::<Vec<_>>(), want);
}

#[test]
fn grep_finds_lines_with_the_time_they_were_written() {
    let dir = tempfile::tempdir().unwrap();
    let cast = build_log(dir.path(), "build.cast");
    let c = cast.to_str().unwrap();
    // The failure scrolled off at 7 s; it was written at 3 s.
    let (code, out, _) = run(&["grep", r"make: \*\*\*", c]);
    assert_eq!(code, 0);
    assert_eq!(out, format!("{c}:00:00:03.000: make: *** [all] Error 2\n"));
    // Case, context with group separators, JSON.
    let (_, out, _) = run(&["grep", "-i", "WARNING", c]);
    assert!(out.contains(":00:00:02.000: warning: unused bar"), "{out}");
    let (_, out, _) = run(&["grep", "-C", "1", "after [05]", c]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3 + 1 + 3, "{out}");
    assert!(lines[0].contains("-00:00:03.000- make: ***"), "{out}");
    assert!(lines[1].contains(":00:00:05.000: after 0"), "{out}");
    assert_eq!(lines[3], "--");
    let (_, out, _) = run(&["grep", "--json", "Error", c]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (
            v["type"].as_str(),
            v["time"].as_f64(),
            v["submatches"][0]["match"].as_str()
        ),
        (Some("match"), Some(3.0), Some("Error"))
    );
    // Colour only when asked (not a terminal here).
    let (_, plain, _) = run(&["grep", "Error", c]);
    assert!(!plain.contains('\u{1b}'));
    let (_, coloured, _) = run(&["grep", "--color", "always", "Error", c]);
    assert!(
        coloured.contains("\u{1b}[1;31mError\u{1b}[0m"),
        "{coloured}"
    );
}

#[test]
fn grep_searches_directories_and_the_recordings_directory_and_says_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let a = build_log(dir.path(), "a.cast");
    let b = build_log(dir.path(), "b.cast");
    let d = dir.path().to_str().unwrap();
    let (code, out, _) = run(&["grep", "Error 2", d]);
    assert_eq!(code, 0);
    let files: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(files, [a.to_str().unwrap(), b.to_str().unwrap()]);
    // No path: the configured recordings directory.
    let out = Command::new(env!("CARGO_BIN_EXE_tvmux"))
        .args(["grep", "Error 2"])
        .env("TVMUX_CONFIG_FILE", dir.path().join("none.conf"))
        .env("TVMUX_OUTPUT_DIRECTORY", d)
        .output()
        .unwrap();
    assert_eq!(stdout(&out).lines().count(), 2);
    // Exit status: 1 when nothing matched, 2 for an error (after printing
    // what was found), 2 for a bad pattern.
    assert_eq!(run(&["grep", "nowhere to be found", d]).0, 1);
    let damaged = common::testdata("damaged/time-backwards.cast");
    let (code, out, err) = run(&[
        "grep",
        "Error 2",
        a.to_str().unwrap(),
        damaged.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert_eq!(out.lines().count(), 1);
    assert!(
        err.contains("time-backwards.cast") && err.contains("line 4"),
        "{err}"
    );
    let (code, _, err) = run(&["grep", "(unclosed", d]);
    assert_eq!(code, 2);
    assert!(err.contains("unclosed"), "{err}");
}
