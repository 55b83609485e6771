//! `tvmux repair` through the real binary, on copies of testdata casts.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::*;
use tvmux::cast::{Action, Kind, RepairRecord};

/// The one `repair --format json` line of a run.
fn repair_record(out: &std::process::Output) -> RepairRecord {
    serde_json::from_str(stdout(out).trim()).unwrap()
}

fn validate_full(path: &std::path::Path) -> std::process::Output {
    tvmux(&["validate", "--full", "--strict", path_str(path)])
}

/// Every damaged cast becomes valid; what was removed is in the side file;
/// a second repair changes nothing.
#[test]
fn every_damaged_cast_is_repaired_and_repair_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(testdata("damaged")).unwrap() {
        let rel = format!("damaged/{}", entry.unwrap().file_name().to_string_lossy());
        let path = copy_in(dir.path(), &rel);
        let before = fs::read(&path).unwrap();
        let out = tvmux(&["repair", path_str(&path)]);
        assert_eq!(out.status.code(), Some(0), "{rel}: {}", stdout(&out));
        let after = fs::read(&path).unwrap();
        assert_ne!(before, after, "{rel} unchanged");
        let check = tvmux(&["validate", "--full", path_str(&path)]);
        assert_eq!(check.status.code(), Some(0), "{rel}: {}", stdout(&check));
        let again = tvmux(&["repair", path_str(&path)]);
        assert!(
            stdout(&again).ends_with("valid, not touched\n"),
            "{rel}: {}",
            stdout(&again)
        );
        assert_eq!(
            fs::read(&path).unwrap(),
            after,
            "{rel} changed by a second repair"
        );
    }
}

#[test]
fn torn_tail_is_cut_in_place_and_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/nul-tail.cast");
    let before = fs::read(&path).unwrap();
    let inode = fs::metadata(&path).unwrap();
    let out = tvmux(&["repair", path_str(&path)]);
    let text = stdout(&out);
    assert!(text.contains("cut in place at byte"), "{text}");
    assert!(text.contains("dropped 1 line"), "{text}");
    let after = fs::read(&path).unwrap();
    let side = fs::read(dir.path().join("nul-tail.cast.removed")).unwrap();
    // Nothing lost: the file and the side file add up to the original.
    assert_eq!([after.clone(), side].concat(), before);
    assert!(after.ends_with(b"[1.500000, \"m\", \"chapter 1\"]\n"));
    // In place: same inode.
    use std::os::unix::fs::MetadataExt;
    assert_eq!(fs::metadata(&path).unwrap().ino(), inode.ino());
}

#[test]
fn salvage_partial_keeps_the_torn_text_at_a_character_boundary() {
    let dir = tempfile::tempdir().unwrap();
    for (rel, last) in [
        (
            "damaged/torn-at-string.cast",
            "[2.143733, \"o\", \"partial outp\"]\n",
        ),
        (
            "damaged/torn-at-escape.cast",
            "[2.143733, \"o\", \"abc\"]\n",
        ),
        ("damaged/torn-at-utf8.cast", "[2.143733, \"o\", \"caf\"]\n"),
        ("damaged/nul-tail.cast", "[2.143733, \"o\", \"lost\"]\n"),
    ] {
        let path = copy_in(dir.path(), rel);
        let out = tvmux(&["repair", "--salvage-partial", path_str(&path)]);
        assert!(
            stdout(&out).contains("salvaged the torn last event"),
            "{rel}: {}",
            stdout(&out)
        );
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.ends_with(last), "{rel}: {text}");
        assert_eq!(validate_full(&path).status.code(), Some(0), "{rel}");
    }
    // A torn time is not an event worth completing.
    let path = copy_in(dir.path(), "damaged/torn-at-time.cast");
    let out = tvmux(&["repair", "--salvage-partial", path_str(&path)]);
    assert!(!stdout(&out).contains("salvaged"), "{}", stdout(&out));
}

#[test]
fn mid_file_damage_is_rewritten_keeping_every_valid_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/mid-file-garbage.cast");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let before = fs::read_to_string(testdata("valid/v2.cast")).unwrap();
    let out = tvmux(&["repair", path_str(&path)]);
    assert!(
        stdout(&out).contains("rewritten: dropped 1 line"),
        "{}",
        stdout(&out)
    );
    // Every event of the undamaged recording survives, byte for byte.
    assert_eq!(fs::read_to_string(&path).unwrap(), before);
    assert_eq!(
        fs::read(dir.path().join("mid-file-garbage.cast.removed")).unwrap(),
        b"\0\0garbage{{\n"
    );
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // No temporary file is left behind.
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn point_in_time_cuts_at_the_first_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/mid-file-garbage.cast");
    let before = fs::read(&path).unwrap();
    let out = tvmux(&["repair", "--mode", "point-in-time", path_str(&path)]);
    assert!(stdout(&out).contains("cut in place"), "{}", stdout(&out));
    let after = fs::read(&path).unwrap();
    assert_eq!(after.iter().filter(|&&b| b == b'\n').count(), 3);
    let side = fs::read(dir.path().join("mid-file-garbage.cast.removed")).unwrap();
    assert_eq!([after, side].concat(), before);
}

