//! Recording all the time (issue 24), against real tmux: a recording in
//! parts loses and repeats nothing across them, each part plays alone from
//! the screen the last one ended on; compressed parts; the output
//! directory's budget.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::programs::assert_plays;
use common::tmux_env::*;
use common::{path_str, tvmux};

/// `rec start` with settings given as `TVMUX_…` variables (the server it
/// starts reads them); waits for the first frame. The cast's path.
fn start_with_settings(env: &Env, settings: &[(&str, &str)]) -> PathBuf {
    let mut command = env.tvmux_command(&["rec", "start"]);
    for (name, value) in settings {
        command.env(name, value);
    }
    let out = command.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = PathBuf::from(text.trim().rsplit(' ').next().unwrap());
    wait_until("the first frame", || frames(&path) > 0);
    path
}

/// Prints `lines` numbered lines (`line-N `, in a colour, with wide
/// characters) as fast as the shell can, then `flood-done`, and waits for
/// it.
fn flood(env: &Env, lines: u32) {
    let pane = env.query("work", "#{pane_id}");
    env.type_line(
        &pane,
        &format!(
            "for i in $(seq 1 {lines}); do printf 'line-%d \\033[3%dm日本語\\033[0m\\n' $i $((i % 8)); done; echo flood-''done"
        ),
    );
    wait_until_for("the end of the flood", Duration::from_secs(60), || {
        env.screen(&pane).iter().any(|l| l == "flood-done")
    });
    // The rest reaches the cast.
    std::thread::sleep(Duration::from_millis(500));
}

/// The casts under `dir`, at any depth, sorted by name.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The screen after the first `n` events of a cast (all: `usize::MAX`), in
/// an independent emulator: each cell's text and attributes, and the cursor.
fn screen_after(path: &Path, n: usize) -> (Vec<String>, (u16, u16)) {
    let text = std::fs::read_to_string(path).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let nz = |v: &serde_json::Value| std::num::NonZeroU16::new(v.as_u64().unwrap() as u16).unwrap();
    let mut vt = vt100::Parser::new(nz(&header["height"]), nz(&header["width"]), 0);
    for (_, code, data) in events(path).into_iter().take(n) {
        if code == "o" {
            vt.process(data.as_bytes());
        }
    }
    let screen = vt.screen();
    let (rows, cols) = screen.size();
    let mut cells = Vec::new();
    for y in 0..rows.get() {
        for x in 0..cols.get() {
            let c = screen.cell(y, x).unwrap();
            // A blank cell and a written space look the same.
            let text = if c.has_contents() { c.contents() } else { " " };
            cells.push(format!(
                "({y},{x}) {text:?} {:?} {:?} {}{}{}",
                c.fgcolor(),
                c.bgcolor(),
                c.bold(),
                c.underline(),
                c.inverse()
            ));
        }
    }
    (cells, screen.cursor_position())
}

/// The numbers of the `line-N ` lines in `text`, in order.
fn numbered(text: &str) -> Vec<u32> {
    text.split("line-")
        .skip(1)
        .filter_map(|rest| {
            let (n, after) = rest.split_once(' ')?;
            (!after.is_empty()).then_some(())?;
            n.parse().ok()
        })
        .collect()
}

