//! `tvmux validate` on the hand-made casts in testdata/, through the real binary.

mod common;

use common::*;
use tvmux::cast::{Checked, Kind, ValidateRecord};

/// A `validate --format json` line of a file that was read.
fn checked(line: &str) -> Checked {
    match serde_json::from_str(line).unwrap() {
        ValidateRecord::Checked(record) => record,
        other => panic!("not checked: {other:?}"),
    }
}

/// Each damaged cast and the finding `validate --full` must report first.
const DAMAGED: &[(&str, &str)] = &[
    (
        "damaged/torn-at-string.cast",
        ":5:30: error: torn last line",
    ),
    (
        "damaged/torn-at-escape.cast",
        ":5:25: error: torn last line",
    ),
    ("damaged/torn-at-utf8.cast", ":5:22: error: torn last line"),
    ("damaged/torn-at-time.cast", ":5:6: error: torn last line"),
    ("damaged/nul-tail.cast", "[nul-tail]"),
    (
        "damaged/nul-tail-after-newline.cast",
        ":5:1: error: 4096 NUL bytes",
    ),
    ("damaged/mid-file-garbage.cast", ":4:1: error: NUL bytes"),
    ("damaged/mid-file-nul-line.cast", ":4:1: error: NUL bytes"),
    (
        "damaged/time-backwards.cast",
        ":4:2: error: time goes backwards: 1.001376 after 1.5 (asciinema 3.2's convert panics) [time-backwards]",
    ),
    (
        "damaged/blank-line-v2.cast",
        ":4:1: error: empty line (asciinema 2.4 stops playing here)",
    ),
    ("damaged/bom.cast", ":1:1: error: UTF-8 byte order mark"),
    (
        "damaged/bad-resize.cast",
        ":3:12: error: resize data must be COLSxROWS",
    ),
    (
        "damaged/invalid-utf8.cast",
        ":3:13: error: invalid UTF-8 [invalid-utf8]",
    ),
    (
        "damaged/raw-control-char.cast",
        ":3:16: error: raw control character",
    ),
    (
        "damaged/lone-surrogate.cast",
        ":3:13: error: unpaired UTF-16 surrogate",
    ),
    (
        "damaged/negative-interval-v3.cast",
        ":3:2: error: negative interval -0.5",
    ),
    (
        "refused/not-a-cast.cast",
        ":1:1: error: not an asciicast file",
    ),
    ("refused/empty.cast", ":1:1: error: empty file"),
    (
        "refused/missing-width.cast",
        "missing field `width` [bad-header]",
    ),
    (
        "refused/empty-theme.cast",
        ":1:43: error: invalid header: empty `theme` object",
    ),
    ("refused/bad-palette.cast", "`palette` must be 8 or 16"),
    ("refused/version-9.cast", "unsupported asciicast version 9"),
    ("refused/torn-header.cast", "the header is incomplete"),
    ("refused/v1-bad-event.cast", "expected a string"),
];

