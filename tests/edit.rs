//! The editing commands through the real binary: every output validates and
//! both players play it; times survive conversion exactly; the screens that
//! `cut` and `extract` redraw are checked cell by cell with an independent
//! emulator (vt100), not the one tvmux draws keyframes with (avt).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::programs::{asciinema3, assert_plays};
use common::{realworld_casts, stdout, testdata, tvmux};

/// An event read back independently of tvmux: absolute seconds, code, data.
type Ev = (f64, String, String);

/// A cast's header and events, read with serde_json alone.
fn read(path: &Path) -> (serde_json::Value, Vec<Ev>) {
    let text = std::fs::read_to_string(path).unwrap();
    if let Ok(v1) = serde_json::from_str::<serde_json::Value>(&text)
        && v1["version"] == 1
    {
        let mut t = 0.0;
        let events = v1["stdout"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                t += e[0].as_f64().unwrap();
                (t, "o".to_string(), e[1].as_str().unwrap().to_string())
            })
            .collect();
        return (v1, events);
    }
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let v3 = header["version"] == 3;
    let mut t = 0.0;
    let events = lines
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (time, code, data): (f64, String, String) = serde_json::from_str(l).unwrap();
            t = if v3 { t + time } else { time };
            (t, code, data)
        })
        .collect();
    (header, events)
}

fn size_of(header: &serde_json::Value) -> (u16, u16) {
    let (c, r) = if header["version"] == 3 {
        (&header["term"]["cols"], &header["term"]["rows"])
    } else {
        (&header["width"], &header["height"])
    };
    (c.as_u64().unwrap() as u16, r.as_u64().unwrap() as u16)
}

/// The screen vt100 shows after the events `keep` selects.
fn screen(path: &Path, keep: impl Fn(f64) -> bool) -> vt100::Parser {
    let (header, events) = read(path);
    let (cols, rows) = size_of(&header);
    let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
    let mut vt = vt100::Parser::new(nz(rows), nz(cols), 0);
    for (t, code, data) in events.iter().filter(|e| keep(e.0)) {
        let _ = t;
        match code.as_str() {
            "o" => vt.process(data.as_bytes()),
            "r" => {
                let (c, r) = data.split_once('x').unwrap();
                vt.set_size(nz(r.parse().unwrap()), nz(c.parse().unwrap()));
            }
            _ => {}
        }
    }
    vt
}

/// Every cell (text and attributes), the cursor and which screen is shown.
fn cells(vt: &vt100::Parser) -> Vec<String> {
    let s = vt.screen();
    let (rows, cols) = (s.size().0.get(), s.size().1.get());
    let mut out = vec![format!(
        "size {cols}x{rows} cursor {:?} alternate {} hidden {}",
        s.cursor_position(),
        s.alternate_screen(),
        s.hide_cursor()
    )];
    for r in 0..rows {
        for c in 0..cols {
            let cell = s.cell(r, c).unwrap();
            // A cell never written and one holding a space look the same.
            let text = match cell.contents() {
                "" => " ",
                t => t,
            };
            out.push(format!(
                "{r},{c} {text:?} {:?} {:?} b{} i{} u{} v{}",
                cell.fgcolor(),
                cell.bgcolor(),
                cell.bold(),
                cell.italic(),
                cell.underline(),
                cell.inverse()
            ));
        }
    }
    out
}

fn assert_same_screen(a: &vt100::Parser, b: &vt100::Parser, what: &str) {
    let (a, b) = (cells(a), cells(b));
    let diffs: Vec<String> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| format!("want {x}\n got {y}"))
        .take(5)
        .collect();
    assert!(diffs.is_empty(), "{what}:\n{}", diffs.join("\n"));
}