/// Each part is numbered in order, plays alone, is within `limit` but for
/// `slack` (what came in the last piece of output before it was closed),
/// and begins on the screen the last one ended on. The output of all parts
/// but their first frames, joined.
fn check_parts(parts: &[PathBuf], limit: u64, slack: u64) -> String {
    let mut joined = String::new();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            part.to_string_lossy()
                .ends_with(&format!(".part{:04}.cast", i + 1)),
            "{parts:?}"
        );
        assert_plays(part);
        let size = std::fs::metadata(part).unwrap().len();
        assert!(size < limit + slack, "part {}: {size} bytes", i + 1);
        for (n, (_, code, data)) in events(part).into_iter().enumerate() {
            // The first event of a part is the frame that redraws the screen.
            if code == "o" && n > 0 {
                joined.push_str(&data);
            }
        }
        if i > 0 {
            let (ended, cursor) = screen_after(&parts[i - 1], usize::MAX);
            let (begun, begun_cursor) = screen_after(part, 1);
            let diffs: Vec<_> = ended
                .iter()
                .zip(&begun)
                .filter(|(a, b)| a != b)
                .take(4)
                .collect();
            assert!(
                diffs.is_empty(),
                "part {}: {diffs:?}\nits first event: {:?}",
                i + 1,
                events(part).first().map(|e| e
                    .2
                    .chars()
                    .rev()
                    .take(300)
                    .collect::<String>()
                    .chars()
                    .rev()
                    .collect::<String>())
            );
            assert_eq!(cursor, begun_cursor, "part {}: the cursor", i + 1);
        }
    }
    joined
}

#[test]
fn a_flood_across_parts_loses_and_repeats_nothing() {
    let env = Env::new();
    let first = start_with_settings(&env, &[("TVMUX_RECORDING_ROTATE_SIZE", "48K")]);
    assert!(
        first.to_string_lossy().ends_with(".part0001.cast"),
        "{}",
        first.display()
    );
    flood(&env, 12_000);
    stop_all(&env);
    let parts = files_under(&env.out_dir());
    assert!(parts.len() >= 4, "{} parts: {parts:?}", parts.len());
    // A pane's output comes in pieces of up to 16 KiB (more once escaped).
    let joined = check_parts(&parts, 48 * 1024, 48 * 1024);
    let lines = numbered(&joined);
    let want: Vec<u32> = (1..=12_000).collect();
    if lines != want {
        let missing: Vec<_> = want.iter().filter(|n| !lines.contains(n)).take(8).collect();
        let twice: Vec<_> = lines.windows(2).filter(|w| w[0] >= w[1]).take(8).collect();
        panic!(
            "{} numbered lines; missing {missing:?}, out of order or twice {twice:?}",
            lines.len()
        );
    }
    // `tvmux cat` joins the parts back into one cast.
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.cast");
    let mut args = vec!["cat", "-o", path_str(&whole)];
    args.extend(parts.iter().map(|p| path_str(p)));
    let out = tvmux(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_plays(&whole);
}

#[test]
fn the_budget_keeps_the_newest_parts_compressed() {
    let env = Env::new();
    let budget = 20 * 1024;
    start_with_settings(
        &env,
        &[
            ("TVMUX_RECORDING_ROTATE_SIZE", "16K"),
            ("TVMUX_OUTPUT_COMPRESS", "zstd"),
            ("TVMUX_OUTPUT_MAX_TOTAL_SIZE", "20K"),
        ],
    );
    flood(&env, 12_000);
    stop_all(&env);
    // The last part's compression and budget follow the stop's reply.
    wait_until("the last part compressed", || {
        files_under(&env.out_dir())
            .iter()
            .all(|p| p.to_string_lossy().ends_with(".cast.zst"))
    });
    let left = files_under(&env.out_dir());
    let total: u64 = left
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(total <= budget, "{total} bytes left: {left:?}");
    // Only the oldest went: what is left is the last parts, in a row.
    let numbers: Vec<u32> = left
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let n = name.rsplit_once(".part").unwrap().1;
            n[..4].parse().unwrap()
        })
        .collect();
    assert!(numbers[0] > 1, "nothing was removed: {left:?}");
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "not the newest in a row: {numbers:?}"
    );
    for part in &left {
        let out = tvmux(&["validate", "--full", "--strict", path_str(part)]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let last = left.last().unwrap();
    let out = tvmux(&["text", path_str(last)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("flood-done"));
    // Each removal was said on the event stream.
    let out = env.tvmux(&["events", "--since", "0", "--no-follow"]);
    let events = String::from_utf8_lossy(&out.stdout);
    let removed = events.lines().filter(|l| l.contains(" removed ")).count();
    assert_eq!(removed as u32, numbers[0] - 1, "{events}");
    assert!(events.contains("over max_total_size (20K)"), "{events}");
    // The removed parts' indexes went with them: one index a part left.
    let indexes = env.cache_dir().join("tvmux/index");
    let count = || {
        std::fs::read_dir(&indexes).map_or(0, |d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".idx"))
                .count()
        })
    };
    wait_until("an index for each part left", || count() >= left.len());
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(count(), left.len(), "indexes of removed parts stayed");
}

