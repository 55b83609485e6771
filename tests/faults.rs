//! The recorder and server under faults (issue 19): a full disk, racing
//! commands, a runtime directory others can write, connections that never
//! finish, targets tmux could read as options. Real tmux on a private
//! socket; tests that mount a tmpfs need root (as CI runs) and fail, saying
//! so, without it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::tmux_env::*;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every `.cast` under `dir`.
fn casts_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "cast") {
                found.push(p);
            }
        }
    }
    found
}

/// `rec start`, then `rec stop` a moment later, again and again on one
/// window: every stop stops (exit 0, nothing left recording), and every
/// cast left is valid. Stuck within 4–14 cycles before the fix.
#[test]
fn start_and_stop_in_a_loop_always_stop() {
    let env = Env::new();
    let target = format!("{}:0", env.session);
    for cycle in 0..25 {
        let out = env.tvmux(&["rec", "start", "-t", &target]);
        assert!(out.status.success(), "cycle {cycle}: start: {}", text(&out));
        // Alternate a pause with none: a stop before the first frame too.
        if cycle % 2 == 0 {
            std::thread::sleep(Duration::from_millis(150));
        }
        let t0 = Instant::now();
        let out = env.tvmux(&["rec", "stop"]);
        assert!(out.status.success(), "cycle {cycle}: stop: {}", text(&out));
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "cycle {cycle}: the stop took {:?}",
            t0.elapsed()
        );
        assert_eq!(env.recording_ids(), "", "cycle {cycle}: still recording");
    }
    for cast in casts_under(&env.out_dir()) {
        validate_full(&cast);
    }
}

/// A tmpfs of `size` at a new directory, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        assert!(
            nix_is_root(),
            "this test mounts a tmpfs (a full disk) and needs root, as CI runs it"
        );
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tvmux-test"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "mount: {}", text(&out));
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .output();
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Fills the file system at `dir` but for about `leave` bytes: the filler's path.
fn fill(dir: &Path, leave: u64) -> PathBuf {
    let filler = dir.join("filler");
    let stat = Command::new("stat")
        .args(["-f", "-c", "%a %S"])
        .arg(dir)
        .output()
        .unwrap();
    let fields: Vec<u64> = String::from_utf8_lossy(&stat.stdout)
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    let free = fields[0] * fields[1];
    std::fs::write(&filler, vec![b'x'; free.saturating_sub(leave) as usize]).unwrap();
    filler
}

/// The recording of `env`'s window as `rec ls -a --format json` lists it.
fn listed(env: &Env) -> serde_json::Value {
    let out = env.tvmux(&["rec", "ls", "-a", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list[0].clone()
}

/// The numbers `seq` printed, as the cast's output holds them (whole
/// lines: the last piece may be a line cut short with its event).
fn numbers(cast: &Path) -> Vec<u64> {
    let output = plain_output(cast);
    let mut lines: Vec<&str> = output.split("\r\n").collect();
    lines.pop();
    lines.iter().filter_map(|l| l.trim().parse().ok()).collect()
}

/// A full disk while recording: the first failed write fails the
/// recording, with the reason, in `rec ls`; the cast ends at a complete
/// event and holds no line twice, also once space comes back; `rec stop`
/// says what the file holds and exits non-zero; a new recording works once
/// there is room. Before the fix the recording went on "recording", wrote
/// thousands of lines twice when space came back, and stopped as "saved".
#[test]
fn a_full_disk_fails_the_recording_and_nothing_is_written_twice() {
    let disk = Tmpfs::mount("4m");
    let env = Env::new();
    let out_dir = disk.path().join("casts");
    let rec = |args: &[&str]| {
        env.tvmux_command(args)
            .env("TVMUX_OUTPUT_DIRECTORY", &out_dir)
            .output()
            .unwrap()
    };
    let out = rec(&["rec", "start"]);
    assert!(out.status.success(), "{}", text(&out));
    let cast = PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .rsplit(' ')
            .next()
            .unwrap(),
    );
    wait_until("the first frame", || {
        std::fs::metadata(&cast).is_ok_and(|m| m.len() > 100)
    });
    let filler = fill(disk.path(), 64 << 10);
    env.type_line(&env.session, "seq 1 200000");
    wait_until_for("the recording to fail", Duration::from_secs(60), || {
        listed(&env)["state"] == "failed"
    });
    let status = listed(&env);
    let error = status["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("No space left on device"), "{status}");
    // Space comes back; the pane goes on printing.
    std::fs::remove_file(&filler).unwrap();
    env.type_line(&env.session, "seq 500000 500100");
    std::thread::sleep(Duration::from_millis(500));
    let numbers = numbers(&cast);
    assert!(!numbers.is_empty(), "some output was recorded");
    for pair in numbers.windows(2) {
        assert_eq!(
            pair[1],
            pair[0] + 1,
            "a line lost or written twice: {pair:?}"
        );
    }
    assert!(
        !numbers.contains(&500000),
        "nothing is written after the failure"
    );
    validate_full(&cast);
    // The failed recording, acknowledged: non-zero, and what the file holds.
    let id = status["id"].as_str().unwrap().to_string();
    let out = rec(&["rec", "stop", &id]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("failed: cannot write the cast: No space left on device")
            && said.contains(" is valid at ")
            && said.contains(&cast.display().to_string()),
        "{said}"
    );
    let log = std::fs::read_to_string(env.dir.path().join("run/server.log")).unwrap_or_default();
    assert!(
        log.contains("No space left on device"),
        "the log says it: {log}"
    );
    // Room again: a new recording of the same window works.
    let out = rec(&["rec", "start"]);
    assert!(out.status.success(), "{}", text(&out));
    env.type_line(&env.session, "echo again");
    std::thread::sleep(Duration::from_millis(300));
    let out = rec(&["rec", "stop"]);
    assert!(out.status.success(), "{}", text(&out));
    for c in casts_under(&out_dir) {
        validate_full(&c);
    }
}

/// An empty target (tmux reads it as the most recent session) or one that
/// tmux could read as an option is refused, by the CLI and by the API,
/// and nothing is recorded. Before: the most recent session's window.
#[test]
fn empty_and_option_like_targets_are_refused() {
    let env = Env::new();
    assert!(env.tvmux(&["server", "start"]).status.success());
    for target in ["", " ", "-L", "--help", "-Levil"] {
        let out = env.tvmux(&["rec", "start", &format!("--target={target}")]);
        assert_eq!(out.status.code(), Some(1), "{target:?}: {}", text(&out));
        assert!(text(&out).contains("target"), "{target:?}: {}", text(&out));
        let body = serde_json::json!({"tmux_socket": env.socket, "target": target}).to_string();
        env.api_fails(&["POST", "/recordings", &body], "target");
    }
    assert_eq!(env.recording_ids(), "");
    assert!(casts_under(&env.out_dir()).is_empty());
    let out = env.tvmux(&["rec", "status", "--target="]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // A real target still works.
    let out = env.tvmux(&["rec", "start", "-t", &format!("{}:0", env.session)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(env.tvmux(&["rec", "stop"]).status.success());
}
