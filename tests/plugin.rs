//! The tmux plugin (`tvmux.tmux`) in real tmux: loaded with `run-shell`,
//! its key pressed on a user's client starts and stops a recording, and the
//! status-line segment says so.

mod common;

use common::tmux_env::*;

#[test]
fn the_key_toggles_a_recording_and_the_status_shows_it() {
    let env = Env::new();
    // What the plugin's commands need, as a user's environment would have.
    let bin = env!("CARGO_BIN_EXE_tvmux");
    for (name, value) in [
        ("TVMUX_RUNTIME_DIR", env.dir.path().join("run")),
        ("TVMUX_CONFIG_FILE", env.dir.path().join("none.conf")),
        ("TVMUX_OUTPUT_DIRECTORY", env.out_dir()),
    ] {
        env.must(&["set-environment", "-g", name, value.to_str().unwrap()]);
    }
    env.must(&["set-option", "-g", "@tvmux-bin", bin]);
    env.must(&["set-option", "-g", "status-right", "#{tvmux_status}%H:%M"]);
    let plugin = concat!(env!("CARGO_MANIFEST_DIR"), "/tvmux.tmux");
    env.must(&["run-shell", plugin]);
    // The key is bound, and the segment is in the status line.
    let keys =
        String::from_utf8_lossy(&env.must(&["list-keys", "-T", "prefix"]).stdout).into_owned();
    assert!(
        keys.contains("M-r") && keys.contains("rec toggle"),
        "{keys}"
    );
    let right = env.query("work", "#{status-right}");
    assert!(
        right.contains("rec status --tmux -t '#{window_id}'"),
        "{right}"
    );

    let user = UserClient::attach(&env, 80, 24);
    // prefix (C-b), then M-r (ESC r).
    user.press(b"\x02\x1br");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while env.recording_ids().is_empty() {
        // What the key's command said, if it ran at all.
        let said = env.tmux(&["show-messages"]).stdout;
        assert!(
            std::time::Instant::now() < deadline,
            "no recording after the key; tmux's messages:\n{}",
            String::from_utf8_lossy(&said)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = env.tvmux(&["rec", "status", "-t", "work:0"]);
    assert_eq!(String::from_utf8_lossy(&status.stdout), "● REC\n");
    let path = std::fs::read_dir(
        env.out_dir().join(
            std::fs::read_dir(env.out_dir())
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .file_name(),
        ),
    )
    .unwrap()
    .next()
    .unwrap()
    .unwrap()
    .path();
    user.press(b"\x02\x1br");
    wait_until("the recording to stop", || env.recording_ids().is_empty());
    assert!(
        env.tvmux(&["rec", "status", "-t", "work:0"])
            .stdout
            .is_empty()
    );
    validate_full(&path);
    drop(user);
}