/// The active recordings, as `rec ls --json` gives them: (window id, auto,
/// id).
fn recorded(env: &Env) -> Vec<(u64, bool, String)> {
    let out = env.tvmux(&["rec", "ls", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    list.as_array()
        .map(|l| {
            l.iter()
                .filter(|s| s["state"] == "recording")
                .map(|s| {
                    (
                        s["window_id"].as_u64().unwrap(),
                        s["auto"].as_bool().unwrap_or(false),
                        s["id"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn window_id(env: &Env, target: &str) -> u64 {
    env.query(target, "#{window_id}")
        .trim_start_matches('@')
        .parse()
        .unwrap()
}

/// With `auto`, the server records every window of every session, those
/// made later too; a window stopped by hand stays stopped until closed.
#[test]
fn auto_recording_records_every_window_and_respects_a_stop() {
    let env = Env::new();
    let out = env
        .tvmux_command(&["server", "start", "--if-auto"])
        .env("TVMUX_RECORDING_AUTO", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = window_id(&env, "work");
    wait_until_for("the first window recorded", Duration::from_secs(10), || {
        recorded(&env).contains(&(first, true, "1".into()))
    });
    env.must_with_shell(&["new-window", "-d", "-t", "work"]);
    env.must_with_shell(&["new-session", "-d", "-s", "later"]);
    let later = window_id(&env, "later");
    wait_until_for("the new windows recorded", Duration::from_secs(10), || {
        recorded(&env).len() == 3 && recorded(&env).iter().all(|r| r.1)
    });
    assert!(recorded(&env).iter().any(|r| r.0 == later));
    // Stopped by hand: not recorded again while the window is open.
    let id = recorded(&env).into_iter().find(|r| r.0 == later).unwrap().2;
    let out = env.tvmux(&["rec", "stop", &id]);
    assert!(out.status.success());
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!recorded(&env).iter().any(|r| r.0 == later));
    let ls = String::from_utf8_lossy(&env.tvmux(&["rec", "ls"]).stdout).into_owned();
    assert!(ls.contains("(auto)"), "{ls}");
    // Without `auto`, `--if-auto` starts nothing.
    let other = Env::new();
    let out = other.tvmux(&["server", "start", "--if-auto"]);
    assert!(out.status.success());
    assert!(other.server_pid().is_none());
}

/// The window view in parts: each part plays alone from the screen the
/// last one ended on, and the flood's lines are all there once.
#[test]
fn a_window_view_in_parts() {
    let env = Env::new();
    let mut command = env.tvmux_command(&["rec", "start", "--view", "window"]);
    command.env("TVMUX_RECORDING_ROTATE_SIZE", "32K");
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_millis(500));
    flood(&env, 3000);
    stop_all(&env);
    let parts = files_under(&env.out_dir());
    assert!(parts.len() >= 3, "{} parts: {parts:?}", parts.len());
    // The view's client's drawing is read 64 KiB at a time.
    check_parts(&parts, 32 * 1024, 6 * 64 * 1024);
    // The last part shows the end of the flood.
    let out = tvmux(&["text", path_str(parts.last().unwrap())]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("flood-done"));
}

/// `rotate_interval`: a part is closed when it is that old, busy or not.
#[test]
fn a_part_closes_every_interval() {
    let env = Env::new();
    start_with_settings(&env, &[("TVMUX_RECORDING_ROTATE_INTERVAL", "1s")]);
    let pane = env.query("work", "#{pane_id}");
    for i in 0..4 {
        env.type_line(&pane, &format!("echo tick-''{i}"));
        std::thread::sleep(Duration::from_millis(900));
    }
    stop_all(&env);
    let parts = files_under(&env.out_dir());
    assert!(parts.len() >= 3, "{} parts: {parts:?}", parts.len());
    let joined = check_parts(&parts, u64::MAX / 2, 0);
    for i in 0..4 {
        assert!(joined.contains(&format!("tick-{i}")), "tick-{i}");
    }
}

/// The events of a cast, compressed or not (as `convert --to v2` writes
/// it out).
fn events_of(cast: &Path) -> Vec<(f64, String, String)> {
    let out = tvmux(&["convert", "--to", "v2", path_str(cast), "-o", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// A full disk while recording in compressed parts: the recording fails
/// with the reason; every file left is a valid cast (no half-begun part,
/// no temporary file), and no line is lost between parts or written twice.
/// Parts are small, so that the disk fills as often at a part's beginning
/// (its header and keyframe) as in its middle.
#[test]
fn a_full_disk_while_recording_in_parts() {
    let disk = common::tmpfs::Tmpfs::mount("4m");
    let env = Env::new();
    let out_dir = disk.path().join("casts");
    let mut command = env.tvmux_command(&["rec", "start"]);
    command
        .env("TVMUX_OUTPUT_DIRECTORY", &out_dir)
        .env("TVMUX_RECORDING_ROTATE_SIZE", "4K")
        .env("TVMUX_OUTPUT_COMPRESS", "zstd");
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .rsplit(' ')
            .next()
            .unwrap(),
    );
    wait_until("the first frame", || frames(&first) > 0);
    // All but 200 KiB of the disk taken.
    let stat = nix::sys::statvfs::statvfs(disk.path()).unwrap();
    let free = stat.blocks_available() * stat.fragment_size();
    std::fs::write(
        disk.path().join("filler"),
        vec![b'x'; (free - (200 << 10)) as usize],
    )
    .unwrap();
    env.type_line(&env.session, "seq 1 200000");
    let listed = || {
        let out = env.tvmux(&["rec", "ls", "-a", "--format", "json"]);
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        list[0].clone()
    };
    wait_until_for("the recording to fail", Duration::from_secs(60), || {
        listed()["state"] == "failed"
    });
    let status = listed();
    assert!(
        status["error"]
            .as_str()
            .unwrap_or_default()
            .contains("No space left on device"),
        "{status}"
    );
    std::fs::remove_file(disk.path().join("filler")).unwrap();
    // The failed recording's cast is checked when it is acknowledged.
    env.tvmux(&["rec", "stop", status["id"].as_str().unwrap()]);
    let left = files_under(&out_dir);
    assert!(left.len() >= 2, "{left:?}");
    let mut joined = String::new();
    for file in &left {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.starts_with('.') && !name.ends_with(".tmp"),
            "left behind: {name}"
        );
        let out = tvmux(&["validate", "--full", "--strict", path_str(file)]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        for (n, (_, code, data)) in events_of(file).into_iter().enumerate() {
            if code == "o" && n > 0 {
                joined.push_str(&data);
            }
        }
    }
    let mut lines: Vec<&str> = joined.split("\r\n").collect();
    lines.pop();
    let numbers: Vec<u64> = lines.iter().filter_map(|l| l.trim().parse().ok()).collect();
    assert!(numbers.len() > 1000, "{} lines recorded", numbers.len());
    for pair in numbers.windows(2) {
        assert_eq!(
            pair[1],
            pair[0] + 1,
            "a line lost or written twice: {pair:?}"
        );
    }
}
