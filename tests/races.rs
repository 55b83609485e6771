//! Other processes changing a cast while tvmux reads or repairs it.

mod common;

use std::fs;
use std::io::Write;

use common::*;
use tvmux::cast::{self, RepairError, RepairOptions};

/// Repairs `path` while a writer that ignores the lock appends `extra` to it
/// (from the progress callback, so mid-repair every time).
fn repair_while_appending(path: &std::path::Path, extra: &[u8]) -> Result<(), RepairError> {
    let once = std::sync::Once::new();
    let append = |_: u64| {
        once.call_once(|| {
            let mut f = fs::OpenOptions::new().append(true).open(path).unwrap();
            f.write_all(extra).unwrap();
        })
    };
    let opts = RepairOptions {
        progress: Some(&append),
        ..Default::default()
    };
    cast::repair_path(path, &opts).map(|_| ())
}

/// An append during a rewrite (mid-file damage) or a cut (tail damage)
/// aborts the repair: the original, with the new bytes, is untouched, and
/// no side file or temporary file stays.
#[test]
fn an_append_during_a_repair_aborts_it() {
    for rel in [
        "damaged/mid-file-garbage.cast",
        "damaged/torn-at-string.cast",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = copy_in(dir.path(), rel);
        let before = fs::read(&path).unwrap();
        let extra = b"[9.5, \"o\", \"late\"]\n";
        let result = repair_while_appending(&path, extra);
        assert!(
            matches!(result, Err(RepairError::Changed)),
            "{rel}: {result:?}"
        );
        assert_eq!(
            fs::read(&path).unwrap(),
            [before, extra.to_vec()].concat(),
            "{rel}"
        );
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(
            names.len(),
            1,
            "{rel}: no side file, no temp file: {names:?}"
        );
    }
}

/// A file shrunk by another process while it is mapped: a message naming it
/// and exit status 2, never a death by SIGBUS. The shrink is timed at
/// several delays; at least one must land mid-scan.
#[test]
fn a_file_shrunk_while_read_is_an_error_not_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.cast");
    let line = "[1.000000, \"o\", \"some output of a reasonable length here\"]\n";
    let mut text = String::from("{\"version\": 2, \"width\": 80, \"height\": 24}\n");
    text.push_str(&line.repeat((192 << 20) / line.len()));
    let mut hits = 0;
    for delay_ms in [5, 10, 20, 30, 45, 60, 80, 100] {
        fs::write(&path, &text).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_tvmux"))
            .args(["validate", path_str(&path)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let code = out.status.code();
        assert!(code.is_some(), "killed by a signal: {:?}", out.status);
        if code == Some(2) {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("big.cast: error: the file could not be read (SIGBUS): another process truncated it"),
                "{err}"
            );
            hits += 1;
        }
    }
    assert!(hits > 0, "no shrink landed while the file was read");
}
