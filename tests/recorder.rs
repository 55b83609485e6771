//! The recorder against real tmux, each test on its own private `-L` server
//! and its own tvmux runtime directory, both killed at the end.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::oracles::*;
use common::tmux_env::*;

#[test]
fn records_typed_text_and_asciinema_reads_it() {
    let env = Env::new();
    let path = env.start();
    // A second start on the same window says so and succeeds.
    let again = env.tvmux(&["rec", "start"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("already recording"));
    env.type_line("work", "echo hello-$((6*7))");
    wait_until("the echo", || {
        env.screen("work").iter().any(|l| l == "hello-42")
    });
    assert_eq!(env.recording_ids(), "1");
    let stopped = stop_all(&env);
    assert!(stopped.contains(&path.display().to_string()), "{stopped}");
    validate_full(&path);
    assert!(plain_output(&path).contains("hello-42"));
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(name.contains("_work_@"), "{name}");
    let played = common::asciinema_cat(&path);
    assert!(String::from_utf8_lossy(&played).contains("hello-42"));
    // Unknown ids are named and exit 1.
    let out = env.tvmux(&["rec", "stop", "99"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("recording 99"));
}

/// A stopped recording is indexed by the server (after the stop is
/// announced): `grep` answers from the index, which holds what was typed.
#[test]
fn a_stopped_recording_is_indexed() {
    let env = Env::new();
    let path = env.start();
    env.type_line("work", "echo indexed-$((6*7))");
    wait_until("the echo", || plain_output(&path).contains("indexed-42"));
    stop_all(&env);
    let index = env.cache_dir().join("tvmux/index");
    // The index is renamed into place once whole (its temporary file is
    // there before).
    wait_until("the index", || {
        std::fs::read_dir(&index).is_ok_and(|d| {
            d.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".idx"))
        })
    });
    let out = env.tvmux(&["index", path.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("the index is fresh"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = env.tvmux(&["grep", "indexed-42", path.to_str().unwrap()]);
    assert!(out.status.success());
}

#[test]
fn follows_the_active_pane() {
    let env = Env::new();
    let a = env.query("work", "#{pane_id}");
    let path = env.start();
    env.type_line(&a, "echo one-$((1))");
    wait_until("one", || plain_output(&path).contains("one-1"));
    let out = env.with_shell(&["split-window", "-t", &a, "-P", "-F", "#{pane_id}"]);
    let b = String::from_utf8_lossy(&out.stdout).trim().to_string();
    wait_until("the frame for the new pane", || {
        events(&path)
            .iter()
            .filter(|e| e.2.starts_with(FRAME_START))
            .count()
            >= 2
    });
    env.type_line(&b, "echo two-$((2))");
    wait_until("two", || plain_output(&path).contains("two-2"));
    // Output of the inactive pane is not recorded.
    env.type_line(&a, "echo hidden-$((3))");
    wait_until("hidden in pane a", || {
        env.screen(&a).iter().any(|l| l == "hidden-3")
    });
    env.tmux(&["select-pane", "-t", &a]);
    env.type_line(&a, "echo three-$((3))");
    wait_until("three", || plain_output(&path).contains("three-3"));
    env.tmux(&["last-pane", "-t", &a]);
    env.type_line(&b, "echo four-$((4))");
    wait_until("four", || plain_output(&path).contains("four-4"));
    env.tmux(&["kill-pane", "-t", &b]);
    wait_until("back to pane a", || env.query("work", "#{pane_id}") == a);
    env.type_line(&a, "echo five-$((5))");
    wait_until("five", || plain_output(&path).contains("five-5"));
    let last_screen = env.screen(&a);
    stop_all(&env);
    validate_full(&path);
    let out = plain_output(&path);
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("one-1") < at("two-2") && at("two-2") < at("three-3"));
    assert!(at("three-3") < at("four-4") && at("four-4") < at("five-5"));
    assert!(
        !out.contains("hidden"),
        "output of an inactive pane was recorded"
    );
    let frames = events(&path)
        .iter()
        .filter(|e| e.2.starts_with(FRAME_START))
        .count();
    assert_eq!(frames, 5, "start, split, select, last, kill");
    // The frame redrew what pane a showed, including what it printed while
    // inactive: the emulator's screen is tmux's.
    assert!(last_screen.iter().any(|l| l == "hidden-3"));
    let shown = |v: Vec<String>| v.into_iter().filter(|l| !l.is_empty()).collect::<Vec<_>>();
    assert_eq!(shown(rendered_lines(&render(&path))), shown(last_screen));
}

#[test]
fn the_cast_renders_like_the_pane_looks() {
    let env = Env::new();
    let path = env.start();
    env.type_line(
        "work",
        "printf '\\033[31mred\\033[0m plain \\033[1;32mgreen\\033[0m\\n'",
    );
    wait_until("colours", || {
        env.screen("work").iter().any(|l| l == "red plain green")
    });
    // A full-screen program on the alternate screen.
    let text = env.dir.path().join("text.txt");
    std::fs::write(
        &text,
        (1..200).map(|i| format!("line {i}\n")).collect::<String>(),
    )
    .unwrap();
    env.type_line("work", &format!("less {}", text.display()));
    wait_until("less", || env.screen("work").iter().any(|l| l == "line 23"));
    std::thread::sleep(Duration::from_millis(300));
    // A split and a switch back: the frame must redraw the alternate screen.
    let a = env.query("work", "#{pane_id}");
    env.tmux(&["split-window", "-d", "-t", &a]);
    env.tmux(&["select-pane", "-t", &a, "-D"]);
    wait_until("switch away", || env.query("work", "#{pane_id}") != a);
    env.tmux(&["select-pane", "-t", &a]);
    wait_until("switch back", || env.query("work", "#{pane_id}") == a);
    wait_until("the frame", || {
        events(&path)
            .iter()
            .filter(|e| e.2.starts_with(FRAME_START))
            .count()
            >= 3
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_same_screen(&env, &a, &path);
    env.type_line(&a, "q");
    wait_until("less quits", || {
        env.screen(&a).iter().any(|l| l == "red plain green")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_same_screen(&env, &a, &path);
    stop_all(&env);
    validate_full(&path);
    let parser = render(&path);
    let row = env
        .screen(&a)
        .iter()
        .position(|l| l == "red plain green")
        .unwrap() as u16;
    let cell = |col| parser.screen().cell(row, col).unwrap().clone();
    assert_eq!(cell(0).fgcolor(), vt100::Color::Idx(1), "red");
    assert_eq!(cell(4).fgcolor(), vt100::Color::Default, "plain");
    assert_eq!(
        (cell(10).fgcolor(), cell(10).bold()),
        (vt100::Color::Idx(2), true),
        "bold green"
    );
}

#[test]
fn two_windows_of_one_session_share_one_control_client() {
    let env = Env::new();
    let first = env.start();
    env.with_shell(&["new-window", "-d", "-t", "work:1"]);
    let second = env.start_with(&["-t", "work:1"]);
    assert_ne!(first, second);
    let control_clients = || {
        let out = env.tmux(&["list-clients", "-F", "#{client_control_mode}"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| *l == "1")
            .count()
    };
    assert_eq!(control_clients(), 1);
    env.type_line("work:0", "echo left-$((1))");
    env.type_line("work:1", "echo right-$((2))");
    wait_until("both", || {
        plain_output(&first).contains("left-1") && plain_output(&second).contains("right-2")
    });
    assert!(!plain_output(&first).contains("right-2") && !plain_output(&second).contains("left-1"));
    stop_all(&env);
    validate_full(&first);
    validate_full(&second);
    wait_until("the control client to detach", || control_clients() == 0);
}

#[test]
fn records_v3_when_asked() {
    let env = Env::new();
    let path = env.start_with(&["--format", "v3"]);
    env.type_line("work", "echo three-$((1+2))");
    wait_until("the echo", || plain_output(&path).contains("three-3"));
    stop_all(&env);
    validate_full(&path);
    let header: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (header["version"].as_u64(), header["term"]["cols"].as_u64()),
        (Some(3), Some(80))
    );
    // v3 times are intervals: none is negative, and they add up to the duration.
    let total: f64 = events(&path).iter().map(|e| e.0).sum();
    assert!(events(&path).iter().all(|e| e.0 >= 0.0) && total < 60.0);
}

#[test]
fn window_close_and_session_kill_end_recordings() {
    let env = Env::new();
    let path = env.start();
    env.type_line("work", "echo bye-$((9))");
    wait_until("bye", || plain_output(&path).contains("bye-9"));
    env.tmux(&["new-window", "-d", "-t", "work"]);
    env.tmux(&["kill-window", "-t", "work:0"]);
    wait_until("the recording to end", || env.recording_ids().is_empty());
    validate_full(&path);
    // Now a recording whose whole session goes away.
    let second = env.start_with(&["-t", "work:1"]);
    env.tmux(&["kill-session", "-t", "work"]);
    wait_until("the recording to end", || env.recording_ids().is_empty());
    validate_full(&second);
    assert_ne!(path, second);
}

#[test]
fn a_server_killed_hard_leaves_a_cast_the_next_one_repairs() {
    let env = Env::new();
    let path = env.start();
    env.type_line("work", "echo saved-$((5))");
    wait_until("flushed", || plain_output(&path).contains("saved-5"));
    let pid = env.server_pid().expect("a pid file");
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    wait_until("the server to die", || {
        !Path::new(&format!("/proc/{pid}")).exists()
    });
    // Its tmux control client dies with it.
    wait_until("the control client to go", || {
        env.tmux(&["list-clients", "-F", "#{client_control_mode}"])
            .stdout
            .iter()
            .all(|&b| b != b'1')
    });
    // What a crash mid-write leaves: a torn last line.
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"[9.5, \"o\", \"torn")
        .unwrap();
    let out = env.tvmux(&["server", "start"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(env.dir.path().join("run/server.log")).unwrap();
    assert!(
        log.contains(&format!("repaired {}", path.display())),
        "{log}"
    );
    validate_full(&path);
    assert!(plain_output(&path).contains("saved-5"));
}

#[test]
fn the_socket_is_for_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    assert!(env.tvmux(&["server", "start"]).status.success());
    let run = env.dir.path().join("run");
    let socket = run.join("server.sock");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&run), mode(&socket)), (0o700, 0o600));
    // Another user: refused by the file modes, and by the peer check when
    // the modes are opened up.
    let probe = |socket: &Path| {
        Command::new("python3")
            .args(["-c", "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ns.sendall(b'GET /status HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\nsys.stdout.write(s.recv(100).decode())"])
            .arg(socket)
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap()
    };
    use std::os::unix::process::CommandExt;
    let out = probe(&socket);
    assert!(!out.status.success(), "another user connected");
    for p in [env.dir.path(), &run, &socket] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let out = probe(&socket);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "the server answered another user"
    );
    // The owner still gets answers.
    let status = env.tvmux(&["server", "status"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("recordings: 0"));
    // A second server refuses to start; the first keeps running.
    // (With the directories closed again: one others can write is refused.)
    for p in [env.dir.path(), &run] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let second = Command::new(env!("CARGO_BIN_EXE_tvmux"))
        .args(["server", "run"])
        .env("TVMUX_RUNTIME_DIR", &run)
        .output()
        .unwrap();
    assert!(!second.status.success());
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(said.contains("already running"), "{said}");
    assert!(env.tvmux(&["server", "status"]).status.success());
}

#[test]
fn a_flood_of_output_arrives_whole() {
    let env = Env::new();
    let path = env.start();
    let n: u64 = std::env::var("TVMUX_FLOOD_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(13_000_000);
    env.type_line("work", &format!("seq 1 {n}; echo flood-$((1))-done"));
    let pid = env.server_pid().unwrap();
    let mut peak_kb = 0u64;
    wait_until_for("the flood to be recorded", Duration::from_secs(600), || {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let rss = status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok());
            peak_kb = peak_kb.max(rss.unwrap_or(0));
        }
        tail_contains(&path, "flood-1-done")
    });
    stop_all(&env);
    validate_full(&path);
    let out = plain_output(&path).replace("\r\n", "\n");
    let mut expected = 1u64;
    for line in out.lines() {
        // What a terminal shows of the line: the text after its last CR.
        let line = line.rsplit('\r').next().unwrap_or_default();
        if line == expected.to_string() {
            expected += 1;
        }
    }
    assert_eq!(
        expected,
        n + 1,
        "lines of seq missing after {}",
        expected - 1
    );
    let bytes: u64 = (1..=n).map(|i| i.to_string().len() as u64 + 1).sum();
    assert!(bytes >= 100_000_000 || n != 13_000_000);
    eprintln!("flood: {n} lines, server peak RSS {peak_kb} kB");
    assert!(peak_kb < 256 * 1024, "server RSS reached {peak_kb} kB");
}

/// A target tmux cannot find is refused with tmux's own message: never a
/// recording of some other window (issue: `display -p` falls back to the
/// current pane).
#[test]
fn a_target_that_does_not_exist_is_refused() {
    let env = Env::new();
    for (target, said) in [
        ("work:99", "can't find window: 99"),
        ("work:0.9", "can't find pane: 9"),
        ("nosuch", "can't find window: nosuch"),
        ("%999", "can't find pane: %999"),
        ("@99", "can't find window: @99"),
    ] {
        let out = env.tvmux(&["rec", "start", "-t", target]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{target}: {err}");
        assert!(err.contains(said), "{target}: {err}");
    }
    assert_eq!(env.recording_ids(), "", "nothing is recorded");
    // Over the API: 404 with the same message.
    let out = env.tvmux(&[
        "api",
        "POST",
        "/recordings",
        &format!(
            "{{\"tmux_socket\": {:?}, \"target\": \"work:99\"}}",
            env.socket.display().to_string()
        ),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let said = format!(
        "{}{}",
        common::stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("404") || said.contains("can't find window: 99"),
        "{said}"
    );
}

/// Without `?socket=`, the server's tmux API talks to the tmux server of the
/// `$TMUX` it was started from, not tmux's default socket.
#[test]
fn the_api_defaults_to_the_tmux_it_was_started_from() {
    let env = Env::new();
    // Starting a recording starts the server with this test's $TMUX.
    env.start();
    let sock = env.dir.path().join("run/server.sock");
    common::programs::require("curl", "--version");
    let out = Command::new("curl")
        .args(["-s", "--unix-socket"])
        .arg(&sock)
        .arg("http://tvmux/sessions")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"name\":\"work\""), "{text}");
    stop_all(&env);
}

/// Text on the screen is never protocol: a pane showing `%end …` and
/// `%window-close @N` lines is captured on a switch, and the recording goes on.
#[test]
fn pane_text_that_looks_like_protocol_is_only_text() {
    let env = Env::new();
    let window = env.query("work", "#{window_id}");
    env.must_with_shell(&["split-window", "-t", "work"]);
    let fake = env.query("work", "#{pane_id}");
    env.tmux(&["select-pane", "-t", "work.0"]);
    env.type_line(
        &fake,
        &format!("printf '%%end 1 1 1\\n%%window-close {window}\\n%%exit\\n'"),
    );
    wait_until("the fake protocol on screen", || {
        env.screen(&fake)
            .iter()
            .any(|l| l.starts_with("%window-close"))
    });
    let path = env.start();
    env.tmux(&["select-pane", "-t", &fake]);
    wait_until("the switch frame", || {
        events(&path)
            .iter()
            .any(|e| e.2.starts_with(FRAME_START) && e.2.contains("%window-close"))
    });
    env.type_line(&fake, "echo still-recording");
    wait_until("output after the switch", || {
        tail_contains(&path, "still-recording")
    });
    assert_ne!(env.recording_ids(), "", "the recording must go on");
    stop_all(&env);
    validate_full(&path);
}

/// A detach (`detach-client -s`, as `attach -d` elsewhere does) never ends a
/// recording: the recorder attaches again, redraws, and goes on.
#[test]
fn a_detach_does_not_end_the_recording() {
    let env = Env::new();
    let path = env.start();
    let id = env.recording_ids();
    for round in 0..2 {
        let before = frames(&path);
        let out = env.tmux(&["detach-client", "-s", "work"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        wait_until("a redraw frame after the detach", || frames(&path) > before);
        assert_eq!(env.recording_ids(), id, "round {round}");
        env.type_line("work", &format!("echo after-detach-{round}"));
        wait_until("output after the detach", || {
            tail_contains(&path, &format!("after-detach-{round}"))
        });
    }
    stop_all(&env);
    validate_full(&path);
}

/// tmux tells every control client `%window-close` / `%unlinked-window-close`
/// when any link goes: a grouped session killed, another link unlinked. The
/// window still exists, so the recording goes on.
#[test]
fn unlinking_another_link_keeps_the_recording() {
    let env = Env::new();
    let window = env.query("work", "#{window_id}");
    let path = env.start();
    let id = env.recording_ids();
    env.must(&["new-session", "-d", "-t", "work", "-s", "grouped"]);
    env.must(&["kill-session", "-t", "grouped"]);
    env.must_with_shell(&["new-session", "-d", "-s", "other"]);
    env.must(&["link-window", "-s", &window, "-t", "other:7"]);
    env.must(&["unlink-window", "-t", "other:7"]);
    env.type_line("work", "echo still-here");
    wait_until("output after the unlinks", || {
        tail_contains(&path, "still-here")
    });
    assert_eq!(env.recording_ids(), id);
    stop_all(&env);
    validate_full(&path);
}

/// A window moved to another session cannot be followed by this session's
/// client: the recording ends, says why, and stays listed as failed until
/// `rec forget`.
#[test]
fn a_moved_window_ends_with_a_reason_that_stays_listed() {
    let env = Env::new();
    let window = env.query("work", "#{window_id}");
    // A second window keeps the session alive after the move.
    env.must_with_shell(&["new-window", "-d", "-t", "work"]);
    let path = env.start();
    let id = env.recording_ids();
    env.must_with_shell(&["new-session", "-d", "-s", "other"]);
    env.must(&["move-window", "-s", &window, "-t", "other:5"]);
    wait_until("the recording to fail", || {
        common::stdout(&env.tvmux(&["rec", "ls"])).contains("FAILED")
    });
    let listed = common::stdout(&env.tvmux(&["rec", "ls"]));
    assert!(listed.contains("moved to another session"), "{listed}");
    assert_eq!(env.recording_ids(), id, "listed until acknowledged");
    let out = env.tvmux(&["rec", "forget", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.recording_ids(), "");
    let all = common::stdout(&env.tvmux(&["rec", "ls", "--all"]));
    assert!(!all.contains("FAILED"), "{all}");
    validate_full(&path);
}

/// `rec ls` follows renames, and names with control characters are shown
/// escaped: nothing reaches the terminal raw.
#[test]
fn renames_are_followed_and_names_escaped() {
    let env = Env::new();
    let hostile = "evil\u{1b}]0;pwned\u{7}\u{1b}[31mred\ttab\nline";
    // A name given at creation reaches tvmux raw (through list-panes)...
    env.must(&["rename-window", "-t", "work", hostile]);
    env.start();
    let listed = common::stdout(&env.tvmux(&["rec", "ls"]));
    assert!(
        !listed.contains('\u{1b}') && !listed.contains('\u{7}'),
        "{listed:?}"
    );
    assert!(listed.contains("pwned"), "{listed}");
    assert_eq!(
        listed.lines().count(),
        2,
        "one header and one row: {listed:?}"
    );
    // ...a rename through %window-renamed, which tmux escapes itself.
    env.must(&["rename-window", "-t", "work", &format!("second {hostile}")]);
    env.must(&["rename-session", "-t", "work", "renamed"]);
    wait_until("the new names", || {
        let listed = common::stdout(&env.tvmux(&["rec", "ls"]));
        listed.contains("renamed") && listed.contains("second")
    });
    let listed = common::stdout(&env.tvmux(&["rec", "ls"]));
    assert!(
        !listed.contains('\u{1b}') && !listed.contains('\u{7}'),
        "{listed:?}"
    );
    assert_eq!(
        listed.lines().count(),
        2,
        "one header and one row: {listed:?}"
    );
    stop_all(&env);
}

/// Trailing blanks keep their attributes in frames (`capture-pane -N`).
#[test]
fn frames_keep_attributes_on_trailing_blanks() {
    let env = Env::new();
    env.must_with_shell(&["split-window", "-t", "work"]);
    let coloured = env.query("work", "#{pane_id}");
    env.type_line(
        &coloured,
        "clear; printf '\\033[41m          \\033[0m\\n\\033[7m status line \\033[K\\033[0m\\n'",
    );
    wait_until("the coloured lines", || {
        env.screen(&coloured)
            .iter()
            .any(|l| l.contains("status line"))
    });
    env.tmux(&["select-pane", "-t", "work.0"]);
    let path = env.start();
    env.tmux(&["select-pane", "-t", &coloured]);
    wait_until("the switch frame", || frames(&path) >= 2);
    assert_same_cells(&env, &coloured, &path);
    stop_all(&env);
}

/// Zoom changes what the user sees: an `r` event to the zoomed size, output
/// replays at that width, and unzoom writes the size back.
#[test]
fn zoom_writes_resize_events() {
    let env = Env::new();
    env.must_with_shell(&["split-window", "-h", "-t", "work"]);
    let pane = env.query("work", "#{pane_id}");
    let path = env.start();
    let small = env.query(&pane, "#{pane_width}x#{pane_height}");
    env.tmux(&["resize-pane", "-Z", "-t", &pane]);
    let big = env.query(&pane, "#{pane_width}x#{pane_height}");
    assert_ne!(small, big);
    wait_until("a resize to the zoomed size", || {
        events(&path).iter().any(|e| e.1 == "r" && e.2 == big)
    });
    env.type_line(&pane, "printf 'wide %070d\\n' 7");
    wait_until("the wide line", || tail_contains(&path, "wide"));
    assert_same_cells(&env, &pane, &path);
    env.tmux(&["resize-pane", "-Z", "-t", &pane]);
    wait_until("a resize back", || {
        events(&path)
            .last()
            .is_some_and(|e| e.1 == "r" && e.2 == small)
            || events(&path)
                .iter()
                .rev()
                .find(|e| e.1 == "r")
                .is_some_and(|e| e.2 == small)
    });
    stop_all(&env);
}

/// tmux does not report a pane's pen or charsets; a frame restores them from
/// the pane's own output, so text written after a switch looks as in tmux.
#[test]
fn the_pen_and_charsets_survive_a_switch() {
    let env = Env::new();
    env.must_with_shell(&["split-window", "-t", "work"]);
    let other = env.query("work", "#{pane_id}");
    env.tmux(&["select-pane", "-t", "work.0"]);
    let path = env.start();
    for (setup, typed) in [
        ("printf '\\033[1;31;44m'", "echo red-on-blue"),
        ("printf '\\033[0m\\033(0'", "echo lqqk"),
    ] {
        env.type_line(&other, setup);
        std::thread::sleep(Duration::from_millis(200));
        env.tmux(&["select-pane", "-t", &other]);
        let before = frames(&path);
        wait_until("the switch frame", || {
            frames(&path) > before || {
                // Already the active pane: no new frame needed.
                env.query("work", "#{pane_id}") == other && before > 1
            }
        });
        env.type_line(&other, typed);
        let marker = typed.split(' ').nth(1).unwrap().to_string();
        wait_until("the typed text", || {
            env.screen(&other)
                .iter()
                .filter(|l| !l.contains("echo"))
                .count()
                > 0
                && tail_contains(&path, &marker)
        });
        std::thread::sleep(Duration::from_millis(300));
        assert_same_cells(&env, &other, &path);
        assert_same_text_in_avt(&env, &other, &path);
        env.tmux(&["select-pane", "-t", "work.0"]);
        std::thread::sleep(Duration::from_millis(200));
    }
    stop_all(&env);
}

/// Tab stops are the pane's: set before the recording began (the first
/// frame sets them), and not carried into another pane after a switch (the
/// frame clears them and sets that pane's). avt is the judge: vt100 knows
/// no tab stops but every eighth column.
#[test]
fn tab_stops_follow_the_pane() {
    let env = Env::new();
    env.must_with_shell(&["split-window", "-t", "work"]);
    let custom = env.query("work", "#{pane_id}");
    env.type_line(
        &custom,
        "clear; printf '\\033[3g\\033[5G\\033H\\033[9G\\033H\\033[13G\\033H\\r'",
    );
    wait_until("the tab stops", || {
        env.query(&custom, "#{pane_tabs}") == "4,8,12"
    });
    let path = env.start();
    let steps = [
        (custom.clone(), "TABS1", None),
        ("work.0".to_string(), "TABS2", None),
        // Back, then a resize (players reset tab stops when they resize).
        (custom.clone(), "TABS3", Some("60")),
    ];
    for (i, (pane, marker, width)) in steps.into_iter().enumerate() {
        if i > 0 {
            let before = frames(&path);
            env.tmux(&["select-pane", "-t", &pane]);
            wait_until("the switch frame", || frames(&path) > before);
            env.type_line(&pane, "clear");
        }
        if let Some(width) = width {
            let before = frames(&path);
            env.tmux(&["resize-window", "-t", "work", "-x", width]);
            wait_until("the resize frame", || frames(&path) > before);
        }
        env.type_line(&pane, &format!("printf 'a\\tb\\tc\\t%s\\n' {marker}"));
        wait_until("the tabbed line", || {
            env.screen(&pane)
                .iter()
                .any(|l| l.starts_with("a") && l.ends_with(marker))
                && tail_contains(&path, marker)
        });
        std::thread::sleep(Duration::from_millis(300));
        assert_same_text_in_avt(&env, &pane, &path);
    }
    stop_all(&env);
}

/// The cast looks like tmux after every switch and at the end, across what
/// terminals show: colours of every depth, wide characters, scroll regions,
/// an alternate-screen program, three panes with select/last/kill/zoom, a
/// window resize, and a second session recorded at the same time.
#[test]
fn fidelity_across_switches() {
    let env = Env::new();
    let a = env.query("work", "#{pane_id}");
    let b = String::from_utf8(
        env.with_shell(&["split-window", "-P", "-F", "#{pane_id}", "-t", &a])
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let c = String::from_utf8(
        env.with_shell(&["split-window", "-h", "-P", "-F", "#{pane_id}", "-t", &b])
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let text = env.dir.path().join("lines.txt");
    std::fs::write(
        &text,
        (1..200)
            .map(|i| format!("line {i} \u{2502} caf\u{e9}\n"))
            .collect::<String>(),
    )
    .unwrap();
    env.tmux(&["select-pane", "-t", &a]);
    let path = env.start();
    // A second session, recorded at the same time.
    env.must_with_shell(&["new-session", "-d", "-s", "second", "-x", "60", "-y", "20"]);
    let second_pane = env.query("second", "#{pane_id}");
    let second = env.start_with(&["-t", "second"]);

    env.type_line(&a, "printf '\\033[31mred \\033[42mon-green\\033[0m \\033[38;5;208m256\\033[0m \\033[38;2;10;200;30mtrue\\033[0m \\033[1;4mbold-ul\\033[0m\\n'");
    env.type_line(
        &a,
        "printf '\\346\\227\\245\\346\\234\\254\\350\\252\\236 wide \\360\\237\\230\\200 end\\n'",
    );
    env.type_line(&second_pane, "printf '\\033[35msecond session\\033[0m\\n'");
    assert_converges(&env, &a, &path, "colours and wide characters");
    assert_converges(&env, &second_pane, &second, "the second session");

    env.type_line(
        &b,
        "printf '\\033[2;5r\\033[5;1H'; for i in 1 2 3 4 5 6 7; do echo scrolled-$i; done",
    );
    env.tmux(&["select-pane", "-t", &b]);
    assert_converges(&env, &b, &path, "select to a pane with a scroll region");

    env.type_line(&c, &format!("less {}", text.display()));
    std::thread::sleep(Duration::from_millis(300));
    env.tmux(&["select-pane", "-t", &c]);
    assert_converges(&env, &c, &path, "select to less (alternate screen)");
    env.tmux(&["send-keys", "-t", &c, "G"]);
    assert_converges(&env, &c, &path, "less scrolled");

    env.tmux(&["last-pane", "-t", "work"]);
    assert_converges(&env, &b, &path, "last-pane");
    env.tmux(&["select-pane", "-t", &c]);
    env.tmux(&["resize-pane", "-Z", "-t", &c]);
    assert_converges(&env, &c, &path, "zoom on less");
    env.tmux(&["resize-pane", "-Z", "-t", &c]);
    env.tmux(&["send-keys", "-t", &c, "q"]);
    assert_converges(&env, &c, &path, "unzoom, less quit");

    // Narrowed while in less, then less quits (tmux restores the normal
    // screen at the new width).
    env.type_line(&c, &format!("less {}", text.display()));
    assert_converges(&env, &c, &path, "less again");
    env.tmux(&["resize-pane", "-t", &c, "-x", "25"]);
    assert_converges(&env, &c, &path, "narrowed in less");
    env.tmux(&["send-keys", "-t", &c, "q"]);
    assert_converges(&env, &c, &path, "less quit after the narrowing");
    // vim: its own alternate screen, reverse-video status line, colours.
    env.type_line(
        &c,
        &format!("vim -u NONE -N -c 'set laststatus=2' {}", text.display()),
    );
    assert_converges(&env, &c, &path, "vim");
    env.tmux(&["select-pane", "-t", &a]);
    env.tmux(&["select-pane", "-t", &c]);
    assert_converges(&env, &c, &path, "back to vim");
    env.tmux(&["send-keys", "-t", &c, ":q!", "Enter"]);
    assert_converges(&env, &c, &path, "vim quit");

    env.tmux(&["kill-pane", "-t", &c]);
    let now = env.query("work", "#{pane_id}");
    assert_converges(&env, &now, &path, "kill-pane");
    env.tmux(&["resize-window", "-t", "work", "-x", "100", "-y", "30"]);
    env.type_line(&now, "echo after-resize");
    assert_converges(&env, &now, &path, "window resize");
    stop_all(&env);
    validate_full(&path);
    validate_full(&second);
}

/// `GET /events` through `tvmux events`: the history after a number, and a
/// follower that sees each event as it happens and ends when the server does.
#[test]
fn events_tell_what_happened_and_follow() {
    let env = Env::new();
    let path = env.start();
    env.must(&["rename-window", "-t", "work:0", "renamed-now"]);
    let stopped = stop_all(&env);
    assert!(stopped.contains(&path.display().to_string()), "{stopped}");
    let events = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = env.tvmux(&[&["events", "--json"], args].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    // The stop answers once the cast is synced, which a disk busy with
    // another test's flood can delay past the stop's own wait.
    wait_until_for(
        "the stopped event",
        std::time::Duration::from_secs(90),
        || {
            events(&["--since", "0", "--no-follow"])
                .iter()
                .rfind(|e| e["kind"] != "tmux")
                .is_some_and(|e| e["kind"] == "stopped")
        },
    );
    let history = events(&["--since", "0", "--no-follow"]);
    // tmux's own notifications may come before the start (the control
    // client attaches first) and after the stop: the recording's events
    // are the others.
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .filter(|k| *k != "tmux")
        .collect();
    assert_eq!(kinds.first(), Some(&"started"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"stopped"), "{kinds:?}");
    let ours: Vec<&serde_json::Value> = history.iter().filter(|e| e["kind"] != "tmux").collect();
    assert_eq!(ours[0]["recording"], ours.last().unwrap()["recording"]);
    assert!(
        history.iter().any(|e| e["kind"] == "tmux"
            && e["detail"].as_str().unwrap().starts_with("%window-renamed")
            && e["detail"].as_str().unwrap().ends_with("renamed-now")),
        "{history:?}"
    );
    // Numbers grow; --since skips what came before.
    let last = history.last().unwrap()["seq"].as_u64().unwrap();
    assert!(events(&["--since", &last.to_string(), "--no-follow"]).is_empty());

    // A follower sees the next recording start, and ends with the server.
    let mut follower = env
        .tvmux_command(&["events", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follower.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    // The follower is connected once the server has it; then start.
    std::thread::sleep(std::time::Duration::from_millis(300));
    env.start();
    let (seen, event) = loop {
        let seen = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        let event: serde_json::Value = serde_json::from_str(&seen).unwrap();
        if event["kind"] != "tmux" {
            break (seen, event);
        }
    };
    assert_eq!(event["kind"], "started", "{seen}");
    assert!(env.tvmux(&["server", "stop"]).status.success());
    wait_until("the follower to end with the server", || {
        follower.try_wait().unwrap().is_some()
    });
}
