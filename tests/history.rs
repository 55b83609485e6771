//! `tvmux text` and `tvmux grep` through the real binary: the text is what
//! the screen showed, and each line carries the time it was written, not the
//! time it scrolled away.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{path_str, stdout, tvmux};

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

/// A password typed one key per event (input and its echo), the same
/// password split by a colour change, in a window title, and a wide one.
fn secret_cast(dir: &Path) -> PathBuf {
    let mut lines = vec![r#"{"version": 2, "width": 40, "height": 6}"#.to_string()];
    let mut t = 0.0;
    let mut ev = |code: &str, data: &str| {
        t += 0.1;
        lines.push(serde_json::to_string(&(t, code, data)).unwrap());
    };
    ev("o", "$ ");
    for key in "mysql -phunter2 db".chars() {
        ev("i", &key.to_string());
        ev("o", &key.to_string());
    }
    ev("o", "\r\npassword is \u{1b}[31mhun\u{1b}[0mter2 ok\r\n");
    ev("o", "\u{1b}]0;mysql -phunter2\u{7}title set\r\n");
    ev("o", "wide: 秘密 here\r\n");
    let path = dir.join("secret.cast");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The screen (as text) after each of the first `n` events, for every n.
fn frames(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut vt = vt100::Parser::new(
        std::num::NonZeroU16::new(6).unwrap(),
        std::num::NonZeroU16::new(40).unwrap(),
        0,
    );
    let mut frames = Vec::new();
    for line in text.lines().skip(1) {
        let (_, code, data): (f64, String, String) = serde_json::from_str(line).unwrap();
        if code == "o" {
            vt.process(data.as_bytes());
        }
        frames.push(vt.screen().contents());
    }
    frames
}

#[test]
fn redact_masks_every_secret_in_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let cast = secret_cast(dir.path());
    let c = cast.to_str().unwrap();
    let out = dir.path().join("clean.cast");
    // A dry run lists them and writes nothing.
    let (code, list, err) = run(&[
        "redact",
        "--dry-run",
        "hunter2",
        c,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(list.lines().count(), 4, "{list}");
    assert!(err.contains("would mask 4 matches"), "{err}");
    assert!(!out.exists());
    let (code, _, err) = run(&[
        "redact",
        "-F",
        "hunter2",
        "秘密",
        c,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("masked 5 matches"), "{err}");
    let bytes = std::fs::read_to_string(&out).unwrap();
    assert!(!bytes.contains("hunter2") && !bytes.contains("秘密"));
    assert!(tvmux(&["validate", out.to_str().unwrap()]).status.success());
    common::asciinema_cat(&out);
    // Frame by frame, the screens are the input's with the secret masked
    // (same width: the layout does not move), and none shows it.
    let before = frames(&cast);
    let after = frames(&out);
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert!(!b.contains("hunter2") && !b.contains("hunt"), "{b}");
        // Cell for cell: the same, or a `*` where the input shows a
        // secret's character (a wide one covers two cells).
        let a = a.replace(['秘', '密'], "**");
        let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        assert_eq!(x.len(), y.len(), "{a}\n{b}");
        for (p, q) in x.iter().zip(&y) {
            assert!(p == q || (*q == '*' && "hunter2*".contains(*p)), "{a}\n{b}");
        }
    }
    assert_eq!(
        after.last().unwrap(),
        &before
            .last()
            .unwrap()
            .replace("hunter2", "*******")
            .replace("秘密", "****")
    );
}

/// Redact matches what the screen showed: a secret typed with a correction
/// (output: `hunx`, backspace, `ter2`; input: the same keys with DEL) is
/// found, and `hun`, cursor forward, `ter`, which never showed `hunter`, is
/// left alone.
#[test]
fn redact_matches_what_the_screen_showed() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![r#"{"version": 2, "width": 40, "height": 6}"#.to_string()];
    let mut t = 0.0;
    let mut ev = |code: &str, data: &str| {
        t += 0.1;
        lines.push(serde_json::to_string(&(t, code, data)).unwrap());
    };
    ev("o", "pw: hunx");
    ev("o", "\u{8}");
    ev("o", "ter2XYZ\r\n");
    for key in ["h", "u", "n", "x", "\u{7f}", "t", "e", "r", "2", "\r"] {
        ev("i", key);
    }
    ev("o", "not: hun\u{1b}[Cter\r\n");
    let cast = dir.path().join("typed.cast");
    std::fs::write(&cast, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("clean.cast");
    let (code, list, err) = run(&["redact", "--dry-run", "hunter", path_str(&cast)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("would mask 2 matches"), "{err}\n{list}");
    assert!(
        list.contains(" o pattern 1") && list.contains(" i pattern 1"),
        "{list}"
    );
    let (code, _, err) = run(&["redact", "hunter", path_str(&cast), "-o", path_str(&out)]);
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(&out).unwrap();
    // The gap's line is as it was.
    assert!(
        written.contains(r#""not: hun\u001b[Cter\r\n""#),
        "{written}"
    );
    for frame in frames(&out) {
        for row in frame.lines().filter(|r| !r.starts_with("not:")) {
            assert!(!row.contains("hun") && !row.contains("ter2"), "{frame}");
        }
    }
    assert!(frames(&out).last().unwrap().contains("pw: ******2XYZ"));
}

/// A resize rewraps the lines on screen, and a narrower screen pushes part
/// of one into history: every line keeps the time it was printed, in `text`
/// and in `grep` (the first was dated 2.0 by text and 4.0 by grep, the
/// second 0.0 by text).
#[test]
fn lines_rewrapped_by_a_resize_keep_their_times() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("resized.cast");
    let events = [
        (1.0, "o", "abcdefghij\r\n"),
        (2.0, "o", "klm\r\n"),
        (3.0, "r", "5x3"),
        (4.0, "o", "nop\r\n"),
        (5.0, "o", "qrs\r\n"),
        (6.0, "o", "tuv\r\n"),
        (7.0, "r", "12x3"),
        (8.0, "o", "wxy\r\n"),
    ];
    let mut text = String::from("{\"version\": 2, \"width\": 10, \"height\": 3}\n");
    for e in events {
        text.push_str(&serde_json::to_string(&e).unwrap());
        text.push('\n');
    }
    std::fs::write(&cast, text).unwrap();
    let want = [
        (1.0, "abcdefghij"),
        (2.0, "klm"),
        (4.0, "nop"),
        (5.0, "qrs"),
        (6.0, "tuv"),
        (8.0, "wxy"),
    ];
    let (code, out, err) = run(&["text", "--times", path_str(&cast)]);
    assert_eq!(code, 0, "{err}");
    let timed: Vec<String> = want
        .iter()
        .map(|(t, l)| format!("00:00:0{t:.3} {l}"))
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), timed, "{out}");
    let (code, out, err) = run(&["grep", "--json", "", path_str(&cast)]);
    assert_eq!(code, 0, "{err}");
    let found: Vec<(f64, String)> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["time"].as_f64().unwrap(),
                v["line"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(f64, String)> = want.iter().map(|(t, l)| (*t, l.to_string())).collect();
    assert_eq!(found, want);
}

/// Secrets anywhere in a long stream, split across events at every offset,
/// are all found: the search's batches and look-back lose none.
#[test]
fn redact_finds_secrets_across_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![r#"{"version": 3, "term": {"cols": 80, "rows": 24}}"#.to_string()];
    let mut planted = 0;
    for n in 0..400usize {
        // 997 bytes of filler: the secrets drift across every offset.
        let filler: String = "abcdefghij".repeat(100)[..997].to_string();
        let cut = n % 8;
        let secret = "hunter2";
        lines.push(
            serde_json::to_string(&(0.001, "o", format!("{filler}{}", &secret[..cut]))).unwrap(),
        );
        lines.push(
            serde_json::to_string(&(0.0, "o", format!("\u{1b}[0m{}\r\n", &secret[cut..]))).unwrap(),
        );
        planted += 1;
    }
    let cast = dir.path().join("long.cast");
    std::fs::write(&cast, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("clean.cast");
    let (code, _, err) = run(&[
        "redact",
        "hunter2",
        cast.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("masked {planted} matches")), "{err}");
    let text = stdout(&tvmux(&["text", out.to_str().unwrap()]));
    assert!(!text.contains("hunter") && text.matches("*******").count() == planted);
}

/// `grep` in a directory with no cast names the directory and offers no
/// option it does not have (it said `--allow-empty`, which only validate
/// and repair take, and no path).
#[test]
fn grep_in_an_empty_directory_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = tvmux(&["grep", "x", path_str(dir.path())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!("tvmux: {}: no casts found under it", dir.path().display())
    );
    let out = tvmux(&["validate", path_str(dir.path())]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("(--allow-empty accepts this)"));
}

/// Redact leaves the secret nowhere: not in the header (title, command,
/// env, v3 term.type and version, tags, fields the format does not define),
/// not in markers or events of codes tvmux does not know; it says where each
/// was; the output stays valid for both players and keeps the input's mode
/// and owner.
#[test]
fn redact_leaves_the_secret_nowhere() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let header = serde_json::json!({
        "version": 3,
        "term": {"cols": 40, "rows": 5, "type": "xterm-hunter2", "version": "hunter2-1"},
        "title": "login as hunter2",
        "command": "mysql -phunter2",
        "env": {"SHELL": "/bin/bash", "PASSWORD": "hunter2"},
        "tags": ["ok", "pw hunter2"],
        "x-vendor": {"note": ["hunter2 twice hunter2"], "n": 3},
    });
    let events = [
        serde_json::json!([0.1, "o", "typed hunter2\r\n"]),
        serde_json::json!([0.1, "m", "after hunter2"]),
        serde_json::json!([0.1, "note", "hunter2 in a code of its own"]),
        serde_json::json!([0.1, "r", "40x5"]),
        serde_json::json!([0.1, "x", "0"]),
    ];
    let text: String = std::iter::once(header.to_string())
        .chain(events.iter().map(|e| e.to_string()))
        .map(|l| l + "\n")
        .collect();
    let cast = dir.path().join("secret.cast");
    std::fs::write(&cast, text).unwrap();
    std::fs::set_permissions(&cast, std::fs::Permissions::from_mode(0o600)).unwrap();
    // Owned by someone else (the tests run as root): the output is theirs too.
    std::os::unix::fs::chown(&cast, Some(4242), Some(4343)).unwrap();
    let out = dir.path().join("clean.cast");
    let (code, list, err) = run(&["redact", "--dry-run", "hunter2", path_str(&cast)]);
    assert_eq!(code, 0, "{err}");
    for place in [
        "header title",
        "header command",
        "header env.PASSWORD",
        "header term.type",
        "header term.version",
        "header tags[1]",
        "header x-vendor.note[0]",
        " o pattern 1",
        " m pattern 1",
        " note pattern 1",
    ] {
        assert!(list.contains(place), "{place} not listed:\n{list}");
    }
    assert!(
        err.contains("would mask 3 matches in 3 events and 8 in the header"),
        "{err}"
    );
    let (code, _, err) = run(&["redact", "hunter2", path_str(&cast), "-o", path_str(&out)]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains("hunter"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    assert_eq!((meta.uid(), meta.gid()), (4242, 4343));
    // Valid (the unknown field and code stay, as warnings), and played.
    common::programs::assert_plays(&out);
    let masked: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&bytes).lines().next().unwrap()).unwrap();
    assert_eq!(masked["term"]["cols"], 40);
    assert_eq!(masked["env"]["SHELL"], "/bin/bash");
    assert_eq!(masked["x-vendor"]["n"], 3);
    assert_eq!(masked["title"], "login as *******");
}

/// `grep` finds every line that was ever on screen, however it left, at
/// the time its text was written and with the screen it was on; `text`
/// keeps what scrolled off and the last screen unless `--all`.
#[test]
fn grep_finds_every_line_however_it_left_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![r#"{"version": 2, "width": 30, "height": 5}"#.to_string()];
    let mut t = 0.0;
    let mut ev = |data: &str| {
        t += 2.0;
        lines.push(serde_json::to_string(&(t, "o", data)).unwrap());
    };
    ev("scrolled-off\r\n"); // 2: scrolled into history below
    ev("\r\n\r\n\r\n\r\n\r\n");
    ev("cleared-by-ed2\r\n"); // 6
    ev("\x1b[H\x1b[2J");
    ev("erased-by-el"); // 10
    ev("\r\x1b[K");
    ev("overwritten-text"); // 14
    ev("\rOTHER TEXT HERE!\r\n");
    ev("\x1b[?1049h\x1b[Hon-the-alternate"); // 18
    ev("\x1b[?1049l");
    ev("\x1b[H\x1b[2Jmoved-by-ri"); // 22
    ev("\x1b[H\x1bM\x1bM\x1bM\x1bM\x1bM"); // pushed off the bottom by reverse index
    ev("\x1b[H\x1b[2J\x1b[5;1Hpushed-by-il"); // 26
    ev("\x1b[1;1H\x1b[L");
    ev("\x1b[H\x1b[2J\x1b[5;1Hpushed-by-sd"); // 30
    ev("\x1b[T");
    ev("\x1b[H\x1b[2Jbefore-reset"); // 34
    ev("\x1bc");
    for key in "typed-key-by-key".chars() {
        // 38 .. 68: one result, at the last key
        ev(&key.to_string());
    }
    ev("\r\n\x1b[?1049h\x1b[Halt-at-end"); // 70: the cast ends on the alternate screen
    let cast = dir.path().join("leaving.cast");
    std::fs::write(&cast, lines.join("\n") + "\n").unwrap();
    let c = path_str(&cast);

    let (code, out, err) = run(&["grep", "--json", ".", c]);
    assert_eq!(code, 0, "{err}");
    let found: Vec<(String, f64, String)> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["line"].as_str().unwrap().to_string(),
                v["time"].as_f64().unwrap(),
                v["screen"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (line, time, screen) in [
        ("scrolled-off", 2.0, "primary"),
        ("cleared-by-ed2", 6.0, "primary"),
        ("erased-by-el", 10.0, "primary"),
        ("overwritten-text", 14.0, "primary"),
        ("OTHER TEXT HERE!", 16.0, "primary"),
        ("on-the-alternate", 18.0, "alternate"),
        ("moved-by-ri", 22.0, "primary"),
        ("pushed-by-il", 26.0, "primary"),
        ("pushed-by-sd", 30.0, "primary"),
        ("before-reset", 34.0, "primary"),
        ("typed-key-by-key", 68.0, "primary"),
        ("alt-at-end", 70.0, "alternate"),
    ] {
        let hits: Vec<_> = found.iter().filter(|f| f.0 == line).collect();
        assert_eq!(hits.len(), 1, "{line}: {hits:?}\n{out}");
        assert_eq!(
            (hits[0].1, hits[0].2.as_str()),
            (time, screen),
            "{line}\n{out}"
        );
    }
    // Typed key by key: one line, not one a key.
    assert!(
        !found
            .iter()
            .any(|f| f.0.starts_with("typed-key-") && f.0.len() < 16),
        "{out}"
    );
    // `text` alone keeps its meaning (what scrolled off, the last screen);
    // `--all` is what grep searches.
    let text = stdout(&tvmux(&["text", c]));
    assert!(
        !text.contains("on-the-alternate") && !text.contains("erased-by-el"),
        "{text}"
    );
    let all = stdout(&tvmux(&["text", "--all", c]));
    assert_eq!(all.lines().count(), found.len(), "{all}");
}

/// A line rewritten in place many times a second (a progress bar) gives at
/// most one state a second, and its last.
#[test]
fn a_progress_bar_gives_a_state_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![r#"{"version": 2, "width": 30, "height": 5}"#.to_string()];
    for n in 0..=300 {
        // 3 s at 100 states a second.
        let t = 1.0 + n as f64 / 100.0;
        lines.push(serde_json::to_string(&(t, "o", format!("\rprogress {n:3}%"))).unwrap());
    }
    lines.push(serde_json::to_string(&(5.0, "o", "\r\ndone\r\n")).unwrap());
    let cast = dir.path().join("progress.cast");
    std::fs::write(&cast, lines.join("\n") + "\n").unwrap();
    let (code, out, err) = run(&["grep", "progress", path_str(&cast)]);
    assert_eq!(code, 0, "{err}");
    let states: Vec<&str> = out.lines().collect();
    assert!((2..=5).contains(&states.len()), "{out}");
    assert!(states.last().unwrap().ends_with("progress 300%"), "{out}");
}

/// Casts, found by a random search, where `text` gave a line `text --all`
/// (what `grep` searches) missed: each line of `text` must be among them.
#[test]
fn everything_holds_the_transcript_through_switches_and_resizes() {
    // The size, then the events: time, code, data.
    type Case<'a> = (&'a str, &'a [(f64, &'a str, &'a str)]);
    let cases: [Case; 6] = [
        // Written and hidden behind the alternate screen in one event, to
        // the end: the normal screen is read as it is then.
        ("8 4", &[(25.5, "o", "xyz12345\u{1b}[?1049h")]),
        (
            "8 4",
            &[(10.0, "o", "\u{1b}[2;3rab\u{1b}[?1049hxyz12345\u{1b}[M")],
        ),
        // A wrapped line whose head went into history, then a resize that
        // sends more of it there: its rows left are what stays on screen.
        (
            "3 2",
            &[(16.0, "o", "\u{1b}[2Jabxyz12345"), (20.0, "r", "3x1")],
        ),
        // The same behind the alternate screen.
        (
            "3 2",
            &[
                (16.0, "o", "\u{1b}[2Jabxyz12345"),
                (17.0, "o", "\u{1b}[?1049h\r"),
                (20.0, "r", "3x1"),
            ],
        ),
        // A line's head gone into history, its row on screen gone with
        // nothing to tell: the head is a line of its own.
        (
            "3 2",
            &[
                (31.0, "r", "1x1"),
                (31.0, "o", "\u{1b}[M\n\u{1b}[Mcdefgh\u{1b}[?1049h"),
                (31.0, "o", "\u{1b}[L\r\n\u{1b}[?1049l\u{1b}[?1049l\u{1b}[K"),
            ],
        ),
        // A line gone into history joined with a blank row: trimmed.
        (
            "8 4",
            &[
                (10.0, "r", "2x1"),
                (13.5, "o", "cdefgh"),
                (14.5, "o", "\u{1b}Mab\u{1b}M\u{8}"),
            ],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (n, (size, events)) in cases.iter().enumerate() {
        let (cols, rows) = size.split_once(' ').unwrap();
        let mut cast = format!("{{\"version\": 2, \"width\": {cols}, \"height\": {rows}}}\n");
        for (time, code, data) in *events {
            cast.push_str(&format!(
                "{}\n",
                serde_json::to_string(&(time, code, data)).unwrap()
            ));
        }
        let path = dir.path().join(format!("case{n}.cast"));
        std::fs::write(&path, &cast).unwrap();
        let p = path_str(&path);
        let text = stdout(&tvmux(&["text", p]));
        let all = stdout(&tvmux(&["text", "--all", p]));
        let all: Vec<&str> = all.lines().collect();
        let mut checked = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                all.contains(&line),
                "case {n}: {line:?} is in text but not in text --all {all:?}\n{cast}"
            );
            checked += 1;
        }
        assert!(checked > 0, "case {n}: text gave nothing\n{cast}");
    }
}

/// On every real-world cast, everything `text` gives (what scrolled off,
/// the last screen) is among what `grep` searches (`text --all`), line for
/// line, and more.
#[test]
#[cfg_attr(
    not(realworld_casts),
    ignore = "../shared/realworld-casts not found beside the project"
)]
fn everything_on_screen_holds_the_transcript_on_real_casts() {
    use std::collections::HashMap;
    let mut more = 0;
    for cast in common::realworld_casts() {
        let c = path_str(&cast);
        let text = tvmux(&["text", c]);
        if !text.status.success() {
            // Damaged casts are another test's business.
            continue;
        }
        let all = tvmux(&["text", "--all", c]);
        assert!(
            all.status.success(),
            "{c}: {}",
            String::from_utf8_lossy(&all.stderr)
        );
        let mut count: HashMap<String, i64> = HashMap::new();
        for line in stdout(&all).lines() {
            *count.entry(line.to_string()).or_default() += 1;
        }
        for line in stdout(&text).lines().filter(|l| !l.trim().is_empty()) {
            let n = count.entry(line.to_string()).or_default();
            *n -= 1;
            assert!(*n >= 0, "{c}: {line:?} is in text but not in text --all");
        }
        more += count.values().filter(|n| **n > 0).count();
    }
    assert!(more > 0, "text --all found nothing text does not");
}
