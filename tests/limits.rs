//! The engine's cost is bounded on any input (issue 22): holes are never
//! materialised, standard input is checked as a stream, memory does not
//! grow with a line's length, an oversized header is refused.

mod common;

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use common::tmpfs::Tmpfs;
use common::{path_str, tvmux};

const HEADER: &[u8] = b"{\"version\": 2, \"width\": 80, \"height\": 24}\n";

fn write_sparse(path: &Path, head: &[u8], hole: u64, after: &[u8]) {
    use std::os::unix::fs::FileExt;
    let file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(path)
        .unwrap();
    file.write_all_at(head, 0).unwrap();
    let end = head.len() as u64 + hole;
    file.set_len(end).unwrap();
    file.write_all_at(after, end).unwrap();
}

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A 1 GiB hole on a 64 MiB tmpfs, at the end (a crash after
/// preallocation) and in the middle: validate says what is there and repair
/// cuts it, keeping the removed bytes in a side file that is sparse too;
/// the tmpfs never fills. Before the fix, reading the hole through the map
/// filled the tmpfs and the check died saying the file had shrunk.
#[test]
fn holes_are_read_without_filling_a_tmpfs() {
    let fs = Tmpfs::mount("64m");
    let event = b"[0.1, \"o\", \"a\"]\n";
    let head = [HEADER, event].concat();
    let tail = fs.path().join("tail.cast");
    write_sparse(&tail, &head, 1 << 30, b"");
    let middle = fs.path().join("middle.cast");
    write_sparse(&middle, &head, 1 << 30, b"\n[0.2, \"o\", \"b\"]\n");
    let before = fs.used();

    let out = tvmux(&["validate", path_str(&tail)]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains(&format!("{} NUL bytes at the end", 1u64 << 30)),
        "{}",
        said(&out)
    );
    let out = tvmux(&["validate", path_str(&middle)]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("[nul-bytes]"), "{}", said(&out));
    assert!(
        fs.used() < before + (4 << 20),
        "validate materialised the holes: {} bytes in use",
        fs.used()
    );

    for (cast, removed) in [(&tail, 1u64 << 30), (&middle, (1 << 30) + 1)] {
        let out = tvmux(&["repair", path_str(cast)]);
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        let out = tvmux(&["validate", path_str(cast)]);
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        let side = cast.with_file_name(format!(
            "{}.removed",
            cast.file_name().unwrap().to_str().unwrap()
        ));
        // Every removed byte, the NULs as a hole.
        let meta = std::fs::metadata(&side).unwrap();
        assert_eq!(meta.len(), removed, "{}", side.display());
        assert!(meta.blocks() * 512 < 1 << 20, "the side file is not sparse");
        let mut end = Vec::new();
        let mut file = std::fs::File::open(&side).unwrap();
        file.seek(SeekFrom::End(-4096)).unwrap();
        file.read_to_end(&mut end).unwrap();
        let nuls = if removed == 1 << 30 { 4096 } else { 4095 };
        assert!(end[..nuls].iter().all(|&b| b == 0));
    }
    let repaired = std::fs::read(&middle).unwrap();
    assert_eq!(repaired, [&head[..], b"[0.2, \"o\", \"b\"]\n"].concat());
    assert!(
        fs.used() < before + (4 << 20),
        "repair materialised the holes: {} bytes in use",
        fs.used()
    );
}

/// Runs `tvmux ARGS` with standard input written by `feed` (until it ends
/// or the pipe closes), `TMPDIR` set to `tmp`; gives up after `limit`.
fn validate_stream(
    tmp: &Path,
    feed: impl FnOnce(&mut dyn std::io::Write) + Send + 'static,
    limit: std::time::Duration,
) -> std::process::Output {
    tvmux_stream(tmp, &["validate", "-"], feed, limit)
}

/// `tvmux ARGS` fed standard input as [`validate_stream`] feeds it.
fn tvmux_stream(
    tmp: &Path,
    args: &[&str],
    feed: impl FnOnce(&mut dyn std::io::Write) + Send + 'static,
    limit: std::time::Duration,
) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tvmux"))
        .args(args)
        .env("TMPDIR", tmp)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || feed(&mut stdin));
    let t0 = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("validate - still running after {limit:?}: {}", said(&out));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The start of a header whose string never ends.
