//! `tvmux config` through the real binary.

use std::process::Command;

fn tvmux(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tvmux"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn show_merges_file_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tvmux.conf");
    std::fs::write(
        &file,
        "[output]\ndirectory = \"/srv/casts\"\n[recording]\nformat = \"v3\"\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let (code, out, _) = tvmux(
        &["config", "show"],
        &[
            ("TVMUX_CONFIG_FILE", file),
            ("TVMUX_RECORDING_FLUSH_INTERVAL_MS", "25"),
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("directory = \"/srv/casts\""), "{out}");
    assert!(out.contains("format = \"v3\""), "{out}");
    assert!(out.contains("flush_interval_ms = 25"), "{out}");
    let (code, _, err) = tvmux(
        &["config", "show"],
        &[
            ("TVMUX_CONFIG_FILE", file),
            ("TVMUX_SERVER_AUTO_START", "perhaps"),
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("TVMUX_SERVER_AUTO_START"), "{err}");
    // A value of the right type but not one allowed: the variable is named,
    // not the file, which is fine.
    for (name, value) in [
        ("TVMUX_RECORDING_FORMAT", "v9"),
        ("TVMUX_RECORDING_VIEW", "everything"),
        ("TVMUX_RECORDING_FSYNC", "sometimes"),
    ] {
        let (code, _, err) = tvmux(
            &["config", "show"],
            &[("TVMUX_CONFIG_FILE", file), (name, value)],
        );
        assert_eq!(code, 1);
        assert!(
            err.contains(&format!("environment variable {name}")),
            "{err}"
        );
        assert!(!err.contains(file), "{err}");
    }
}

#[test]
fn defaults_as_toml_and_env() {
    let (code, out, _) = tvmux(&["config", "defaults"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("[recording]") && out.contains("flush_interval_ms = 100"),
        "{out}"
    );
    let (_, out, _) = tvmux(&["config", "defaults", "--format", "env"], &[]);
    assert!(
        out.lines()
            .any(|l| l == "TVMUX_OUTPUT_DIRECTORY=~/Videos/tmux"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l == "TVMUX_SERVER_AUTO_START=true"),
        "{out}"
    );
}

#[test]
fn rec_outside_tmux_is_a_clear_error() {
    let (code, _, err) = tvmux(&["rec", "start"], &[("TMUX", "")]);
    assert_eq!(code, 1);
    assert!(err.contains("not inside tmux"), "{err}");
}
