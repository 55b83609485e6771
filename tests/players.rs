//! The differential test: "valid" means the real players read the file.
//!
//! Thousands of mutated casts are checked by tvmux and played by asciinema
//! 3.2 (`convert -f raw FILE /dev/null`) and asciinema 2.4 (its own reader,
//! through scripts/play24.py; 2.4 reads v2 only). tvmux must call a file
//! valid exactly when every player that reads its version plays it whole,
//! except for the deliberate rules in [`DELIBERATE`]. Every file that tvmux
//! repairs must then be played by both.
//!
//! The players are required: `scripts/test.sh` installs them.
//! `TVMUX_DIFF_CASES` (default 1000) and `TVMUX_DIFF_SEED` vary the run.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::programs::asciinema3;
use common::realworld_casts;
use tvmux::cast::{self, Kind, Mode, Options, RepairOptions, Severity};

/// Where tvmux is deliberately stricter than the players, and why. A file
/// that the players read and tvmux refuses must have all its errors here.
const DELIBERATE: &[(Kind, &str)] = &[
    (
        Kind::TimeBackwards,
        "v2 times going backwards: 3.2's raw output plays them, but its conversion to v3 panics and the format says times only grow",
    ),
    (
        Kind::BlankLine,
        "an empty v2 line at the very end: 2.4 stops there with nothing left to lose; anything appended later would be lost",
    ),
    (
        Kind::BadResize,
        "resize sizes of 0 or written with `+`: 3.2 reads them as u16, but a zero-sized terminal is not a terminal",
    ),
    (
        Kind::BadHeader,
        "a header width/height (v3: cols/rows) of 0: both players read it, but a zero-sized terminal is not a terminal",
    ),
];

/// Fails (here and in CI) when a player is missing: a differential test
/// that silently checks nothing would be worse than none.
fn require_players() {
    asciinema3();
    common::programs::python24();
}

/// asciinema 3.2 plays the whole file.
fn plays_v3(path: &Path) -> bool {
    Command::new(asciinema3())
        .args(["convert", "-f", "raw"])
        .arg(path)
        .arg("/dev/null")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// asciinema 2.4's verdict on each file, from one Python process.
fn plays_v2(paths: &[PathBuf]) -> Vec<Result<(), String>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/play24.py");
    let mut child = Command::new(common::programs::python24())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().unwrap();
    let list: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let verdicts: Vec<Result<(), String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            if l == "ok" {
                Ok(())
            } else {
                Err(l.to_string())
            }
        })
        .collect();
    assert_eq!(verdicts.len(), paths.len(), "play24.py answered every file");
    verdicts
}

/// Both players (those that read the file's version) play it whole.
fn players_read(paths: &[PathBuf]) -> Vec<Result<(), String>> {
    let v2 = plays_v2(paths);
    let v3: Vec<bool> = std::thread::scope(|s| {
        let half = paths.len() / 2;
        let (a, b) = paths.split_at(half);
        let a = s.spawn(|| a.iter().map(|p| plays_v3(p)).collect::<Vec<_>>());
        let b = s.spawn(|| b.iter().map(|p| plays_v3(p)).collect::<Vec<_>>());
        [a.join().unwrap(), b.join().unwrap()].concat()
    });
    paths
        .iter()
        .zip(v2)
        .zip(v3)
        .map(|((path, v2), v3)| {
            let bytes = fs::read(path).unwrap();
            let is_v2 = version(&bytes) == Some(2);
            match (v3, v2) {
                (false, _) => Err("asciinema 3.2 fails".to_string()),
                (true, Err(e)) if is_v2 => Err(format!("asciinema 2.4: {e}")),
                _ => Ok(()),
            }
        })
        .collect()
}

