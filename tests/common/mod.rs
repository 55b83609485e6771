//! Helpers shared by the integration tests: run the real binary; find the
//! programs tests need ([`programs`]); a private tmux server and tvmux
//! runtime directory ([`tmux_env`]).
#![allow(dead_code)]

pub mod oracles;
pub mod programs;
pub mod tmpfs;
pub mod tmux_env;

#[allow(unused_imports)]
pub use programs::asciinema_cat;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn tvmux(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tvmux"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("tvmux runs")
}

pub fn tvmux_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tvmux"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tvmux runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// The real-world casts beside the project (`../shared/realworld-casts`),
/// sorted; only for tests marked `cfg_attr(not(realworld_casts), ignore)`.
pub fn realworld_casts() -> Vec<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld-casts");
    let mut casts: Vec<PathBuf> = std::fs::read_dir(shared)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cast"))
        .collect();
    casts.sort();
    casts
}

/// Copies a testdata file into `dir`, returning the copy's path.
pub fn copy_in(dir: &Path, rel: &str) -> PathBuf {
    let dest = dir.join(Path::new(rel).file_name().unwrap());
    std::fs::copy(testdata(rel), &dest).unwrap();
    dest
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A plain shell for tmux panes in tests: no rc files (slow, and they vary
/// between machines), and a prompt that is easy to match.
pub const SHELL: &[&str] = &["env", "PS1=$ ", "bash", "--norc", "--noprofile"];

/// Times that the players read differently or not at all (negative zeros,
/// 2^64 and beyond, exponents) and ordinary ones, for generated casts.
pub const AWKWARD_TIMES: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "-1e-400",
    "1e300",
    "18446744073709551616",
    "18446744073709551615",
    "18446744073709549568",
    "1e19",
    "-1",
    "-0.5",
    "-2",
    "0.000001",
    "5e-7",
    "1.5e3",
    "100",
    "0.1",
    "0.25",
    "1.5",
    "7",
];

/// Writes a v2 cast of `cols` x `rows` whose output events are `data`, 10 ms
/// apart; the last one's time in seconds.
pub fn output_cast(
    path: &Path,
    cols: u32,
    rows: u32,
    data: impl IntoIterator<Item = String>,
) -> f64 {
    let mut cast = format!("{{\"version\": 2, \"width\": {cols}, \"height\": {rows}}}\n");
    let mut t = 0.0;
    for data in data {
        t += 0.01;
        let data = serde_json::to_string(&data).unwrap();
        cast.push_str(&format!("[{t:.2}, \"o\", {data}]\n"));
    }
    std::fs::write(path, cast).unwrap();
    t
}
