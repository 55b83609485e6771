//! Other processes changing a cast while tvmux reads or repairs it.

mod common;

use std::fs;
use std::io::Write;

use common::*;
use tvmux::cast::{self, RepairError, RepairOptions};

/// A writer that ignores the lock appends during a rewrite: the repair
/// aborts, the original (with the new line) is untouched, no side file stays.
#[test]
fn an_append_during_a_rewrite_aborts_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/mid-file-garbage.cast");
    let appended = b"[9.5, \"o\", \"late\"]\n";
    let once = std::sync::Once::new();
    let append = |_: u64| {
        once.call_once(|| {
            let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
            f.write_all(appended).unwrap();
        })
    };
    let before = fs::read(&path).unwrap();
    let opts = RepairOptions {
        progress: Some(&append),
        ..Default::default()
    };
    let result = cast::repair_path(&path, &opts);
    assert!(matches!(result, Err(RepairError::Changed)), "{result:?}");
    assert_eq!(
        fs::read(&path).unwrap(),
        [before, appended.to_vec()].concat()
    );
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no side file, no temp file: {names:?}");
}

/// The same for a cut at the tail.
#[test]
fn an_append_during_a_tail_cut_aborts_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/torn-at-string.cast");
    let once = std::sync::Once::new();
    let append = |_: u64| {
        once.call_once(|| {
            let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
            f.write_all(b"more").unwrap();
        })
    };
    let before = fs::read(&path).unwrap();
    let opts = RepairOptions {
        progress: Some(&append),
        ..Default::default()
    };
    let result = cast::repair_path(&path, &opts);
    assert!(matches!(result, Err(RepairError::Changed)), "{result:?}");
    assert_eq!(
        fs::read(&path).unwrap(),
        [before, b"more".to_vec()].concat()
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
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
            assert!(err.contains("big.cast: error: the file shrank"), "{err}");
            hits += 1;
        }
    }
    assert!(hits > 0, "no shrink landed while the file was read");
}