const HEADER_START: &[u8] = b"{\"version\": 2, \"a\": \"";

/// Exit status 1 (the input is no cast), saying `what`.
fn assert_refused(out: &std::process::Output, what: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", said(out));
    assert!(said(out).contains(what), "{}", said(out));
}

fn forever(first: &'static [u8], then: u8) -> impl FnOnce(&mut dyn std::io::Write) + Send {
    move |w| {
        let block = vec![then; 1 << 16];
        if w.write_all(first).is_ok() {
            while w.write_all(&block).is_ok() {}
        }
    }
}

/// Standard input is checked as it comes, never spooled: an endless
/// stream that cannot be a cast is refused at once, and a long one is
/// checked with nothing written to `TMPDIR` (a 16 MiB tmpfs here, which
/// the old spool filled).
#[test]
fn standard_input_is_checked_as_a_stream() {
    let tmp = Tmpfs::mount("16m");
    let limit = std::time::Duration::from_secs(20);
    let out = validate_stream(tmp.path(), forever(b"", 0), limit);
    assert_refused(&out, "it begins with NUL bytes [not-a-cast]");
    let out = validate_stream(tmp.path(), forever(b"hello", b'x'), limit);
    assert_refused(&out, "[not-a-cast]");
    let out = validate_stream(tmp.path(), forever(HEADER_START, b'x'), limit);
    assert_refused(&out, "over tvmux's limit of 1 MiB");

    // 256 MiB: valid lines, then NULs, through the pipe.
    let out = validate_stream(
        tmp.path(),
        |w| {
            let mut lines = HEADER.to_vec();
            for i in 0..20_000 {
                lines.extend_from_slice(format!("[{i}, \"o\", \"line {i}\\r\\n\"]\n").as_bytes());
            }
            let nuls = vec![0u8; 1 << 20];
            if w.write_all(&lines).is_ok() {
                for _ in 0..256 {
                    if w.write_all(&nuls).is_err() {
                        break;
                    }
                }
            }
        },
        std::time::Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let text = said(&out);
    assert!(
        text.contains(&format!(
            "<stdin>:20002:1: error: {} NUL bytes at the end",
            256 << 20
        )),
        "{text}"
    );
    assert!(
        tmp.used() < 1 << 20,
        "standard input was spooled: {} bytes",
        tmp.used()
    );
}

/// `tvmux ARGS` with its address space limited to `mib` MiB: what would
/// take memory in proportion to a line or a header fails.
fn tvmux_within(mib: u64, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new("sh");
    command
        // glibc reserves 64 MiB of address space (not memory) for each
        // thread's arena, as many as the threads that happen to contend:
        // one arena keeps the limit about memory, not about timing.
        .env("MALLOC_ARENA_MAX", "1")
        .arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", mib << 10))
        .arg(env!("CARGO_BIN_EXE_tvmux"))
        .args(args);
    command.output().unwrap()
}

/// A header of 10 MiB (5 million numbers: hundreds of MiB parsed) is
/// refused with a message, within 200 MiB of address space.
#[test]
fn a_huge_header_is_refused_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("header.cast");
    let mut header =
        b"{\"version\": 2, \"width\": 80, \"height\": 24, \"theme\": {\"a\": [".to_vec();
    header.extend(b"1,".repeat(5 << 20));
    header.extend_from_slice(b"1]}}\n[0.1, \"o\", \"a\"]\n");
    std::fs::write(&cast, &header).unwrap();
    for args in [&["validate"][..], &["info"], &["repair"]] {
        let mut args = args.to_vec();
        args.push(path_str(&cast));
        let out = tvmux_within(200, &args);
        assert!(
            said(&out).contains("over tvmux's limit of 1 MiB"),
            "{args:?}: {}",
            said(&out)
        );
        assert_ne!(out.status.code(), Some(0), "{args:?}");
    }
    assert_eq!(std::fs::read(&cast).unwrap(), header, "repair changed it");
}