#[test]
fn every_damaged_cast_is_reported_precisely() {
    for (rel, expected) in DAMAGED {
        let path = testdata(rel);
        let out = tvmux(&["validate", "--full", path_str(&path)]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{rel}: {text}");
        let first = text.lines().next().unwrap_or_default();
        assert!(first.starts_with(path_str(&path)), "{rel}: {first}");
        assert!(
            text.contains(expected),
            "{rel}: expected {expected:?} in\n{text}"
        );
    }
}

#[test]
fn valid_casts_pass_with_warnings_allowed_unless_strict() {
    let dir = testdata("valid");
    let out = tvmux(&["validate", "--full", path_str(&dir)]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("9 files checked in full: 9 valid, 0 invalid; 0 errors"),
        "{text}"
    );
    assert!(
        text.contains("crlf.cast:2:67: warning: CRLF line ending"),
        "{text}"
    );
    let out = tvmux(&[
        "validate",
        "--strict",
        path_str(&testdata("valid/crlf.cast")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = tvmux(&["validate", "--strict", path_str(&testdata("valid/v2.cast"))]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn quick_check_sees_the_tail_but_not_the_middle() {
    let torn = testdata("damaged/torn-at-string.cast");
    let out = tvmux(&["validate", "--quick", path_str(&torn)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(":5:30: error: torn last line"));
    // Damage in the middle is only for the full check.
    let mid = testdata("damaged/mid-file-garbage.cast");
    assert_eq!(
        tvmux(&["validate", "--quick", path_str(&mid)])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(tvmux(&["validate", path_str(&mid)]).status.code(), Some(1));
}

#[test]
fn json_format_is_one_object_per_file() {
    let torn = testdata("damaged/nul-tail.cast");
    let valid = testdata("valid/v3.cast");
    let out = tvmux(&[
        "validate",
        "--full",
        "--format",
        "json",
        path_str(&torn),
        path_str(&valid),
    ]);
    let records: Vec<Checked> = stdout(&out).lines().map(checked).collect();
    assert_eq!(records.len(), 2);
    assert!(!records[0].valid);
    assert_eq!(records[0].version, Some(2));
    assert_eq!(records[0].errors, 2);
    assert_eq!(records[0].findings[1].kind, Kind::NulTail);
    assert_eq!(records[0].findings[1].line, Some(5));
    assert!(records[1].valid);
    assert_eq!(records[1].version, Some(3));
    assert_eq!(records[1].events, Some(6));
}

#[test]
fn github_format_annotates() {
    let path = testdata("damaged/bad-resize.cast");
    let out = tvmux(&["validate", "--full", "--format", "github", path_str(&path)]);
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "::error file={},line=3,col=12,title=tvmux bad-resize::resize data",
            path_str(&path)
        )),
        "{text}"
    );
}

#[test]
fn max_errors_limits_what_is_shown_not_what_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.cast");
    let mut text = String::from("{\"version\": 2, \"width\": 80, \"height\": 24}\n");
    for _ in 0..50 {
        text.push_str("bad\n");
    }
    std::fs::write(&path, text).unwrap();
    let out = tvmux(&[
        "validate",
        "--full",
        "--max-errors",
        "3",
        "--format",
        "json",
        path_str(&path),
    ]);
    let record = checked(stdout(&out).trim());
    assert_eq!(record.errors, 50);
    assert_eq!(record.findings.len(), 3);
    let out = tvmux(&["validate", "--full", "--max-errors", "3", path_str(&path)]);
    assert!(
        stdout(&out).contains("47 more findings not shown"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn stdin_is_checked_in_full() {
    let mid = std::fs::read(testdata("damaged/mid-file-garbage.cast")).unwrap();
    let out = tvmux_stdin(&["validate", "-"], &mid);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("<stdin>:4:1: error: NUL bytes"),
        "{}",
        stdout(&out)
    );
    let good = std::fs::read(testdata("valid/v2.cast")).unwrap();
    assert_eq!(
        tvmux_stdin(&["validate", "-"], &good).status.code(),
        Some(0)
    );
}

#[test]
fn quiet_prints_errors_only() {
    let out = tvmux(&["validate", "-q", path_str(&testdata("valid/crlf.cast"))]);
    assert_eq!(stdout(&out), "");
    let out = tvmux(&[
        "validate",
        "-q",
        path_str(&testdata("damaged/torn-at-time.cast")),
    ]);
    assert_eq!(stdout(&out).lines().count(), 1);
}

#[test]
fn missing_paths_and_bad_usage_exit_2() {
    let out = tvmux(&["validate", "/nonexistent/x.cast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.cast: error:"));
    assert_eq!(tvmux(&["validate"]).status.code(), Some(2));
    assert_eq!(
        tvmux(&["validate", "--format", "xml", "a"]).status.code(),
        Some(2)
    );
}

#[test]
fn v1_is_read() {
    let out = tvmux(&[
        "validate",
        "--format",
        "json",
        path_str(&testdata("valid/v1.cast")),
    ]);
    let record: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        (
            record["valid"].as_bool(),
            record["version"].as_u64(),
            record["events"].as_u64()
        ),
        (Some(true), Some(1), Some(2))
    );
}

/// CI gets the full check by default: a broken line mid-file fails, and the
/// summary says which check ran.
#[test]
fn the_full_check_is_the_default() {
    let path = testdata("damaged/time-backwards.cast");
    let out = tvmux(&["validate", path_str(&path)]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("1 file checked in full:"),
        "{}",
        stdout(&out)
    );
    let out = tvmux(&[
        "validate",
        "--quick",
        path_str(&testdata("damaged/mid-file-garbage.cast")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("checked (quick: header and tail only)"),
        "{}",
        stdout(&out)
    );
}

/// A mistyped CI path must not pass.
#[test]
fn no_casts_found_is_an_error_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let out = tvmux(&["validate", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no casts found under it"));
    let out = tvmux(&["validate", "--allow-empty", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(0));
    let pattern = dir.path().join("*.cast");
    let out = tvmux(&["validate", path_str(&pattern)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing matches this pattern"));
}

/// An unreadable input is one JSON object and one annotation, like any other.
#[test]
fn unreadable_inputs_get_one_result_in_every_format() {
    let out = tvmux(&["validate", "--format", "json", "/nonexistent/x.cast"]);
    assert_eq!(out.status.code(), Some(2));
    let record: ValidateRecord = serde_json::from_str(stdout(&out).trim()).unwrap();
    let ValidateRecord::Unreadable(record) = record else {
        panic!("{record:?}")
    };
    assert_eq!(
        (record.path.as_str(), record.valid),
        ("/nonexistent/x.cast", false)
    );
    let out = tvmux(&["validate", "--format", "github", "/nonexistent/x.cast"]);
    assert!(
        stdout(&out).starts_with("::error file=/nonexistent/x.cast,title=tvmux unreadable::"),
        "{}",
        stdout(&out)
    );
}

/// Each rule that protects a player, on a line of its own.
#[test]
fn what_the_players_refuse_is_an_error() {
    let h2 = "{\"version\": 2, \"width\": 80, \"height\": 24}";
    let h3 = "{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}}";
    let cases: &[(&str, String)] = &[
        (
            "bad-header",
            "{\"version\": 2, \"width\": 65536, \"height\": 24}\n".into(),
        ),
        (
            "bad-header",
            "{\"version\": 3, \"term\": {\"cols\": 70000, \"rows\": 1}}\n".into(),
        ),
        (
            "bad-header",
            "{\"version\": 3, \"term\": {\"cols\": 1, \"rows\": 1}, \"env\": {\"A\": 1}}\n".into(),
        ),
        (
            "bad-header",
            "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": -1}\n".into(),
        ),
        (
            "unsupported-version",
            "{\"version\": 2.0, \"width\": 80, \"height\": 24}\n".into(),
        ),
        ("escaped-code", format!("{h2}\n[1, \"\\u006f\", \"a\"]\n")),
        ("lone-cr", format!("{h2}\n[1,\r\"o\", \"a\"]\n")),
        (
            "lone-cr",
            "{\"version\": 2,\r\"width\": 80, \"height\": 24}\n".into(),
        ),
        ("blank-line", format!("{h3}\n  \n")),
        ("negative-time", format!("{h2}\n[-0.0, \"o\", \"a\"]\n")),
        (
            "time-out-of-range",
            format!("{h2}\n[1e300, \"o\", \"a\"]\n"),
        ),
        ("empty-code", format!("{h2}\n[1, \"\", \"a\"]\n")),
        ("bad-resize", format!("{h2}\n[1, \"r\", \"70000x24\"]\n")),
        ("bad-exit-status", format!("{h3}\n[1, \"x\", \"boom\"]\n")),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (kind, text) in cases {
        let path = dir.path().join("case.cast");
        std::fs::write(&path, text).unwrap();
        let out = tvmux(&["validate", path_str(&path)]);
        assert_eq!(out.status.code(), Some(1), "{text:?}: {}", stdout(&out));
        assert!(
            stdout(&out).contains(&format!("[{kind}]")),
            "{text:?}: {}",
            stdout(&out)
        );
    }
    // And what both players read is valid: a comment holding a NUL, a
    // negative idle_time_limit (warned).
    for text in [
        format!("{h3}\n# a \0 b\n[1, \"o\", \"a\"]\n"),
        "{\"version\": 2, \"width\": 80, \"height\": 24, \"idle_time_limit\": -1}\n".to_string(),
    ] {
        let path = dir.path().join("case.cast");
        std::fs::write(&path, &text).unwrap();
        let out = tvmux(&["validate", path_str(&path)]);
        assert_eq!(out.status.code(), Some(0), "{text:?}: {}", stdout(&out));
    }
}