fn version(bytes: &[u8]) -> Option<u64> {
    let first = bytes.split(|&b| b == b'\n').next()?;
    let v: serde_json::Value = serde_json::from_slice(first).ok()?;
    v.get("version")?.as_u64()
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const CODES: &[&str] = &[
    "o", "i", "m", "r", "x", "", "zz", "\\u006f", "\\/o", "\\u0069", "\\n", "é",
];
const RESIZES: &[&str] = &[
    "80x24",
    "65535x65535",
    "65536x1",
    "70000x24",
    "0x0",
    "+1x2",
    "80x",
    "1x1",
    "80x24x1",
];
const EXITS: &[&str] = &["0", "1", "-3", "+3", "boom", "1.5", "2147483648", ""];
const HEADER_EDITS: &[(&str, &str)] = &[
    ("\"width\": 80", "\"width\": 65535"),
    ("\"width\": 80", "\"width\": 65536"),
    ("\"width\": 80", "\"width\": 0"),
    ("\"cols\": 80", "\"cols\": 70000"),
    ("\"cols\": 80", "\"cols\": 65535"),
    ("\"version\": 2", "\"version\": 2.0"),
    ("\"version\": 3", "\"version\": 3.0"),
    ("\"height\": 24", "\"height\": 24, \"height\": 24"),
    ("\"height\": 24", "\"height\": 24, \"idle_time_limit\": -1"),
    ("\"height\": 24", "\"height\": 24, \"duration\": \"x\""),
    ("\"height\": 24", "\"height\": 24, \"timestamp\": -1"),
    ("\"height\": 24", "\"height\": 24, \"env\": {\"A\": 1}"),
    ("\"height\": 24", "\"height\": 24, \"env\": {\"A\": null}"),
    ("\"rows\": 24}", "\"rows\": 24}, \"env\": {\"A\": null}"),
    ("\"rows\": 24}", "\"rows\": 24}, \"env\": {\"A\": 1}"),
    ("\"rows\": 24}", "\"rows\": 24}, \"tags\": \"x\""),
    ("\"rows\": 24}", "\"rows\": 24}, \"timestamp\": -1"),
    (", ", ",\r"),
    (", ", ", "),
];
const LINES: &[&str] = &[
    "",
    "\r",
    "  ",
    "\t",
    "# a comment",
    "# with \0 NUL",
    "\0\0\0",
    "[",
    "x",
];

fn seed(rng: &mut Rng) -> Vec<String> {
    let v3 = rng.below(2) == 0;
    let mut lines = vec![if v3 {
        "{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}}".to_string()
    } else {
        "{\"version\": 2, \"width\": 80, \"height\": 24}".to_string()
    }];
    let mut t = 0.0;
    for i in 0..(3 + rng.below(6)) {
        t += rng.below(2000) as f64 / 1000.0;
        let time = if v3 {
            format!("{:.3}", rng.below(2000) as f64 / 1000.0)
        } else {
            format!("{t:.6}")
        };
        let (code, data) = match i % 4 {
            0 => ("o", "caf\u{e9} \\u001b[1mbold\\u001b[0m\\r\\n"),
            1 => ("i", "l"),
            2 => ("r", "100x30"),
            _ => ("m", "chapter"),
        };
        lines.push(format!("[{time}, \"{code}\", \"{data}\"]"));
    }
    if v3 {
        lines.push("[0.5, \"x\", \"0\"]".to_string());
    }
    lines
}

/// Replaces the `n`th `"…"` string (0 = code, 1 = data) or the time of a line.
fn set_field(line: &str, field: usize, value: &str) -> String {
    let Some(open) = line.find('[') else {
        return line.to_string();
    };
    let Some(comma) = line[open..].find(',').map(|i| i + open) else {
        return line.to_string();
    };
    if field == 2 {
        return format!("[{value}{}", &line[comma..]);
    }
    let quotes: Vec<usize> = line.match_indices('"').map(|(i, _)| i).collect();
    if quotes.len() < 4 {
        return line.to_string();
    }
    let (a, b) = (quotes[field * 2], quotes[field * 2 + 1]);
    format!("{}\"{value}\"{}", &line[..a], &line[b + 1..])
}

fn mutate(rng: &mut Rng, lines: &mut Vec<String>) {
    let body = 1 + rng.below(lines.len() - 1);
    match rng.below(9) {
        0 => lines[body] = set_field(&lines[body], 2, rng.pick(common::AWKWARD_TIMES)),
        1 => lines[body] = set_field(&lines[body], 0, rng.pick(CODES)),
        2 => {
            let l = set_field(&lines[body], 0, "r");
            lines[body] = set_field(&l, 1, rng.pick(RESIZES));
        }
        3 => {
            let l = set_field(&lines[body], 0, "x");
            lines[body] = set_field(&l, 1, rng.pick(EXITS));
        }
        4 => {
            let (from, to) = rng.pick(HEADER_EDITS);
            let target = if rng.below(3) == 0 { body } else { 0 };
            lines[target] = lines[target].replacen(from, to, 1);
        }
        5 => lines.insert(body, rng.pick(LINES).to_string()),
        6 if body + 1 < lines.len() => {
            let next = lines.remove(body + 1);
            lines[body] = format!("{}\r{next}", lines[body]);
        }
        7 => {
            let l = &lines[body];
            let at = rng.below(l.len() + 1);
            if l.is_char_boundary(at) {
                let ch = rng.pick(&["\r", " ", ",", "\"", "]", "\\", "0", "-"]);
                lines[body] = format!("{}{ch}{}", &l[..at], &l[at..]);
            }
        }
        _ => {
            let l = &lines[body];
            let at = rng.below(l.len().max(1));
            if l.is_char_boundary(at) && l.is_char_boundary(at + 1) {
                lines[body] = format!("{}{}", &l[..at], &l[at + 1..]);
            }
        }
    }
}

fn generate(rng: &mut Rng) -> Vec<u8> {
    let mut lines = seed(rng);
    for _ in 0..(1 + rng.below(3)) {
        mutate(rng, &mut lines);
    }
    let mut text = lines.join("\n");
    match rng.below(8) {
        0 => {}
        1 => text.push_str("\0\0\0"),
        _ => text.push('\n'),
    }
    text.into_bytes()
}

fn errors(bytes: &[u8]) -> Vec<Kind> {
    let s = cast::scan(
        bytes,
        &Options {
            mode: Mode::Full,
            max_findings: 100,
            ..Default::default()
        },
    );
    s.findings
        .list
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.kind)
        .collect()
}

