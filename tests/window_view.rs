//! `rec start --view window` against real tmux: the cast shows the window
//! as tmux draws it (every pane at its place, the borders, zoom), and the
//! user's session, sizes and current window are left alone.

mod common;

use std::path::Path;
use std::process::Command;

use common::tmux_env::*;

/// `rec start --view window ARGS…`; waits for the first drawing.
fn start_view(env: &Env, args: &[&str]) -> std::path::PathBuf {
    let path = env.rec_start(&[&["--view", "window"], args].concat());
    wait_until("the first drawing", || {
        events(&path).iter().any(|e| e.1 == "o")
    });
    path
}

/// Where each pane of the current window of `work` is: (id, left, top,
/// width, height).
fn panes(env: &Env) -> Vec<(String, u16, u16, u16, u16)> {
    let out = env.must(&[
        "list-panes",
        "-t",
        "work",
        "-F",
        "#{pane_id} #{pane_left} #{pane_top} #{pane_width} #{pane_height}",
    ]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let n = |i: usize| f[i].parse::<u16>().unwrap();
            (f[0].to_string(), n(1), n(2), n(3), n(4))
        })
        .collect()
}

/// The differences between each pane as tmux has it and the same region
/// of the cast's screen in an independent emulator.
fn pane_diffs(env: &Env, path: &Path) -> Vec<String> {
    let parser = render(path);
    let screen = parser.screen();
    let mut diffs = Vec::new();
    for (pane, left, top, width, height) in panes(env) {
        let want = env.screen(&pane);
        for row in 0..height {
            let got: String = (left..left + width)
                .map(|col| {
                    screen
                        .cell(top + row, col)
                        .map(|c| c.contents().to_string())
                        .filter(|c| !c.is_empty())
                        .unwrap_or_else(|| " ".into())
                })
                .collect::<String>()
                .trim_end()
                .to_string();
            let want = want.get(row as usize).cloned().unwrap_or_default();
            if got != want {
                diffs.push(format!("{pane} row {row}: cast {got:?}, tmux {want:?}"));
            }
        }
    }
    diffs
}

fn split_in_three(env: &Env) -> Vec<String> {
    env.must_with_shell(&["split-window", "-h", "-t", "work"]);
    env.must_with_shell(&["split-window", "-v", "-t", "work"]);
    panes(env).into_iter().map(|p| p.0).collect()
}

