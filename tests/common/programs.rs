//! The programs the tests need, found by what they are rather than by name
//! alone. A test that needs one that is missing fails with one line naming
//! it and how to install it, here and in CI: a test that did not run is
//! never reported as passed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How to install everything at once.
const INSTALL: &str = "scripts/test.sh installs them and runs the tests";

/// Where scripts/test.sh installs the players.
fn test_tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools")
}

/// `program ARGS` runs and succeeds; its standard output.
fn probe(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Fails the test, in one line, when `program` does not run.
pub fn require(program: &str, version_flag: &str) {
    if probe(Path::new(program), &[version_flag]).is_none() {
        panic!("{program} is needed for this test and was not found on PATH ({INSTALL})");
    }
}

/// tmux, which the recorder and API tests drive on a private `-L` socket.
pub fn require_tmux() {
    require("tmux", "-V");
}

/// asciinema 3.x, for `convert -f raw` (its `cat` concatenates files,
/// asciinema issue #672): `$ASCIINEMA3`, else where scripts/test.sh puts
/// it, else `/opt/asciinema3/bin/asciinema`, else an `asciinema` on PATH
/// that says it is 3.2.
pub fn asciinema3() -> PathBuf {
    let candidates = std::env::var_os("ASCIINEMA3")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            test_tools().join("asciinema3/bin/asciinema"),
            PathBuf::from("/opt/asciinema3/bin/asciinema"),
            PathBuf::from("asciinema"),
        ]);
    for candidate in candidates {
        if probe(&candidate, &["--version"]).is_some_and(|v| v.starts_with("asciinema 3.2")) {
            return candidate;
        }
    }
    panic!(
        "asciinema 3.2 is needed for this test and was not found ({INSTALL}; or set ASCIINEMA3)"
    );
}

/// A Python that imports asciinema 2.4 (found by its version, so an
/// asciinema 3 on PATH is never taken for it): `$TVMUX_TEST_PYTHON`, else
/// the virtual environment scripts/test.sh makes, else `python3`.
pub fn python24() -> PathBuf {
    let candidates = std::env::var_os("TVMUX_TEST_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            test_tools().join("asciinema2/bin/python"),
            PathBuf::from("python3"),
        ]);
    for candidate in candidates {
        let version = probe(
            &candidate,
            &[
                "-c",
                "import importlib.metadata as m; print(m.version('asciinema'))",
            ],
        );
        if version.is_some_and(|v| v.starts_with("2.4")) {
            return candidate;
        }
    }
    panic!(
        "asciinema 2.4 is needed for this test and no Python imports it ({INSTALL}; or set TVMUX_TEST_PYTHON)"
    );
}

/// Plays a cast with asciinema 2.4 (`asciinema cat`): what it prints.
pub fn asciinema_cat(path: &Path) -> Vec<u8> {
    let out = Command::new(python24())
        .args(["-m", "asciinema", "cat"])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "asciinema 2.4 cat {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The cast validates in full and every player that reads its version
/// plays it whole: asciinema 3.2 (`convert -f raw`), and 2.4 for v1 and v2.
pub fn assert_plays(path: &Path) {
    let out = super::tvmux(&["validate", super::path_str(path)]);
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        super::stdout(&out)
    );
    let v3 = Command::new(asciinema3())
        .args(["convert", "-f", "raw"])
        .arg(path)
        .arg("/dev/null")
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        v3.status.success(),
        "asciinema 3.2 cannot play {}: {}",
        path.display(),
        String::from_utf8_lossy(&v3.stderr)
    );
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let header: serde_json::Value =
        serde_json::from_str(text.lines().next().unwrap_or_default()).unwrap_or_default();
    if header["version"] != 3 {
        asciinema_cat(path);
    }
}
