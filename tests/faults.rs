//! The recorder and server under faults (issue 19): a full disk, racing
//! commands, a runtime directory others can write, connections that never
//! finish, targets tmux could read as options. Real tmux on a private
//! socket; tests that mount a tmpfs need root (as CI runs) and fail, saying
//! so, without it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::tmpfs::Tmpfs;
use common::tmux_env::*;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The cast a successful `rec start` (`recording ID PATH`) names.
fn started(out: &Output) -> PathBuf {
    assert!(out.status.success(), "{}", text(out));
    let said = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(said.trim().rsplit(' ').next().unwrap())
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
    let cast = started(&rec(&["rec", "start"]));
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

/// A runtime directory others can write is refused (not just chmodded);
/// once closed, links planted in it are never followed, and a planted list
/// of live casts cannot point repair at a file outside the output
/// directory. Before: the victim's files were appended to, truncated and
/// "repaired".
#[test]
fn a_runtime_directory_others_could_write_is_refused_and_planted_files_are_not_followed() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let env = Env::new();
    let run = env.dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o777)).unwrap();
    let victim = env.dir.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    let victim_cast = env.dir.path().join("victim.cast");
    let torn = b"{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"kept\"]\n[1.0, \"o\", \"to";
    std::fs::write(&victim_cast, torn).unwrap();
    for name in ["server.log", "server.pid", "recordings.json.tmp"] {
        symlink(&victim, run.join(name)).unwrap();
    }
    std::fs::write(
        run.join("recordings.json"),
        serde_json::to_vec(&[&victim_cast]).unwrap(),
    )
    .unwrap();
    let untouched = || {
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(std::fs::read(&victim_cast).unwrap(), torn);
    };

    let out = env.tvmux(&["server", "start"]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("can be written by others"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::metadata(&run).unwrap().permissions().mode() & 0o777,
        0o777,
        "refused, not silently chmodded"
    );
    untouched();

    // Closed by its owner, with the planted links still there.
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = env.tvmux(&["server", "start"]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("is a symbolic link"), "{}", text(&out));
    untouched();

    std::fs::remove_file(run.join("server.log")).unwrap();
    std::fs::remove_file(run.join("server.pid")).unwrap();
    let out = env.tvmux(&["server", "start"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = env.tvmux(&["rec", "start"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(env.tvmux(&["rec", "stop"]).status.success());
    untouched();
    let log = std::fs::read_to_string(run.join("server.log")).unwrap();
    assert!(log.contains("not repairing"), "{log}");
}

/// A full disk under the runtime directory (the log, the list of live
/// recordings): recording goes on, and the server says what it could not
/// write (`server status`, the event stream). Before: a log line on a full
/// disk panicked in `eprintln!`.
#[test]
fn a_full_runtime_directory_does_not_stop_recording() {
    let disk = Tmpfs::mount("256k");
    let env = Env::new();
    let run = disk.path().join("run");
    let tvmux = |args: &[&str]| {
        env.tvmux_command(args)
            .env("TVMUX_RUNTIME_DIR", &run)
            .output()
            .unwrap()
    };
    let out = tvmux(&["server", "start"]);
    assert!(out.status.success(), "{}", text(&out));
    let _filler = fill(disk.path(), 0);
    let cast = started(&tvmux(&["rec", "start"]));
    env.type_line(&env.session, "echo still-recording");
    wait_until("the output in the cast", || {
        plain_output(&cast).contains("still-recording")
    });
    let out = tvmux(&["rec", "stop"]);
    assert!(out.status.success(), "{}", text(&out));
    validate_full(&cast);
    let status = text(&tvmux(&["server", "status"]));
    assert!(
        status.contains("warning:") && status.contains("recordings.json"),
        "{status}"
    );
    let events = text(&tvmux(&["events", "--since", "0", "--no-follow"]));
    assert!(
        events.contains("warning") && events.contains("No space left"),
        "{events}"
    );
    assert!(tvmux(&["server", "stop"]).status.success());
}

/// Runs `command`, killing it after `limit`: its output, or None if it had
/// to be killed.
fn output_within(mut command: Command, limit: Duration) -> Option<Output> {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(child.wait_with_output().unwrap())
}

/// Connections that send nothing, or stop halfway through a request's
/// head or body, are closed after a few seconds, so a server at its
/// file-descriptor limit serves `rec ls` again. Before: never closed, and
/// `rec ls` hung for good.
#[test]
fn idle_and_half_sent_connections_are_closed() {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    let env = Env::new();
    // A server with few descriptors, so the idle connections exhaust them.
    let mut start = Command::new("prlimit");
    start.args(["--nofile=64:64", "--"]);
    let tvmux = env.tvmux_command(&["server", "start"]);
    start.arg(tvmux.get_program());
    start.args(tvmux.get_args());
    for (k, v) in tvmux.get_envs() {
        match v {
            Some(v) => start.env(k, v),
            None => start.env_remove(k),
        };
    }
    let out = start.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let socket = env.dir.path().join("run/server.sock");
    let mut held = Vec::new();
    for i in 0..90 {
        let Ok(mut s) = UnixStream::connect(&socket) else {
            break;
        };
        match i % 3 {
            0 => {}
            1 => s.write_all(b"GET /status HTTP/1.1\r\nHo").unwrap(),
            _ => s
                .write_all(
                    b"POST /recordings HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"ta",
                )
                .unwrap(),
        }
        held.push(s);
    }
    assert!(
        held.len() > 64,
        "enough connections to exhaust the server's descriptors"
    );
    let t0 = Instant::now();
    let ls = output_within(env.tvmux_command(&["rec", "ls"]), Duration::from_secs(40))
        .expect("rec ls answered (the server closed the idle connections)");
    assert!(ls.status.success(), "{}", text(&ls));
    assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
    // Every held connection was closed by the server (EOF or a 408).
    for s in &mut held {
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let mut buf = Vec::new();
        let read = s.read_to_end(&mut buf);
        assert!(read.is_ok(), "the server closed it: {read:?}");
    }
}

/// A server that accepts and never answers: the client gives up with a
/// clear message and a non-zero exit instead of hanging.
#[test]
fn a_server_that_never_answers_times_the_client_out() {
    let env = Env::new();
    let run = env.dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(run.join("server.sock")).unwrap();
    let accepted = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for s in listener.incoming().take(2) {
            kept.push(s);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let out = output_within(env.tvmux_command(&["rec", "ls"]), Duration::from_secs(40))
        .expect("the client gave up by itself");
    assert!(
        matches!(out.status.code(), Some(c) if c != 0),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("did not answer within"),
        "{}",
        text(&out)
    );
    drop(accepted);
}

/// Many start/stop/switch/rename cycles on several windows at once, while
/// another recorded window floods: every start and every stop succeeds,
/// nothing stays recording, and every cast left is valid.
#[test]
fn stress_start_stop_switch_rename_on_several_windows() {
    let env = Env::new();
    for name in ["a", "b", "c"] {
        env.must_with_shell(&["new-window", "-d", "-t", &env.session, "-n", name]);
        env.must_with_shell(&[
            "split-window",
            "-d",
            "-t",
            &format!("{}:{name}", env.session),
        ]);
    }
    // The load: a recorded window printing as fast as it can.
    let flood_target = format!("{}:0", env.session);
    let out = env.tvmux(&["rec", "start", "--target", &flood_target]);
    assert!(out.status.success(), "{}", text(&out));
    env.type_line(
        &flood_target,
        "for i in $(seq 1 400000); do echo flood $i; done",
    );
    let env = &env;
    std::thread::scope(|scope| {
        for name in ["a", "b", "c"] {
            // By id: the window is renamed under way.
            let target = env.query(&format!("{}:{name}", env.session), "#{window_id}");
            scope.spawn(move || {
                for cycle in 0..12 {
                    let out = env.tvmux(&["rec", "start", "--target", &target]);
                    assert!(out.status.success(), "{name} {cycle}: {}", text(&out));
                    let said = String::from_utf8_lossy(&out.stdout).into_owned();
                    let id = said.split_whitespace().nth(1).unwrap().to_string();
                    match cycle % 4 {
                        0 => {}
                        // The other pane each time: .1, then .0.
                        1 => {
                            let pane = format!("{target}.{}", (cycle / 4 + 1) % 2);
                            drop(env.tmux(&["select-pane", "-t", &pane]));
                        }
                        2 => drop(env.tmux(&[
                            "rename-window",
                            "-t",
                            &target,
                            &format!("{name}{cycle}"),
                        ])),
                        _ => {
                            env.type_line(&target, &format!("echo {name} {cycle}"));
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                    let out = env.tvmux(&["rec", "stop", &id]);
                    assert!(out.status.success(), "{name} {cycle}: stop: {}", text(&out));
                    assert!(
                        text(&out).contains("saved") || text(&out).contains("nothing was recorded"),
                        "{name} {cycle}: {}",
                        text(&out)
                    );
                }
            });
        }
    });
    let out = env.tvmux(&["rec", "stop"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.recording_ids(), "", "nothing left recording");
    let casts = casts_under(&env.out_dir());
    assert!(casts.len() >= 10, "{} casts", casts.len());
    for cast in casts {
        validate_full(&cast);
    }
}