fn helper_sessions(env: &Env) -> Vec<String> {
    let out = env.tmux(&["list-sessions", "-F", "#{session_name}"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("tvmux-view-"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_pane_and_border_is_drawn_where_tmux_has_it() {
    let env = Env::new();
    let ids = split_in_three(&env);
    let path = start_view(&env, &[]);
    for (n, pane) in ids.iter().enumerate() {
        env.type_line(
            pane,
            &format!("printf '\\033[3{}mpane-{n}-text\\033[0m\\n'", n + 1),
        );
    }
    wait_until("every pane in the cast", || {
        pane_diffs(&env, &path).is_empty()
    });
    let parser = render(&path);
    let screen = parser.screen();
    let layout = panes(&env);
    // Each pane's text at its place, in its colour.
    for (n, (_, left, top, _, height)) in layout.iter().enumerate() {
        let text = format!("pane-{n}-text");
        let row = (*top..top + height)
            .find(|&r| {
                screen
                    .contents_between(r, *left, r, left + text.len() as u16)
                    .contains(&text)
            })
            .unwrap_or_else(|| panic!("{text} not drawn in its pane"));
        let cell = screen.cell(row, *left).unwrap();
        assert_eq!(cell.fgcolor(), vt100::Color::Idx(n as u8 + 1), "{text}");
    }
    // The borders: a line down the column after the left pane, and one
    // across between the right panes.
    let (_, _, _, left_width, height) = layout[0];
    let (_, _, _, _, top_height) = layout[1];
    for row in 0..height {
        let junction = if row == top_height { "├" } else { "│" };
        assert_eq!(screen.cell(row, left_width).unwrap().contents(), junction);
    }
    let (_, right_left, _, right_width, _) = layout[1];
    for col in right_left + 1..right_left + right_width {
        assert_eq!(screen.cell(top_height, col).unwrap().contents(), "─");
    }
    // The header has the window's size and the terminal tmux drew for.
    let header = std::fs::read_to_string(&path).unwrap();
    assert!(
        header.starts_with(r#"{"version":2,"width":80,"height":24"#),
        "{header}"
    );
    assert!(header.contains("xterm-256color"));

    // Zoomed: only that pane, the whole window.
    env.must(&["resize-pane", "-Z", "-t", &ids[1]]);
    wait_until("the zoomed pane alone", || {
        rendered_lines(&render(&path)) == pad(env.screen(&ids[1]), 24)
    });
    stop_all(&env);
    validate_full(&path);
    assert!(
        helper_sessions(&env).is_empty(),
        "{:?}",
        helper_sessions(&env)
    );
    assert!(!common::asciinema_cat(&path).is_empty());
}

fn pad(mut lines: Vec<String>, rows: usize) -> Vec<String> {
    lines.resize(rows, String::new());
    lines
}

#[test]
fn the_users_client_window_and_sizes_are_left_alone() {
    let env = Env::new();
    let user = UserClient::attach(&env, 100, 30);
    env.must_with_shell(&["split-window", "-h", "-t", "work"]);
    let before = UserClient::seen(&env);
    assert!(before.starts_with("100x30 @0"), "{before}");
    let window_size = || env.query("work:0", "#{window_width}x#{window_height}");
    assert_eq!(window_size(), "100x29");
    let path = start_view(&env, &["-t", "work:0"]);
    env.type_line("work:0.0", "echo first-window-$((1+1))");
    wait_until("the first window's text", || {
        pane_diffs(&env, &path).is_empty()
            && render(&path).screen().contents().contains("first-window-2")
    });
    // The user goes to another window: the recording stays on the first.
    env.must_with_shell(&["new-window", "-t", "work"]);
    env.type_line("work:1", "echo other-window-$((3+4))");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!render(&path).screen().contents().contains("other-window-7"));
    let other = env.query("work:1", "#{window_id}");
    assert_eq!(UserClient::seen(&env), before.replace("@0", &other));
    env.must(&["select-window", "-t", "work:0"]);
    assert_eq!(UserClient::seen(&env), before);
    assert_eq!(window_size(), "100x29");
    // The user's terminal resizes the window: the cast follows.
    env.must(&["resize-window", "-t", "work:0", "-x", "90", "-y", "25"]);
    wait_until("a resize event", || {
        events(&path).iter().any(|e| e.1 == "r" && e.2 == "90x25")
    });
    wait_until("the drawing at the new size", || {
        pane_diffs(&env, &path).is_empty()
    });
    // Larger than the terminal it started in.
    env.must(&["resize-window", "-t", "work:0", "-x", "120", "-y", "35"]);
    wait_until("a resize event", || {
        events(&path).iter().any(|e| e.1 == "r" && e.2 == "120x35")
    });
    wait_until("the drawing at the larger size", || {
        pane_diffs(&env, &path).is_empty()
    });
    stop_all(&env);
    validate_full(&path);
    assert!(helper_sessions(&env).is_empty());
    drop(user);
}

#[test]
fn the_status_line_adds_a_row() {
    let env = Env::new();
    let path = start_view(&env, &["--status"]);
    let header = std::fs::read_to_string(&path).unwrap();
    assert!(header.contains(r#""width":80,"height":25"#), "{header}");
    let name = env.query("work", "#{window_name}");
    wait_until("the status line", || {
        rendered_lines(&render(&path))[24].contains(&name)
    });
    stop_all(&env);
}

#[test]
fn a_closed_window_ends_it_and_a_killed_helper_fails_it() {
    let env = Env::new();
    env.must_with_shell(&["new-window", "-d", "-t", "work"]);
    let path = start_view(&env, &["-t", "work:1"]);
    env.type_line("work:1", "echo last-words");
    wait_until("the text", || {
        render(&path).screen().contents().contains("last-words")
    });
    env.must(&["kill-window", "-t", "work:1"]);
    wait_until("the recording to end", || env.recording_ids().is_empty());
    validate_full(&path);
    // The last screen stays in the cast (tmux's exit is not recorded).
    assert!(render(&path).screen().contents().contains("last-words"));

    let second = start_view(&env, &["-t", "work:0"]);
    let helper = helper_sessions(&env);
    assert_eq!(helper.len(), 1);
    env.must(&["kill-session", "-t", &helper[0]]);
    wait_until("the recording to fail", || {
        let out = env.tvmux(&["rec", "ls"]);
        String::from_utf8_lossy(&out.stdout).contains("FAILED")
    });
    let out = String::from_utf8_lossy(&env.tvmux(&["rec", "ls"]).stdout).into_owned();
    assert!(out.contains("killed"), "{out}");
    validate_full(&second);
}

#[test]
fn tmux_killed_while_recording_leaves_a_valid_cast() {
    let env = Env::new();
    let path = start_view(&env, &[]);
    env.type_line("work", "echo before-the-end");
    wait_until("the text", || {
        render(&path).screen().contents().contains("before-the-end")
    });
    env.must(&["kill-server"]);
    wait_until("the recording to end", || env.recording_ids().is_empty());
    validate_full(&path);
}

#[test]
fn a_server_killed_hard_leaves_no_helper_session() {
    let env = Env::new();
    let path = start_view(&env, &[]);
    assert_eq!(helper_sessions(&env).len(), 1);
    let pid = env.server_pid().expect("a pid file");
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    // Its client dies with it, and the helper with its last client.
    wait_until("the helper to go", || helper_sessions(&env).is_empty());
    assert_eq!(env.query("work", "#{session_windows}"), "1");
    let out = env.tvmux(&["server", "start"]);
    assert!(out.status.success());
    validate_full(&path);
}

#[test]
fn a_new_server_removes_helpers_a_crash_left_and_nothing_else() {
    let env = Env::new();
    for name in ["tvmux-view-98", "tvmux-view-99"] {
        env.must(&["new-session", "-d", "-s", name, "sleep", "60"]);
    }
    // Only 98 is marked as tvmux's; both are listed as left by a crash.
    env.must(&["set-option", "-t", "=tvmux-view-98:", "@tvmux-view", "@98"]);
    let run = env.dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    let list = serde_json::json!([
        [&env.socket, "tvmux-view-98"],
        [&env.socket, "tvmux-view-99"]
    ]);
    std::fs::write(run.join("views.json"), list.to_string()).unwrap();
    let out = env.tvmux(&["server", "start"]);
    assert!(out.status.success());
    assert_eq!(helper_sessions(&env), ["tvmux-view-99"]);
}

#[test]
fn the_users_session_ending_ends_it_and_its_windows() {
    let env = Env::new();
    // Another session keeps the tmux server alive.
    env.must_with_shell(&["new-session", "-d", "-s", "other"]);
    let window = env.query("work", "#{window_id}");
    let path = start_view(&env, &[]);
    env.must(&["kill-session", "-t", "work"]);
    wait_until("the recording to end", || env.recording_ids().is_empty());
    let out = String::from_utf8_lossy(&env.tvmux(&["rec", "ls"]).stdout).into_owned();
    assert!(!out.contains("FAILED"), "{out}");
    validate_full(&path);
    // The window lived on in the helper only until the recording ended.
    assert!(helper_sessions(&env).is_empty());
    let windows = env.must(&["list-windows", "-a", "-F", "#{window_id}"]);
    assert!(!String::from_utf8_lossy(&windows.stdout).contains(&window));
}

#[test]
fn the_status_line_needs_the_window_view() {
    let env = Env::new();
    let out = env.tvmux(&["rec", "start", "--status"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--view window"));
    assert!(env.recording_ids().is_empty());
}
