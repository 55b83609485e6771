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

/// An edit's output file on a disk that fills (a 32 KiB tmpfs) is one line
/// and a non-zero exit, and leaves neither the file nor a temporary one.
/// The output is buffered (256 KiB), so for an output that fits the buffer
/// the error comes only as the output is completed.
#[test]
fn an_output_file_on_a_full_disk_fails_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("short.cast");
    let mut text = String::from("{\"version\": 2, \"width\": 80, \"height\": 24}\n");
    for i in 0..5_000 {
        text.push_str(&format!(
            "[{}.0, \"o\", \"line {i} of output\\r\\n\"]\n",
            i / 100
        ));
    }
    std::fs::write(&cast, text).unwrap();
    let disk = common::tmpfs::Tmpfs::mount("32k");
    let dest = disk.path().join("out");
    let long = long_cast(dir.path());
    for (cast, to) in [
        (&cast, "txt"),
        (&cast, "v3"),
        (&cast, "raw"),
        (&long, "txt"),
    ] {
        let out = tvmux(&["convert", "--to", to, path_str(cast), "-o", path_str(&dest)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "--to {to}: {stderr}");
        assert_eq!(
            stderr
                .lines()
                .filter(|l| l.contains("No space left on device"))
                .count(),
            1,
            "--to {to}: {stderr}"
        );
        let left: Vec<_> = std::fs::read_dir(disk.path()).unwrap().collect();
        assert!(left.is_empty(), "--to {to}: {left:?}");
    }
    // The same output where it fits is whole.
    let fits = dir.path().join("out.txt");
    let out = tvmux(&[
        "convert",
        "--to",
        "txt",
        path_str(&cast),
        "-o",
        path_str(&fits),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&fits).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.starts_with("line ")).count(),
        5_000
    );
}