/// Whether a file the players read is refused only by deliberate rules: the
/// first such rule, if every error is one.
fn deliberate(bytes: &[u8], errors: &[Kind]) -> Option<Kind> {
    let text = String::from_utf8_lossy(bytes);
    let applies = |kind: Kind| match kind {
        Kind::TimeBackwards => true,
        // Only at the end: elsewhere 2.4 stops and loses what follows.
        Kind::BlankLine => text.trim_end_matches(['\n', '\r', '\0']).len() + 1 < text.len(),
        // 3.2 read every size as u16, so ours refused a zero or a `+`.
        Kind::BadResize => true,
        Kind::BadHeader => [": 0,", ": 0}"]
            .iter()
            .any(|p| text.lines().next().unwrap_or("").contains(p)),
        _ => false,
    };
    let all = errors
        .iter()
        .all(|&k| applies(k) && DELIBERATE.iter().any(|(d, _)| *d == k));
    all.then(|| errors.first().copied()).flatten()
}

#[test]
fn valid_means_both_players_read_it() {
    require_players();
    let cases: usize = std::env::var("TVMUX_DIFF_CASES").map_or(1000, |v| v.parse().unwrap());
    let seed: u64 = std::env::var("TVMUX_DIFF_SEED").map_or(0x7e57_ca57, |v| v.parse().unwrap());
    let mut rng = Rng(seed | 1);
    let dir = tempfile::tempdir().unwrap();
    // TVMUX_DIFF_KEEP=1 keeps the cases to look at.
    let dir_path = if std::env::var_os("TVMUX_DIFF_KEEP").is_some() {
        dir.keep()
    } else {
        dir.path().to_path_buf()
    };
    let mut paths = Vec::new();
    for i in 0..cases {
        let path = dir_path.join(format!("case-{i:05}.cast"));
        fs::write(&path, generate(&mut rng)).unwrap();
        paths.push(path);
    }
    let judged = players_read(&paths);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut repaired = Vec::new();
    for (path, players) in paths.iter().zip(&judged) {
        let bytes = fs::read(path).unwrap();
        let errs = errors(&bytes);
        let valid = errs.is_empty();
        let outcome = match (valid, players) {
            (true, Ok(())) => "both valid".to_string(),
            (false, Err(_)) => "both invalid".to_string(),
            (false, Ok(())) => match deliberate(&bytes, &errs) {
                Some(kind) => format!("deliberate: {}", kind.name()),
                None => {
                    wrong.push(format!(
                        "{}: tvmux {errs:?}, players read it",
                        path.display()
                    ));
                    continue;
                }
            },
            (true, Err(e)) => {
                wrong.push(format!("{}: tvmux valid, {e}", path.display()));
                continue;
            }
        };
        *tally.entry(outcome).or_default() += 1;
        if !valid {
            let copy = path.with_extension("repaired.cast");
            fs::copy(path, &copy).unwrap();
            if cast::repair_path(
                &copy,
                &RepairOptions {
                    no_side_file: true,
                    ..Default::default()
                },
            )
            .is_ok()
            {
                repaired.push(copy);
            }
        }
    }
    eprintln!("{cases} mutated casts (seed {seed}): {tally:?}");
    for w in &wrong {
        eprintln!("DISAGREE {w}");
    }
    assert!(
        wrong.is_empty(),
        "{} disagreements with the players",
        wrong.len()
    );
    assert!(
        tally.get("both valid").is_some_and(|&n| n > cases / 20),
        "too few valid cases: {tally:?}"
    );
    assert!(
        tally.get("both invalid").is_some_and(|&n| n > cases / 20),
        "too few invalid cases"
    );
    // Every repaired file is valid and played by both players.
    let replayed = players_read(&repaired);
    let unplayable: Vec<String> = repaired
        .iter()
        .zip(&replayed)
        .filter_map(|(p, r)| {
            let errs = errors(&fs::read(p).unwrap());
            (!errs.is_empty() || r.is_err()).then(|| format!("{}: {errs:?} {r:?}", p.display()))
        })
        .collect();
    eprintln!("{} repaired casts replayed", repaired.len());
    assert!(
        unplayable.is_empty(),
        "repaired but not playable:\n{}",
        unplayable.join("\n")
    );
}

/// The real-world casts in ../shared (where it exists): tvmux and the players
/// agree on every one.
/// Where `../shared` is missing (a clone of its own) the test is counted as
/// ignored, with the reason; build.rs refuses to build without it in CI.
#[test]
#[cfg_attr(
    not(realworld_casts),
    ignore = "../shared/realworld-casts not found beside the project"
)]
fn real_world_casts_agree_with_the_players() {
    require_players();
    let paths = realworld_casts();
    assert!(paths.len() >= 50, "found only {} casts", paths.len());
    let judged = players_read(&paths);
    let mut wrong = Vec::new();
    for (path, players) in paths.iter().zip(&judged) {
        let bytes = fs::read(path).unwrap();
        let errs = errors(&bytes);
        match (errs.is_empty(), players) {
            (true, Err(e)) => wrong.push(format!("{}: tvmux valid, {e}", path.display())),
            (false, Ok(())) if deliberate(&bytes, &errs).is_none() => wrong.push(format!(
                "{}: tvmux {errs:?}, players read it",
                path.display()
            )),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "disagreements:\n{}", wrong.join("\n"));
}