/// A cast whose middle event is `mib` MiB of output (escapes and
/// multi-byte text throughout), its time `time`: how many lines it prints.
fn huge_event_cast(path: &Path, mib: usize, time: &str) -> usize {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(HEADER).unwrap();
    out.write_all(b"[0.1, \"o\", \"start\\r\\n\"]\n").unwrap();
    write!(out, "[{time}, \"o\", \"").unwrap();
    let piece = b"line \\u001b[1mbold\\u001b[m caf\xc3\xa9 \\r\\n".repeat(1 << 10);
    let pieces = (mib << 20) / piece.len();
    for _ in 0..pieces {
        out.write_all(&piece).unwrap();
    }
    out.write_all(b"\"]\n[1.0, \"o\", \"end\\r\\n\"]\n")
        .unwrap();
    out.flush().unwrap();
    pieces << 10
}

/// An event of 128 MiB: every command that reads it runs within its map
/// and 128 MiB more of address space (they held the event whole, several
/// times over, decoded and rebuilt: the emulator's lines, the writer's
/// line, repair's fixed line), and gives what it gave before.
#[test]
fn a_huge_event_is_read_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("huge.cast");
    let lines = huge_event_cast(&cast, 128, "0.5");
    let size = std::fs::metadata(&cast).unwrap().len() >> 20;
    let c = path_str(&cast);
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let runs: Vec<(u64, Vec<String>)> = vec![
        (1, vec!["validate".into(), c.into()]),
        (1, vec!["info".into(), c.into()]),
        (1, vec!["text".into(), c.into()]),
        (1, vec!["grep".into(), "end".into(), c.into()]),
        (
            1,
            vec![
                "convert".into(),
                "--to".into(),
                "v3".into(),
                c.into(),
                "-o".into(),
                out("v3.cast"),
            ],
        ),
        (
            1,
            vec![
                "convert".into(),
                "--to".into(),
                "raw".into(),
                c.into(),
                "-o".into(),
                out("raw.txt"),
            ],
        ),
        (
            1,
            vec![
                "speed".into(),
                "--factor".into(),
                "2".into(),
                c.into(),
                "-o".into(),
                out("fast.cast"),
            ],
        ),
        (
            1,
            vec![
                "cut".into(),
                "--from".into(),
                "0.2".into(),
                "--to".into(),
                "0.3".into(),
                c.into(),
                "-o".into(),
                out("cut.cast"),
            ],
        ),
        (
            1,
            vec![
                "extract".into(),
                "--from".into(),
                "0.6".into(),
                "--to".into(),
                "1".into(),
                c.into(),
                "-o".into(),
                out("x.cast"),
            ],
        ),
        // Two casts mapped at once.
        (
            2,
            vec![
                "cat".into(),
                c.into(),
                c.into(),
                "-o".into(),
                out("twice.cast"),
            ],
        ),
    ];
    for (maps, args) in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = tvmux_within(maps * size + 128, &args);
        assert_eq!(run.status.code(), Some(0), "{args:?}: {}", said(&run));
        if args[0] == "text" {
            let text = String::from_utf8_lossy(&run.stdout);
            let shown = text.lines().filter(|l| *l == "line bold café").count();
            assert_eq!(shown, lines, "{args:?}");
        }
    }
    for name in ["v3.cast", "fast.cast", "cut.cast", "x.cast", "twice.cast"] {
        let run = tvmux(&["validate", &out(name)]);
        assert_eq!(run.status.code(), Some(0), "{name}: {}", said(&run));
    }
    // Repair rewrites the huge event's time (it goes backwards).
    huge_event_cast(&cast, 128, "0.05");
    let run = tvmux_within(size + 128, &["repair", c]);
    assert_eq!(run.status.code(), Some(0), "repair: {}", said(&run));
    let run = tvmux(&["validate", c]);
    assert_eq!(run.status.code(), Some(0), "repaired: {}", said(&run));
}