#[test]
fn backwards_times_are_clamped() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/time-backwards.cast");
    let out = tvmux(&["repair", path_str(&path)]);
    assert!(stdout(&out).contains("fixed 1 line"), "{}", stdout(&out));
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("[1.5, \"o\", \"caf"), "{text}");
    assert!(!dir.path().join("time-backwards.cast.removed").exists());
}

#[test]
fn dry_run_and_no_side_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/mid-file-nul-line.cast");
    let before = fs::read(&path).unwrap();
    let out = tvmux(&["repair", "--dry-run", path_str(&path)]);
    assert!(
        stdout(&out).contains("would rewrite: dropped 1 line; 101 bytes would go to"),
        "{}",
        stdout(&out)
    );
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    let out = tvmux(&["repair", "--no-side-file", path_str(&path)]);
    assert!(
        stdout(&out).contains("101 bytes removed (no side file)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn what_is_not_a_cast_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(testdata("refused")).unwrap() {
        let rel = format!("refused/{}", entry.unwrap().file_name().to_string_lossy());
        let path = copy_in(dir.path(), &rel);
        let before = fs::read(&path).unwrap();
        let out = tvmux(&["repair", path_str(&path)]);
        assert_eq!(out.status.code(), Some(1), "{rel}: {}", stdout(&out));
        assert!(stdout(&out).contains("refused:"), "{rel}: {}", stdout(&out));
        assert_eq!(fs::read(&path).unwrap(), before, "{rel}");
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        8,
        "no side files"
    );
    // A valid v1 file is valid: nothing to do. A damaged one is refused.
    let path = copy_in(dir.path(), "valid/v1.cast");
    let out = tvmux(&["repair", path_str(&path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("valid, not touched\n"),
        "{}",
        stdout(&out)
    );
    let path = copy_in(dir.path(), "refused/v1-bad-event.cast");
    let out = tvmux(&["repair", path_str(&path)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("damaged asciicast v1"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_locked_file_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/torn-at-string.cast");
    let recording = fs::File::open(&path).unwrap();
    recording.lock().unwrap();
    let out = tvmux(&["repair", path_str(&path)]);
    assert_eq!(out.status.code(), Some(1));
    // Says who holds the lock: this test's own process.
    let holder = format!("locked by process {} (", std::process::id());
    assert!(stdout(&out).contains(&holder), "{}", stdout(&out));
    let out = tvmux(&["repair", "--force", path_str(&path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(validate_full(&path).status.code(), Some(0));
}

#[test]
fn quick_repair_fixes_the_tail_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/nul-tail.cast");
    let out = tvmux(&["repair", "--quick", path_str(&path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(validate_full(&path).status.code(), Some(0));
    // Quick trusts the body: mid-file damage stays.
    let path = copy_in(dir.path(), "damaged/mid-file-garbage.cast");
    let out = tvmux(&["repair", "--quick", path_str(&path)]);
    assert!(stdout(&out).contains("valid, not touched"));
}

#[test]
fn json_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/torn-at-utf8.cast");
    let out = tvmux(&["repair", "--format", "json", path_str(&path)]);
    let RepairRecord::Repaired(r) = repair_record(&out) else {
        panic!("not repaired")
    };
    assert!(matches!(r.report.action, Action::Truncate { .. }));
    assert_eq!(r.report.dropped_lines, 1);
    assert_eq!(r.findings[0].kind, Kind::TornLine);
    assert!(
        r.report
            .side_file
            .unwrap()
            .ends_with("torn-at-utf8.cast.removed")
    );
    let refused = copy_in(dir.path(), "refused/not-a-cast.cast");
    let out = tvmux(&["repair", "--format", "json", path_str(&refused)]);
    let RepairRecord::Failed(r) = repair_record(&out) else {
        panic!("not refused")
    };
    assert!(r.refused);
}

#[test]
fn valid_files_are_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "valid/v2.cast",
        "valid/v3.cast",
        "valid/crlf.cast",
        "valid/blank-line-v3.cast",
    ] {
        let path = copy_in(dir.path(), rel);
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let out = tvmux(&["repair", path_str(&path)]);
        assert!(
            stdout(&out).ends_with("valid, not touched\n"),
            "{rel}: {}",
            stdout(&out)
        );
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    }
}

const H2: &str = "{\"version\": 2, \"width\": 80, \"height\": 24}\n";

fn write_cast(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// A trailing run of times going backwards is clamped, never cut: with or
/// without a final newline, in full and in quick mode.
#[test]
fn trailing_backwards_times_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    for (ending, quick) in [("\n", false), ("", false), ("\n", true), ("", true)] {
        let text = format!("{H2}[1, \"o\", \"a\"]\n[0.5, \"o\", \"b\"]{ending}");
        let path = write_cast(dir.path(), "back.cast", &text);
        let check = tvmux(&["validate", "--quick", path_str(&path)]);
        assert_eq!(
            check.status.code(),
            Some(1),
            "quick validate: {}",
            stdout(&check)
        );
        let mut args = vec!["repair"];
        if quick {
            args.push("--quick");
        }
        args.push(path_str(&path));
        let out = tvmux(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let after = fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            format!("{H2}[1, \"o\", \"a\"]\n[1, \"o\", \"b\"]\n"),
            "ending {ending:?} quick {quick}: {}",
            stdout(&out)
        );
        assert!(!dir.path().join("back.cast.removed.1").exists());
        let _ = fs::remove_file(dir.path().join("back.cast.removed"));
    }
}

/// asciinema 2.4 plays events separated by a lone CR: both are kept.
#[test]
fn events_split_by_a_lone_cr_are_both_kept() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{H2}[0.1,\"o\",\"a\"]\r[0.2,\"o\",\"b\"]\n[0.3, \"o\", \"c\"]\n");
    let path = write_cast(dir.path(), "cr.cast", &text);
    let out = tvmux(&["repair", path_str(&path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("{H2}[0.1,\"o\",\"a\"]\n[0.2,\"o\",\"b\"]\n[0.3, \"o\", \"c\"]\n")
    );
    assert!(!dir.path().join("cr.cast.removed").exists());
}

/// Through a symbolic link, the target is repaired and the link stays a link,
/// for mid-file and tail damage alike.
#[test]
fn a_symlink_is_followed_to_its_target() {
    let dir = tempfile::tempdir().unwrap();
    for rel in ["damaged/mid-file-garbage.cast", "damaged/nul-tail.cast"] {
        let target = copy_in(dir.path(), rel);
        let link = dir.path().join("link.cast");
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let out = tvmux(&["repair", path_str(&link)]);
        assert_eq!(out.status.code(), Some(0), "{rel}: {}", stdout(&out));
        assert!(stdout(&out).contains("(link to "), "{}", stdout(&out));
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(validate_full(&target).status.code(), Some(0), "{rel}");
        let name = target.file_name().unwrap().to_string_lossy();
        assert!(dir.path().join(format!("{name}.removed")).exists(), "{rel}");
    }
}

#[test]
fn a_hard_linked_file_is_rewritten_only_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/mid-file-garbage.cast");
    let other = dir.path().join("other.cast");
    fs::hard_link(&path, &other).unwrap();
    let before = fs::read(&path).unwrap();
    let out = tvmux(&["repair", path_str(&path)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("2 names (hard links)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(fs::read(&path).unwrap(), before);
    let out = tvmux(&["repair", "--force", path_str(&path)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("its 1 other name (hard link) keep the old content"),
        "{}",
        stdout(&out)
    );
    assert_eq!(fs::read(&other).unwrap(), before);
    // Tail damage is cut in place: every name sees it, no refusal needed.
    let path = copy_in(dir.path(), "damaged/nul-tail.cast");
    fs::hard_link(&path, dir.path().join("other2.cast")).unwrap();
    assert_eq!(tvmux(&["repair", path_str(&path)]).status.code(), Some(0));
}

/// The side file is never opened through a link nor appended to: a fresh
/// name when one exists, the cast's mode, nothing left when nothing removed.
#[test]
fn side_files_are_fresh_and_never_follow_links() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let victim = d.join("victim");
    fs::write(&victim, "precious\n").unwrap();
    let path = copy_in(d, "damaged/nul-tail.cast");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink(&victim, d.join("nul-tail.cast.removed")).unwrap();
    let out = tvmux(&["repair", path_str(&path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    let side = d.join("nul-tail.cast.removed.1");
    assert!(
        stdout(&out).contains("nul-tail.cast.removed.1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        fs::metadata(&side).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // A second damaged copy gets yet another name: nothing is appended.
    let first = fs::read(&side).unwrap();
    let path = copy_in(d, "damaged/nul-tail.cast");
    tvmux(&["repair", path_str(&path)]);
    assert_eq!(fs::read(&side).unwrap(), first);
    assert!(d.join("nul-tail.cast.removed.2").exists());
}

/// Temp files left by a repair that was killed are removed by the next one.
#[test]
fn leftover_temp_files_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = copy_in(d, "damaged/mid-file-garbage.cast");
    fs::write(d.join(".mid-file-garbage.cast.abc123.repair"), "x").unwrap();
    fs::write(d.join(".mid-file-garbage.cast.def456.removing"), "x").unwrap();
    fs::write(d.join(".unrelated.repair"), "x").unwrap();
    assert_eq!(tvmux(&["repair", path_str(&path)]).status.code(), Some(0));
    let mut names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".unrelated.repair",
            "mid-file-garbage.cast",
            "mid-file-garbage.cast.removed"
        ]
    );
}

/// A file its owner made read-only is refused unless --force, whatever the
/// damage and whoever runs the repair.
#[test]
fn a_read_only_file_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    for rel in ["damaged/mid-file-garbage.cast", "damaged/nul-tail.cast"] {
        let path = copy_in(dir.path(), rel);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let before = fs::read(&path).unwrap();
        let out = tvmux(&["repair", path_str(&path)]);
        assert_eq!(out.status.code(), Some(1), "{rel}");
        assert!(
            stdout(&out).contains("read-only (mode 444)"),
            "{}",
            stdout(&out)
        );
        assert_eq!(fs::read(&path).unwrap(), before);
        let out = tvmux(&["repair", "--force", path_str(&path)]);
        assert_eq!(out.status.code(), Some(0), "{rel}: {}", stdout(&out));
        assert_eq!(validate_full(&path).status.code(), Some(0), "{rel}");
    }
}

/// Valid files are not touched: a missing final newline is only a warning.
#[test]
fn a_missing_final_newline_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "valid/missing-final-newline.cast");
    let before = fs::read(&path).unwrap();
    let check = tvmux(&["validate", path_str(&path)]);
    assert_eq!(check.status.code(), Some(0));
    assert!(stdout(&check).contains("missing final newline"));
    let out = tvmux(&["repair", path_str(&path)]);
    assert!(
        stdout(&out).ends_with("valid, not touched\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(fs::read(&path).unwrap(), before);
}

/// A FIFO named on the command line is refused at once, never opened for
/// reading (which would wait for a writer forever).
#[test]
fn a_fifo_never_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.cast");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    for cmd in ["validate", "repair"] {
        let start = std::time::Instant::now();
        let out = tvmux(&[cmd, path_str(&fifo)]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let said = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert!(
            said.contains("not a regular file (a FIFO)"),
            "{cmd}: {said}"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
    // Found in a directory: skipped (and the directory then holds no cast).
    let out = tvmux(&["validate", "--allow-empty", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// Only NUL bytes removed: the report says so (no empty clause).
#[test]
fn a_nul_only_cut_says_what_it_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_in(dir.path(), "damaged/nul-tail-after-newline.cast");
    let out = tvmux(&["repair", path_str(&path)]);
    let text = stdout(&out);
    assert!(text.contains(": cut 4096 NUL bytes;"), "{text}");
    assert!(!text.contains(": ;"), "{text}");
}

/// Every input gets one result in every format, unreadable ones included.
#[test]
fn unreadable_inputs_get_a_result_in_json() {
    let out = tvmux(&["repair", "--format", "json", "/nonexistent/x.cast"]);
    assert_eq!(out.status.code(), Some(2));
    let RepairRecord::Failed(record) = repair_record(&out) else {
        panic!("not failed")
    };
    assert_eq!(record.path, "/nonexistent/x.cast");
    assert!(!record.refused);
    assert!(record.error.contains("No such file"));
}

/// A cast whose name is as long as a name can be (255 bytes): repaired
/// both ways (in place, and rewritten through a temporary file), its side
/// files kept under shortened names, and edited in place.
#[test]
fn a_name_of_255_bytes_is_repaired_and_edited() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{}.cast", "é".repeat(125)); // 250 + 5 bytes
    assert_eq!(name.len(), 255);
    let path = dir.path().join(&name);
    for damaged in ["damaged/nul-tail.cast", "damaged/mid-file-garbage.cast"] {
        fs::copy(testdata(damaged), &path).unwrap();
        let out = tvmux(&["repair", path_str(&path)]);
        assert!(out.status.success(), "{damaged}: {}", stdout(&out));
        assert!(validate_full(&path).status.success(), "{damaged}");
    }
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    // The cast and two side files; nothing temporary left.
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names
            .iter()
            .filter(|n| n.contains(".removed"))
            .all(|n| n.starts_with("éé") && n.len() <= 255),
        "{names:?}"
    );
    let out = tvmux(&["speed", "--factor", "2", "--in-place", path_str(&path)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(validate_full(&path).status.success());
}
