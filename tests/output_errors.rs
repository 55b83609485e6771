//! One rule for standard output in every command (issue 21, item 2): a
//! closed pipe ends the command quietly with exit 0, as ripgrep does; any
//! other write error (here `/dev/full`) is one line and exit 2. Before:
//! `info F | head -1` panicked (exit 101), `grep … > /dev/full` and
//! `validate … > /dev/full` exited 0 with their output lost.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

/// A cast long enough that every command's output outgrows a pipe's buffer.
fn long_cast(dir: &Path) -> PathBuf {
    let path = dir.join("long.cast");
    let mut text = String::from("{\"version\": 2, \"width\": 80, \"height\": 24}\n");
    for i in 0..40_000 {
        text.push_str(&format!(
            "[{}.0, \"o\", \"line {i} of output\\r\\n\"]\n",
            i / 100
        ));
        if i % 50 == 0 {
            text.push_str(&format!("[{}.0, \"m\", \"marker {i}\"]\n", i / 100));
        }
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// Every command that prints, with what makes it print a lot.
fn commands(cast: &str) -> Vec<Vec<String>> {
    let c = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        c(&["info", cast]),
        c(&["info", "--format", "json", cast]),
        c(&["validate", "--format", "json", cast, cast, cast]),
        c(&["text", "--times", cast]),
        c(&["grep", "line", cast]),
        c(&["grep", "--json", "line", cast]),
        c(&["redact", "--dry-run", "line", cast]),
        c(&["convert", "--to", "v3", cast]),
        c(&["cut", "--from", "1", "--to", "2", cast]),
        c(&["completions", "bash"]),
        c(&["man"]),
        c(&["config", "defaults"]),
    ]
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let cast = long_cast(dir.path());
    for args in commands(path_str(&cast)) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tvmux"))
            .args(&args)
            .env("TVMUX_CONFIG_FILE", dir.path().join("none.conf"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe, as `head -c1` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        stdout.read_exact(&mut byte).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_full_output_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cast = long_cast(dir.path());
    for args in commands(path_str(&cast)) {
        let out = Command::new(env!("CARGO_BIN_EXE_tvmux"))
            .args(&args)
            .env("TVMUX_CONFIG_FILE", dir.path().join("none.conf"))
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("No space left on device"))
            .collect();
        assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // And nothing printed is nothing lost: an empty search still exits 1.
    let out = tvmux(&["grep", "no-such-text", path_str(&cast)]);
    assert_eq!(out.status.code(), Some(1));
}