/// The edits spool a pipe to map it, but stop at once when its first bytes
/// cannot begin a cast (they spooled `/dev/zero` until the disk was full).
#[test]
fn an_edit_stops_reading_a_pipe_that_is_no_cast() {
    let tmp = Tmpfs::mount("16m");
    let limit = std::time::Duration::from_secs(20);
    for args in [
        &["text", "-"][..],
        &["info", "-"],
        &["convert", "--to", "v3", "-"],
    ] {
        let out = tvmux_stream(tmp.path(), args, forever(b"", 0), limit);
        assert_refused(&out, "it begins with NUL bytes");
        let out = tvmux_stream(tmp.path(), args, forever(HEADER_START, b'x'), limit);
        assert_refused(&out, "over tvmux's limit of 1 MiB");
    }
    assert!(
        tmp.used() < 1 << 20,
        "the spools are gone: {} bytes left",
        tmp.used()
    );
}

/// Redact's time grows with the matches, not with their square: an event
/// of 2 MiB with a match every 14 bytes took over two minutes (each match
/// was checked against every mask before it, each character too).
#[test]
fn redact_of_a_huge_event_full_of_matches_takes_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("matches.cast");
    let out = dir.path().join("masked.cast");
    let piece = "abcdefgh\\u00e9\\r\\n";
    let count = (2 << 20) / piece.len();
    let mut text = String::from_utf8(HEADER.to_vec()).unwrap();
    text.push_str(&format!("[0.5, \"o\", \"{}\"]\n", piece.repeat(count)));
    std::fs::write(&cast, text).unwrap();
    let t0 = std::time::Instant::now();
    let run = tvmux(&["redact", "abc", path_str(&cast), "-o", path_str(&out)]);
    let took = t0.elapsed();
    assert_eq!(run.status.code(), Some(0), "{}", said(&run));
    assert!(
        said(&run).contains(&format!("masked {count} matches")),
        "{}",
        said(&run)
    );
    assert!(
        took < std::time::Duration::from_secs(60),
        "redact took {took:?}"
    );
    let masked = std::fs::read_to_string(&out).unwrap();
    assert!(!masked.contains("abc"), "every match masked");
    assert_eq!(masked.matches("***defgh").count(), count);
}

/// A valid cast whose terminal is 65535x65535 (in the header, or after a
/// resize) would need tens of GB in the emulator: every command that draws
/// the screen refuses it with a message, within 200 MiB of address space,
/// before allocating; the players' rules still call it valid.
#[test]
fn an_absurd_terminal_size_is_refused_before_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let header = dir.path().join("header.cast");
    std::fs::write(
        &header,
        "{\"version\": 2, \"width\": 65535, \"height\": 65535}\n[0.1, \"o\", \"a\\r\\n\"]\n",
    )
    .unwrap();
    let resized = dir.path().join("resized.cast");
    std::fs::write(
        &resized,
        "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"a\\r\\n\"]\n[0.2, \"r\", \"65535x65535\"]\n[0.3, \"o\", \"b\"]\n",
    )
    .unwrap();
    let out = dir.path().join("out.cast");
    // Each time and stretch needs the screen where the size is too large
    // (cut draws what it removes, extract what comes before it).
    for (cast, said_at, [from, to], [start, end]) in [
        (&header, "", ["0.05", "0.1"], ["0.05", "0.1"]),
        (&resized, "at 0:00.200: ", ["0.15", "0.25"], ["0.25", "0.3"]),
    ] {
        let c = path_str(cast);
        assert!(tvmux(&["validate", c]).status.success());
        for args in [
            vec!["text", c],
            vec!["text", "--at", to, c],
            vec!["grep", "a", c],
            vec!["convert", "--to", "txt", c],
            vec!["cut", "--from", from, "--to", to, c, "-o", path_str(&out)],
            vec![
                "extract",
                "--from",
                start,
                "--to",
                end,
                c,
                "-o",
                path_str(&out),
            ],
        ] {
            let run = tvmux_within(200, &args);
            let text = said(&run);
            assert_eq!(run.status.code(), Some(2), "{args:?}: {text}");
            assert!(
                text.contains(&format!(
                    "{c}: {said_at}the terminal is 65535x65535 (4294836225 cells), over tvmux's limit"
                )),
                "{args:?}: {text}"
            );
            assert!(!out.exists(), "{args:?} wrote its output");
        }
    }
}
