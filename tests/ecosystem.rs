//! What fits tvmux into a user's tools: completions, manual pages, the
//! GitHub annotation format on a passing and a failing file.

mod common;

use common::{path_str, stdout, testdata, tvmux};

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = tvmux(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        // Every subcommand is offered.
        for sub in ["validate", "repair", "convert", "grep", "redact", "rec"] {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
    }
    assert!(!tvmux(&["completions", "tcsh"]).status.success());
}

#[test]
fn manual_pages() {
    let out = tvmux(&["man"]);
    assert!(out.status.success());
    let page = stdout(&out);
    assert!(page.contains(".TH tvmux 1"), "{page}");
    assert!(page.contains("validate"));
    let dir = tempfile::tempdir().unwrap();
    let out = tvmux(&["man", "--dir", path_str(dir.path())]);
    assert!(out.status.success());
    for page in ["tvmux.1", "tvmux-validate.1", "tvmux-grep.1", "tvmux-rec.1"] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
}

#[test]
fn github_annotations_on_a_failing_and_a_passing_file() {
    let bad = testdata("damaged/time-backwards.cast");
    let out = tvmux(&["validate", "--format", "github", path_str(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=") && l.contains(",line=4,")),
        "{text}"
    );
    let good = testdata("valid/v2.cast");
    let out = tvmux(&["validate", "--format", "github", path_str(&good)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stdout(&out).contains("::error"), "{}", stdout(&out));
}

#[test]
fn colour_when_asked_never_in_machine_formats() {
    let bad = testdata("damaged/time-backwards.cast");
    let p = path_str(&bad);
    let coloured = stdout(&tvmux(&["validate", "--color", "always", p]));
    assert!(
        coloured.contains("\u{1b}[1;31merror\u{1b}[0m"),
        "{coloured}"
    );
    assert!(coloured.contains(&format!("\u{1b}[1m{p}:4:")), "{coloured}");
    // Not a terminal here: auto means none.
    assert!(!stdout(&tvmux(&["validate", p])).contains('\u{1b}'));
    for format in ["json", "github"] {
        let out = stdout(&tvmux(&[
            "validate", "--color", "always", "--format", format, p,
        ]));
        assert!(!out.contains('\u{1b}'), "{format}: {out}");
    }
}