/// A v2 cast that exercises the screen: a resize, colours, scrolling, a
/// marker, the alternate screen, cursor moves, bold, a scroll region. (The
/// resize comes while the screen is nearly empty: emulators disagree on
/// where a resize leaves the cursor saved by the alternate screen — avt and
/// vt100 do — so a resize there would test them, not tvmux.)
fn busy_cast(dir: &Path) -> PathBuf {
    let mut lines = vec![r#"{"version": 2, "width": 40, "height": 10}"#.to_string()];
    let mut t = 0.0;
    let mut ev = |code: &str, data: &str| {
        t += 0.25;
        lines.push(serde_json::to_string(&(t, code, data)).unwrap());
    };
    ev("o", "hello \u{1b}[31mred\u{1b}[0m\r\n");
    ev("r", "50x12");
    for n in 0..14 {
        ev("o", &format!("\u{1b}[3{}mline {n}\u{1b}[0m\r\n", n % 8));
    }
    ev("m", "middle");
    ev("i", "q");
    ev("o", "\u{1b}[?1049h\u{1b}[H\u{1b}[44mALT SCREEN\u{1b}[0m");
    ev("o", "\u{1b}[3;3Hstill alternate");
    ev("o", "\u{1b}[5;5Hmoved \u{1b}[1mbold\u{1b}[0m");
    ev("o", "\u{1b}[?1049l");
    ev("o", "after alt \u{1b}[7minverse\u{1b}[0m\r\n");
    ev("o", "\u{1b}[2;6r\u{1b}[6;1H\r\nscrolled in region\u{1b}[r");
    ev("m", "end");
    ev("o", "last \u{1b}[4munderlined\u{1b}[0m");
    let path = dir.join("busy.cast");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn run_ok(args: &[&str]) -> std::process::Output {
    let out = tvmux(args);
    assert!(
        out.status.success(),
        "tvmux {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn valid_casts(dir: &Path) -> Vec<PathBuf> {
    let mut casts: Vec<PathBuf> = std::fs::read_dir(testdata("valid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    casts.sort();
    casts.push(busy_cast(dir));
    casts
}

#[test]
fn every_edit_of_every_valid_cast_validates_and_plays() {
    let dir = tempfile::tempdir().unwrap();
    for input in valid_casts(dir.path()) {
        let i = input.to_str().unwrap();
        let out = |name: &str| dir.path().join(format!("{name}.cast"));
        let info = run_ok(&["info", "--format", "json", i]);
        let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
        // Stretches inside the cast (one with no length has none: refused).
        let duration = info["duration"].as_f64().unwrap();
        let at = |f: f64| format!("{}", duration * f);
        let (a, b, c, d) = (at(0.2), at(0.55), at(0.3), at(0.9));
        let mut edits: Vec<(&str, Vec<&str>)> = vec![
            ("v2", vec!["convert", "--to", "v2"]),
            ("v3", vec!["convert", "--to", "v3"]),
            ("cat", vec!["cat", "--gap", "0.5", i]),
            (
                "speed",
                vec!["speed", "--factor", "3", "--idle-limit", "0.2"],
            ),
        ];
        let stretches = [
            ("cut", vec!["cut", "--from", &a, "--to", &b]),
            ("extract", vec!["extract", "--from", &c, "--to", &d]),
        ];
        if duration > 0.0 {
            edits.extend(stretches);
        } else {
            for (_, mut argv) in stretches {
                argv[2..].clone_from_slice(&["0", "--to", "1"]);
                argv.push(i);
                assert_eq!(tvmux(&argv).status.code(), Some(2), "{argv:?}");
            }
        }
        for (name, args) in edits {
            let path = out(name);
            let mut argv = args.clone();
            argv.extend([i, "-o", path.to_str().unwrap()]);
            run_ok(&argv);
            assert_plays(&path);
        }
        // Every event survives a conversion.
        let (_, events) = read(&out("v3"));
        let counted: u64 = info["events"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(events.len() as u64, counted, "{}", input.display());
        for to in ["txt", "raw"] {
            run_ok(&["convert", "--to", to, i]);
        }
    }
}

/// Converts `input` to v2, that to v3 and back to v2 in `dir`; the two v2
/// files must be the same byte for byte. Returns the v3 file.
fn round_trip(input: &Path, dir: &Path) -> PathBuf {
    let (v2, v3, back) = (dir.join("a.cast"), dir.join("b.cast"), dir.join("c.cast"));
    for (from, to, out) in [(input, "v2", &v2), (&v2, "v3", &v3), (&v3, "v2", &back)] {
        run_ok(&[
            "convert",
            "--to",
            to,
            from.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
    }
    assert_eq!(
        std::fs::read(&v2).unwrap(),
        std::fs::read(&back).unwrap(),
        "{}: v2 -> v3 -> v2 changed the cast",
        input.display()
    );
    v3
}

/// The header of `input` in v3, then through v2 and back: the same but
/// for what v2 has no place for (`term.version`, `tags`, a second terminal
/// type), which the conversion to v2 says it left out. And the terminal type is where
/// asciinema 3.2 puts it in v3 (`term.type`, from v2's `env.TERM`).
fn assert_header_survives_v2(input: &Path, dir: &Path) {
    let (v3, v2, back) = (
        dir.join("hdr-v3.cast"),
        dir.join("hdr-v2.cast"),
        dir.join("hdr-v3-again.cast"),
    );
    let convert = |from: &Path, to: &str, out: &Path| {
        run_ok(&[
            "convert",
            "--to",
            to,
            from.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
    };
    convert(input, "v3", &v3);
    let said = String::from_utf8_lossy(&convert(&v3, "v2", &v2).stderr).into_owned();
    convert(&v2, "v3", &back);
    let mut expected = read(&v3).0;
    for (field, in_term) in [("version", true), ("tags", false)] {
        let holder = if in_term {
            expected["term"].as_object_mut().unwrap()
        } else {
            expected.as_object_mut().unwrap()
        };
        let name = if in_term { "term.version" } else { "tags" };
        assert_eq!(
            holder.remove(field).is_some(),
            said.contains(name),
            "{}: {name} left out without a word, or named without cause: {said}",
            input.display()
        );
    }
    // v2 holds one terminal type, env.TERM, which comes back as term.type
    // (where asciinema 3.2 records it); env.TERM wins where both were.
    let env_term = expected
        .get_mut("env")
        .and_then(|env| env.as_object_mut()?.remove("TERM"));
    if let Some(term) = env_term {
        let lost = expected["term"].get("type").is_some_and(|t| *t != term);
        assert_eq!(
            lost,
            said.contains("term.type"),
            "{}: {said}",
            input.display()
        );
        expected["term"]["type"] = term;
    }
    if expected
        .get("env")
        .is_some_and(|env| *env == serde_json::json!({}))
    {
        expected.as_object_mut().unwrap().remove("env");
    }
    assert_eq!(read(&back).0, expected, "{}", input.display());
    let theirs = dir.join("theirs.cast");
    let converted = Command::new(asciinema3())
        .args(["convert", "--overwrite", "-f", "asciicast-v3"])
        .arg(input)
        .arg(&theirs)
        .output()
        .unwrap();
    assert!(converted.status.success(), "{}", input.display());
    assert_eq!(
        read(&v3).0["term"]["type"],
        read(&theirs).0["term"]["type"],
        "{}: term.type",
        input.display()
    );
}

#[test]
fn headers_keep_what_each_version_can_hold() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // A v3 header as asciinema 3.2 records it, with a terminal version
        // and tags v2 cannot hold.
        r#"{"version":3,"term":{"cols":20,"rows":3,"type":"xterm-kitty","version":"0.31"},"timestamp":1700000000,"env":{"SHELL":"/bin/zsh"},"tags":["demo"]}"#,
        r#"{"version":3,"term":{"cols":20,"rows":3,"type":"xterm-256color"},"env":{"SHELL":"/bin/zsh"}}"#,
        // v2 as asciinema 2.4 records it: the type becomes term.type.
        r#"{"version":2,"width":20,"height":3,"env":{"SHELL":"/bin/bash","TERM":"screen-256color"}}"#,
    ];
    for (n, header) in cases.iter().enumerate() {
        let input = dir.path().join(format!("h{n}.cast"));
        std::fs::write(&input, format!("{header}\n[0.5, \"o\", \"hi\"]\n")).unwrap();
        assert_header_survives_v2(&input, dir.path());
    }
    // v2 -> v3 moves env.TERM to term.type.
    let v3 = dir.path().join("from-v2.cast");
    let from = dir.path().join("h2.cast");
    run_ok(&[
        "convert",
        "--to",
        "v3",
        from.to_str().unwrap(),
        "-o",
        v3.to_str().unwrap(),
    ]);
    let header = read(&v3).0;
    assert_eq!(header["term"]["type"], "screen-256color");
    assert_eq!(header["env"], serde_json::json!({"SHELL": "/bin/bash"}));
}

#[test]
fn conversions_keep_every_time_to_the_microsecond_and_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    for input in valid_casts(dir.path()) {
        let v3 = round_trip(&input, dir.path());
        let (_, original) = read(&input);
        let (_, converted) = read(&v3);
        assert_eq!(original.len(), converted.len());
        for (a, b) in original.iter().zip(&converted) {
            assert!((a.0 - b.0).abs() < 1.5e-6, "{a:?} {b:?}");
            assert_eq!((&a.1, &a.2), (&b.1, &b.2));
        }
    }
}

#[test]
fn extract_starts_from_the_screen_as_it_was_and_ends_where_the_input_was() {
    let dir = tempfile::tempdir().unwrap();
    let input = busy_cast(dir.path());
    let out = dir.path().join("part.cast");
    // Inside the scrolling, inside the alternate screen after the resize,
    // after it; and from a marker's label.
    for (from, to) in [
        ("1.1", "2.6"),
        ("4.76", "5.5"),
        ("5.3", "6.0"),
        ("middle", "end"),
        ("0:01.5", "0:05.25"),
    ] {
        run_ok(&[
            "extract",
            "--from",
            from,
            "--to",
            to,
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_plays(&out);
        let marker = |label: &str| {
            let (_, events) = read(&input);
            events
                .iter()
                .find(|e| e.1 == "m" && e.2 == label)
                .unwrap()
                .0
        };
        let at = |spec: &str| match spec {
            "middle" | "end" => marker(spec),
            s if s.contains(':') => {
                let (m, s) = s.split_once(':').unwrap();
                m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap()
            }
            s => s.parse().unwrap(),
        };
        let (t1, t2) = (at(from), at(to));
        // Its start (the keyframe, and the events at `from` itself) shows
        // the screen the input had at `from`…
        assert_same_screen(
            &screen(&input, |t| t <= t1 + 1e-9),
            &screen(&out, |t| t <= 0.0),
            &format!("extract {from}..{to}: its first screen"),
        );
        // …and the whole output ends on the screen the input had at `to`.
        assert_same_screen(
            &screen(&input, |t| t <= t2 + 1e-9),
            &screen(&out, |_| true),
            &format!("extract {from}..{to}: its last screen"),
        );
        let (_, events) = read(&out);
        assert!(events.iter().all(|e| e.0 <= t2 - t1 + 1e-6));
    }
}

#[test]
fn cut_redraws_the_screen_after_the_cut_and_keeps_what_follows() {
    let dir = tempfile::tempdir().unwrap();
    let input = busy_cast(dir.path());
    let out = dir.path().join("cut.cast");
    for (t1, t2) in [(1.0, 2.6), (0.5, 4.6), (4.2, 5.25), (4.0, 9.0), (0.6, 1.5)] {
        run_ok(&[
            "cut",
            "--from",
            &t1.to_string(),
            "--to",
            &t2.to_string(),
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_plays(&out);
        let what = format!("cut {t1}..{t2}");
        // At the cut point (the keyframe, and what the input had at `to`
        // itself): the input's screen at `to`.
        assert_same_screen(
            &screen(&input, |t| t <= t2 + 1e-9),
            &screen(&out, |t| t <= t1 + 1e-9),
            &format!("{what}: the screen after the cut"),
        );
        // What follows is the input's, shifted: the same last screen.
        assert_same_screen(
            &screen(&input, |_| true),
            &screen(&out, |_| true),
            &format!("{what}: the last screen"),
        );
        let (_, a) = read(&input);
        let (_, b) = read(&out);
        let after: Vec<(f64, &str)> = a
            .iter()
            .filter(|e| e.0 >= t2)
            .map(|e| (e.0 - (t2 - t1), e.2.as_str()))
            .collect();
        let tail: Vec<(f64, &str)> = b[b.len() - after.len()..]
            .iter()
            .map(|e| (e.0, e.2.as_str()))
            .collect();
        for (x, y) in after.iter().zip(&tail) {
            assert!(
                (x.0 - y.0).abs() < 1.5e-6 && x.1 == y.1,
                "{what}: {x:?} {y:?}"
            );
        }
    }
}

#[test]
fn cat_rebases_times_and_announces_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let busy = busy_cast(dir.path());
    let v3 = testdata("valid/v3.cast");
    let out = dir.path().join("joined.cast");
    run_ok(&[
        "cat",
        "--gap",
        "2",
        busy.to_str().unwrap(),
        v3.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_plays(&out);
    let (header, events) = read(&out);
    assert_eq!(header["version"], 2, "the first cast's version");
    let (_, first) = read(&busy);
    let (_, second) = read(&v3);
    let end = first.last().unwrap().0;
    // The busy cast ends at 50x12; the v3 one is 80x24: a resize at the join.
    let join = &events[first.len()..first.len() + 2];
    assert_eq!(join[0], (end + 2.0, "r".into(), "80x24".into()));
    assert_eq!((join[1].0, join[1].1.as_str()), (end + 2.0, "o"));
    assert_eq!(events.len(), first.len() + 2 + second.len());
    let rebased = &events[first.len() + 2..];
    for (a, b) in second.iter().zip(rebased) {
        assert!((a.0 + end + 2.0 - b.0).abs() < 1.5e-6, "{a:?} {b:?}");
    }
}

#[test]
fn speed_caps_pauses_then_scales() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("slow.cast");
    std::fs::write(
        &input,
        "{\"version\": 2, \"width\": 80, \"height\": 24}\n[1.0, \"o\", \"a\"]\n[1.5, \"o\", \"b\"]\n[11.5, \"o\", \"c\"]\n",
    )
    .unwrap();
    let out = dir.path().join("fast.cast");
    let i = input.to_str().unwrap();
    run_ok(&[
        "speed",
        "--factor",
        "2",
        "--idle-limit",
        "2",
        i,
        "-o",
        out.to_str().unwrap(),
    ]);
    let times: Vec<f64> = read(&out).1.iter().map(|e| e.0).collect();
    assert_eq!(times, vec![0.5, 0.75, 1.75]);
}

#[test]
fn text_shows_what_scrolled_off_and_the_last_screen() {
    let dir = tempfile::tempdir().unwrap();
    let input = busy_cast(dir.path());
    let text = stdout(&run_ok(&[
        "convert",
        "--to",
        "txt",
        input.to_str().unwrap(),
    ]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "hello red");
    assert!(
        lines.contains(&"line 0") && lines.contains(&"line 13"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'));
    // The last screen: the region's scroll and the text written at home.
    assert!(lines.contains(&"scrolled in region"), "{text}");
    assert!(lines.contains(&"last underlined"), "{text}");
    let raw = run_ok(&["convert", "--to", "raw", input.to_str().unwrap()]).stdout;
    // The terminal's size first, as asciinema 3.2 writes it.
    assert!(raw.starts_with(b"\x1b[8;10;40thello \x1b[31mred"));
}

#[test]
fn refusals_are_clear_and_leave_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    let input = busy_cast(dir.path());
    let i = input.to_str().unwrap();
    let before = std::fs::read(&input).unwrap();
    let fails = |args: &[&str], code: i32, needle: &str| {
        let out = tvmux(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    };
    // Writing over the input needs --in-place.
    fails(&["speed", "--factor", "2", i, "-o", i], 2, "is an input");
    assert_eq!(std::fs::read(&input).unwrap(), before);
    fails(&["cut", "--from", "3", "--to", "2", i], 2, "must be before");
    fails(
        &["extract", "--from", "nowhere", "--to", "2", i],
        2,
        "nor a marker",
    );
    fails(&["speed", "--factor", "0", i], 2, "positive");
    // A damaged cast: refused, saying where; nothing is created.
    let damaged = testdata("damaged/time-backwards.cast");
    let never = dir.path().join("never.cast");
    fails(
        &[
            "convert",
            "--to",
            "v3",
            damaged.to_str().unwrap(),
            "-o",
            never.to_str().unwrap(),
        ],
        1,
        "line 4",
    );
    assert!(!never.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["busy.cast"], "no temporary file is left behind");
    fails(&["info", "/nonexistent.cast"], 2, "/nonexistent.cast");
    // An `x` event v2 allows (an unknown code there) but v3 cannot read:
    // left out of a v3 conversion, saying so.
    let odd = dir.path().join("odd-exit.cast");
    std::fs::write(
        &odd,
        "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"x\", \"not a number\"]\n[1.0, \"o\", \"a\"]\n",
    )
    .unwrap();
    let v3 = dir.path().join("odd-exit-v3.cast");
    let out = run_ok(&[
        "convert",
        "--to",
        "v3",
        odd.to_str().unwrap(),
        "-o",
        v3.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("left out 1"));
    assert_plays(&v3);
    assert_eq!(read(&v3).1.len(), 1);
    // A symbolic link is followed: its target gets the cast, the link stays.
    let target = dir.path().join("target.cast");
    let link = dir.path().join("link.cast");
    std::fs::write(&target, "old").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    run_ok(&["convert", "--to", "v3", i, "-o", link.to_str().unwrap()]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_plays(&target);
    // What is not a regular file (a FIFO here; /dev/null alike) is written
    // to, never replaced.
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    run_ok(&["convert", "--to", "v2", i, "-o", fifo.to_str().unwrap()]);
    assert!(reader.join().unwrap().starts_with(b"{\"version\":2"));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // --in-place replaces the input once the result is complete.
    run_ok(&["speed", "--factor", "2", "--in-place", i]);
    let (_, events) = read(&input);
    assert_eq!(events[0].0, 0.125);
}

/// The 80 real-world casts beside the project (CI has them): every one
/// tvmux calls valid survives v2 -> v3 -> v2 byte for byte, and its cut
/// and speed-up validate and play in asciinema 3.2.
#[test]
#[cfg_attr(
    not(realworld_casts),
    ignore = "../shared/realworld-casts not found beside the project"
)]
fn real_world_casts_edit_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let casts = realworld_casts();
    let mut edited = 0;
    for input in casts {
        let i = input.to_str().unwrap();
        if !tvmux(&["validate", "-q", i]).status.success() {
            continue;
        }
        round_trip(&input, dir.path());
        assert_header_survives_v2(&input, dir.path());
        let p = |n: &str| dir.path().join(n);
        let info: serde_json::Value =
            serde_json::from_slice(&run_ok(&["info", "--format", "json", i]).stdout).unwrap();
        let duration = info["duration"].as_f64().unwrap();
        let (from, to) = (format!("{}", duration * 0.3), format!("{}", duration * 0.6));
        let mut edits = vec![(
            "fast.cast",
            vec!["speed", "--factor", "4", "--idle-limit", "1"],
        )];
        // A cast whose events all come at once has nothing to cut.
        if duration > 0.01 {
            edits.push(("cut.cast", vec!["cut", "--from", &from, "--to", &to]));
        }
        for (name, args) in edits {
            let out = p(name);
            let mut argv = args.clone();
            argv.extend([i, "-o", out.to_str().unwrap()]);
            run_ok(&argv);
            assert!(
                tvmux(&["validate", "-q", out.to_str().unwrap()])
                    .status
                    .success(),
                "{i}: {name}"
            );
            let played = Command::new(asciinema3())
                .args(["convert", "-f", "raw"])
                .arg(&out)
                .arg("/dev/null")
                .status()
                .unwrap();
            assert!(
                played.success(),
                "{i}: asciinema 3.2 cannot play its {name}"
            );
        }
        // No drift: every event within a microsecond of its exact time.
        let fast = p("thrice.cast");
        run_ok(&["speed", "--factor", "3", i, "-o", fast.to_str().unwrap()]);
        let (before, after) = (read(&input).1, read(&fast).1);
        assert_eq!(before.len(), after.len(), "{i}");
        for (b, a) in before.iter().zip(&after) {
            assert!((a.0 - b.0 / 3.0).abs() <= 2e-6, "{i}: {} for {}", a.0, b.0);
        }
        edited += 1;
    }
    assert!(edited >= 50, "only {edited} real-world casts were edited");
}

/// `speed` keeps every event within a microsecond of its exact scaled time
/// (1000 events 3 µs apart at factor 2 end at 1.5 ms, not 2 ms: each gap
/// was rounded on its own), and scales the header's idle_time_limit too.
#[test]
fn speed_does_not_drift_and_scales_the_idle_limit() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dense.cast");
    let mut text =
        String::from("{\"version\": 2, \"width\": 80, \"height\": 24, \"idle_time_limit\": 3.0}\n");
    for i in 1..=1000 {
        text.push_str(&format!("[{:.6}, \"o\", \"x\"]\n", i as f64 * 0.000003));
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("fast.cast");
    run_ok(&[
        "speed",
        "--factor",
        "2",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let (header, events) = read(&out);
    assert_eq!(header["idle_time_limit"], 1.5);
    for (i, e) in events.iter().enumerate() {
        let exact = (i + 1) as f64 * 0.000003 / 2.0;
        assert!(
            (e.0 - exact).abs() <= 0.000001,
            "event {i}: {} against {exact}",
            e.0
        );
    }
    assert_eq!(events.last().unwrap().0, 0.0015);
}

/// A stretch wholly after the cast's end is refused (nothing written); one
/// that runs past the end is clamped to it, saying so; a screen asked for
/// after the end is refused. In v2 (times from the start) and v3
/// (intervals, so the end is only known by reading them all).
#[test]
fn times_outside_the_cast_are_refused_or_clamped() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = busy_cast(dir.path());
    let v3 = dir.path().join("busy-v3.cast");
    run_ok(&[
        "convert",
        "--to",
        "v3",
        v2.to_str().unwrap(),
        "-o",
        v3.to_str().unwrap(),
    ]);
    for cast in [&v2, &v3] {
        let c = cast.to_str().unwrap();
        // The cast ends at 6.5 s.
        for edit in ["cut", "extract"] {
            for (from, to) in [("100", "200"), ("6.5", "7")] {
                let out = tvmux(&[edit, "--from", from, "--to", to, c]);
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{edit} {from}..{to}: {err}");
                assert!(
                    err.contains("is not before the end of the cast (0:06.500)"),
                    "{err}"
                );
                assert!(out.stdout.is_empty(), "{edit}: nothing is written");
            }
            let out = run_ok(&[edit, "--from", "1", "--to", "200", c]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(
                    "--to (3:20.000) is past the end of the cast: the stretch ends at 0:06.500"
                ),
                "{edit}: {err}"
            );
            let inside = run_ok(&[edit, "--from", "1", "--to", "6.5", c]);
            assert_eq!(
                out.stdout, inside.stdout,
                "{edit}: clamped is as asked to the end"
            );
            assert!(inside.stderr.is_empty(), "{edit}: nothing to say");
        }
        let out = tvmux(&["text", "--at", "100", c]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("--at (1:40.000) is after the end of the cast (0:06.500)")
        );
        assert!(out.stdout.is_empty());
        run_ok(&["text", "--at", "6.5", c]);
    }
}

/// `tvmux convert --to raw|txt` and asciinema 3.2's `convert -f raw|txt`
/// on the same cast: (raw bytes equal, whether the text is equal). Where the
/// text differs, every line of 3.2's is in tvmux's, in order: tvmux keeps
/// what a clear screen erased, which 3.2 drops.
fn against_3_2(input: &Path, dir: &Path) -> bool {
    let (ours, theirs) = (dir.join("ours.out"), dir.join("theirs.out"));
    let mut same_text = true;
    for (to, format) in [("raw", "raw"), ("txt", "txt")] {
        run_ok(&[
            "convert",
            "--to",
            to,
            input.to_str().unwrap(),
            "-o",
            ours.to_str().unwrap(),
        ]);
        let out = Command::new(asciinema3())
            .args(["convert", "--overwrite", "-f", format])
            .arg(input)
            .arg(&theirs)
            .output()
            .unwrap();
        assert!(out.status.success(), "3.2 converts {}", input.display());
        let (a, b) = (
            std::fs::read(&ours).unwrap(),
            std::fs::read(&theirs).unwrap(),
        );
        if to == "raw" {
            assert!(a == b, "{}: raw output differs from 3.2's", input.display());
            continue;
        }
        let (ours, theirs) = (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
        same_text = ours == theirs;
        let mut wanted = theirs.lines().peekable();
        for line in ours.lines() {
            if wanted.peek() == Some(&line) {
                wanted.next();
            }
        }
        assert_eq!(
            wanted.next(),
            None,
            "{}: a line of 3.2's text is not in tvmux's",
            input.display()
        );
    }
    same_text
}

#[test]
fn raw_is_3_2s_byte_for_byte_and_text_keeps_what_a_clear_erased() {
    let dir = tempfile::tempdir().unwrap();
    for input in valid_casts(dir.path()) {
        against_3_2(&input, dir.path());
    }
    let raw = run_ok(&[
        "convert",
        "--to",
        "raw",
        busy_cast(dir.path()).to_str().unwrap(),
    ]);
    assert!(raw.stdout.starts_with(b"\x1b[8;10;40thello "));
    // Cleared: 3.2's text loses the line, tvmux's keeps it.
    let cleared = dir.path().join("cleared.cast");
    std::fs::write(
        &cleared,
        "{\"version\": 2, \"width\": 20, \"height\": 3}\n[0.1, \"o\", \"secret\\r\\n\"]\n[0.2, \"o\", \"\\u001b[2J\\u001b[Hafter\"]\n",
    )
    .unwrap();
    assert!(!against_3_2(&cleared, dir.path()));
    let text = run_ok(&["convert", "--to", "txt", cleared.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&text.stdout), "secret\nafter\n");
}

/// The same on the real-world casts (CI has them): raw is 3.2's byte for
/// byte on every one; the text is 3.2's on most, a superset on the rest.
#[test]
#[cfg_attr(
    not(realworld_casts),
    ignore = "../shared/realworld-casts not found beside the project"
)]
fn real_world_raw_and_text_against_3_2() {
    let dir = tempfile::tempdir().unwrap();
    let casts = realworld_casts();
    let (mut compared, mut same_text) = (0, 0);
    for input in casts {
        if !tvmux(&["validate", "-q", input.to_str().unwrap()])
            .status
            .success()
        {
            continue;
        }
        compared += 1;
        same_text += usize::from(against_3_2(&input, dir.path()));
    }
    assert!(compared >= 50, "only {compared} real-world casts compared");
    eprintln!("{compared} casts: raw identical on all, text identical on {same_text}");
}

/// A usage error's first line says what is wrong; clap's usage and the
/// regex parser's pointer follow it.
#[test]
fn usage_errors_say_what_is_wrong_first() {
    let dir = tempfile::tempdir().unwrap();
    let cast = busy_cast(dir.path());
    let c = cast.to_str().unwrap();
    for (args, first, kept) in [
        (
            vec!["cut", "--from", "1", c],
            "tvmux: the following required arguments were not provided: --to <TO>",
            "Usage: tvmux cut",
        ),
        (
            vec!["speed", "--factor", "abc", c],
            "tvmux: invalid value 'abc' for '--factor <FACTOR>'",
            "try '--help'",
        ),
        (
            vec!["grep", "(", c],
            "tvmux: invalid pattern \"(\": unclosed group",
            "    ^",
        ),
        (
            vec!["redact", "a(", c],
            "tvmux: invalid pattern \"a(\": unclosed group",
            "     ^",
        ),
    ] {
        let out = tvmux(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.lines().next().unwrap().starts_with(first),
            "{args:?}: {err}"
        );
        assert!(
            err.lines().skip(1).any(|l| l.contains(kept)),
            "{args:?}: {err}"
        );
    }
    // Help is not an error.
    let help = tvmux(&["cut", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: tvmux cut"));
}

/// A cast compressed with zstd or gzip (told by its first bytes) is read by
/// every command as the cast itself; directories find `*.cast.zst` and
/// `*.cast.gz`; a torn one is an error that says so; repair leaves it
/// untouched, saying why.
#[test]
fn compressed_casts_are_read_as_the_cast() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("demo.cast");
    std::fs::copy(testdata("valid/v2.cast"), &plain).unwrap();
    let zst = dir.path().join("demo.cast.zst");
    let gz = dir.path().join("demo.cast.gz");
    for (program, out) in [("zstd", &zst), ("gzip", &gz)] {
        let bytes = Command::new(program)
            .arg("-c")
            .arg(&plain)
            .output()
            .unwrap();
        assert!(
            bytes.status.success(),
            "{program} is needed (scripts/test.sh installs zstd)"
        );
        std::fs::write(out, bytes.stdout).unwrap();
    }
    let p = plain.to_str().unwrap();
    let same = |args: &[&str]| {
        let want = tvmux(&[args, &[p]].concat());
        assert!(want.status.success(), "{args:?}: {}", stdout(&want));
        for compressed in [&zst, &gz] {
            let got = tvmux(&[args, &[compressed.to_str().unwrap()]].concat());
            assert_eq!(
                stdout(&got).replace(compressed.to_str().unwrap(), p),
                stdout(&want),
                "{args:?} {}: {}",
                compressed.display(),
                String::from_utf8_lossy(&got.stderr)
            );
        }
    };
    same(&["validate"]);
    same(&["info"]);
    same(&["text", "--times"]);
    same(&["text", "--all"]);
    same(&["grep", "--json", "."]);
    same(&["convert", "--to", "v3"]);
    same(&["cut", "--from", "0.1", "--to", "0.2"]);
    same(&["extract", "--from", "0.1", "--to", "0.2"]);
    // cat joins two: the plain one, then each form.
    same(&["cat", p]);
    // A directory finds all three.
    let listed = stdout(&tvmux(&[
        "validate",
        "--format",
        "json",
        dir.path().to_str().unwrap(),
    ]));
    for name in ["demo.cast\"", "demo.cast.zst", "demo.cast.gz"] {
        assert!(listed.contains(name), "{name}: {listed}");
    }
    // Torn: an error naming the decompression, exit 2.
    let torn = dir.path().join("torn.cast.zst");
    let bytes = std::fs::read(&zst).unwrap();
    std::fs::write(&torn, &bytes[..bytes.len() / 2]).unwrap();
    for args in [vec!["validate"], vec!["text"]] {
        let out = tvmux(&[&args[..], &[torn.to_str().unwrap()]].concat());
        let said = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(
            said.contains("cannot decompress (zstd)"),
            "{args:?}: {said}"
        );
    }
    // Repair of a valid one touches nothing; of a torn compressed file it
    // says why, and touches nothing.
    let out = tvmux(&["repair", zst.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(std::fs::read(&zst).unwrap(), bytes);
    let out = tvmux(&["repair", torn.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(std::fs::read(&torn).unwrap(), &bytes[..bytes.len() / 2]);
}

/// A damaged compressed cast is repaired into a compressed cast: the same
/// cast repair makes of the plain one, compressed the same way, and the
/// same removed bytes in its side file.
#[test]
fn a_compressed_cast_is_repaired_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let mut damaged = std::fs::read(testdata("valid/v2.cast")).unwrap();
    damaged.extend_from_slice(b"not an event\n[9.5, \"o\", \"torn");
    for (program, ext, magic) in [
        ("zstd", "zst", &[0x28u8, 0xb5][..]),
        ("gzip", "gz", &[0x1f, 0x8b]),
    ] {
        let plain = dir.path().join(format!("{ext}.cast"));
        std::fs::write(&plain, &damaged).unwrap();
        let compressed = dir.path().join(format!("{ext}.cast.{ext}"));
        let out = Command::new(program)
            .arg("-c")
            .arg(&plain)
            .output()
            .unwrap();
        assert!(out.status.success(), "{program} is needed");
        std::fs::write(&compressed, out.stdout).unwrap();
        for path in [&plain, &compressed] {
            let out = tvmux(&["repair", path.to_str().unwrap()]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                path.display(),
                stdout(&out)
            );
        }
        let repaired = std::fs::read(&compressed).unwrap();
        assert!(repaired.starts_with(magic), "{ext}: still compressed");
        let out = Command::new(program)
            .args(["-d", "-c"])
            .arg(&compressed)
            .output()
            .unwrap();
        assert_eq!(
            out.stdout,
            std::fs::read(&plain).unwrap(),
            "{ext}: the same cast"
        );
        let side = |p: &std::path::Path| std::fs::read(format!("{}.removed", p.display())).unwrap();
        assert_eq!(
            side(&compressed),
            side(&plain),
            "{ext}: the same removed bytes"
        );
        let out = tvmux(&[
            "validate",
            "--full",
            "--strict",
            compressed.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stdout(&out));
        // Only the cast and its side file are left: no temporary file.
        let left = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count();
        assert_eq!(left, 0);
    }
}
