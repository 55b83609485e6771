//! Property tests for the engine's invariants.

use std::fs;

mod common;

use proptest::prelude::*;
use tvmux::cast::Action;
use tvmux::cast::CastWriter;
use tvmux::cast::Utf8Decoder;
use tvmux::cast::testing::{parse_event, parse_event_at};
use tvmux::cast::{self, FlushPolicy, Header, Mode, RepairOptions, Version};

fn scan(bytes: &[u8], mode: Mode) -> cast::Scan {
    cast::scan(
        bytes,
        &cast::Options {
            mode,
            max_findings: 1000,
            progress: None,
            ..Default::default()
        },
    )
}

// ---------------------------------------------------------------------------
// The line checker agrees with serde_json.

fn json_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(" ".to_string()),
        Just("\t".to_string()),
        Just("\r".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("\\u".to_string()),
        Just("\\ud83d".to_string()),
        Just("\\ude00".to_string()),
        Just("\\n".to_string()),
        Just("-".to_string()),
        Just(".".to_string()),
        Just("e".to_string()),
        Just("E+".to_string()),
        Just("0".to_string()),
        Just("1e400".to_string()),
        "[0-9]{1,25}",
        "[a-zA-Z]{1,3}",
        "\\PC{1,3}",
        Just("\u{1}".to_string()),
        Just("\u{7f}".to_string()),
        Just("null".to_string()),
    ]
}

fn event_like_line() -> impl Strategy<Value = Vec<u8>> {
    let number = prop_oneof![
        any::<f64>().prop_map(|f| f.to_string()),
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
    ];
    let string =
        || prop::collection::vec(json_piece(), 0..6).prop_map(|p| format!("\"{}\"", p.concat()));
    let ws = "[ \t\r]{0,2}";
    (
        ws,
        number,
        ws,
        string(),
        ws,
        string(),
        ws,
        prop::collection::vec(json_piece(), 0..2),
    )
        .prop_map(|(w1, n, w2, c, w3, d, w4, extra)| {
            format!("{w1}[{n},{w2}{c} ,{w3}{d}]{w4}{}", extra.concat()).into_bytes()
        })
}

fn mutated(line: Vec<u8>, edits: Vec<(usize, u8, u8)>) -> Vec<u8> {
    let mut line = line;
    for (at, op, byte) in edits {
        if line.is_empty() {
            break;
        }
        let at = at % line.len();
        match op % 3 {
            0 => line[at] = byte,
            1 => {
                line.remove(at);
            }
            _ => line.insert(at, byte),
        }
    }
    line
}

fn any_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        event_like_line(),
        (
            event_like_line(),
            prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)
        )
            .prop_map(|(l, e)| mutated(l, e)),
        prop::collection::vec(json_piece(), 0..12).prop_map(|p| p.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn line_checker_agrees_with_serde_json(line in any_line()) {
        let ours = parse_event(&line);
        let theirs = serde_json::from_slice::<(f64, String, String)>(&line);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "line {:?}: ours {:?} serde {:?}", String::from_utf8_lossy(&line), ours.as_ref().err(), theirs.as_ref().err());
        if let (Ok(ev), Ok((time, code, data))) = (ours.clone(), theirs) {
            prop_assert_eq!(ev.time, time);
            prop_assert_eq!(ev.code.text(), code);
            prop_assert_eq!(ev.data.text(), data);
        }
        // The full check's fast path, which parses lines in place in a chunk
        // of valid UTF-8, accepts exactly the same lines.
        if !line.contains(&b'\n') && std::str::from_utf8(&line).is_ok() {
            let chunk = [&line[..], b"\n[1, \"o\", \"next\"]\n"].concat();
            let fast = parse_event_at(&chunk);
            prop_assert_eq!(fast.is_some(), ours.is_ok());
            if let (Some((ev, len)), Ok(slow)) = (fast, ours) {
                prop_assert_eq!(len, line.len());
                prop_assert_eq!(ev, slow);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The full check's fast path (fixed parts read a word at a time, long strings
// classified 64 bytes at a time) against the byte walker.

/// What goes into a long string: plain runs, every kind of escape (good,
/// bad, surrogates paired and not, cut short), quotes, control and
/// non-ASCII bytes, so that each lands at every place in a 64-byte block.
fn string_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z ]{1,40}",
        4 => Just("\\u001b[32m".to_string()),
        2 => Just("\\r\\n".to_string()),
        1 => prop::sample::select(vec!["\\\\", "\\\"", "\\/", "\\b", "\\f", "\\t", "\\u00e9", "\\uABCD", "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\ud7ff", "\\ue000"]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["\\ud83d", "\\ude00", "\\uD800x", "\\u12G4", "\\u12", "\\x", "\\", "\"", "\u{1}", "\t", "\u{7f}", "é→日", "\\\\\\"]).prop_map(str::to_string),
    ]
}

/// Lines in the form writers use (`[1.5, "o", "..."]`), with numbers and
/// codes at and past the fast path's limits, and strings long enough for
/// the blocks.
fn written_line() -> impl Strategy<Value = Vec<u8>> {
    let number = prop_oneof![
        "[0-9]{1,9}\\.[0-9]{0,9}",
        "0[0-9]{0,2}\\.[0-9]{1,3}",
        "[0-9]{1,3}",
        "[0-9]\\.[0-9]{1,3}[eE][0-9]",
    ];
    let code = prop_oneof![
        4 => Just("o".to_string()),
        1 => prop::sample::select(vec!["i", "m", "r", "x", "\\\\", "\"", "é", "\u{1}", "", "oo", "\\u006f"]).prop_map(str::to_string),
    ];
    let sep = prop_oneof![8 => Just(", "), 1 => Just(","), 1 => Just(" , ")];
    (
        number,
        sep.clone(),
        code,
        sep,
        prop_oneof![
            // A plain lead-in puts the first escape anywhere, past the walker's part too.
            3 => ("[a-z ]{0,200}", prop::collection::vec(string_piece(), 0..40)),
            // One key's echo, and what only looks like one.
            1 => ("[a-z]|\\\\|\"|\t|é|\u{7f}", Just(Vec::new())),
        ],
        prop_oneof![8 => Just("]"), 1 => Just(" ]"), 1 => Just("]\r"), 1 => Just("] x")],
    )
        .prop_map(|(n, s1, c, s2, (lead, data), end)| {
            format!("[{n}{s1}\"{c}\"{s2}\"{lead}{}\"{end}", data.concat()).into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6000))]

    /// Whatever the fast path accepts, the walker accepts as the same event;
    /// whatever it does not, the walker is asked and says the same.
    #[test]
    fn the_fast_path_agrees_with_the_byte_walker(
        line in prop_oneof![
            3 => written_line(),
            2 => (written_line(), prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4))
                .prop_map(|(l, e)| mutated(l, e)),
        ],
        pad in 0..70usize,
    ) {
        // The full check gives the fast path valid UTF-8, split at newlines.
        let line = String::from_utf8_lossy(&line).replace('\n', " ").into_bytes();
        let walked = parse_event(&line);
        // What follows the line varies, so that its end falls anywhere in a block.
        let chunk = [&line[..], b"\n", &b"[1, \"o\", \"next\"]\n".repeat(1 + pad / 16)[..pad.max(1)]].concat();
        let fast = parse_event_at(&chunk);
        prop_assert_eq!(fast.is_some(), walked.is_ok(), "line {:?}: walker {:?}", String::from_utf8_lossy(&line), walked.as_ref().err());
        if let (Some((ev, len)), Ok(walked)) = (fast, walked) {
            prop_assert_eq!(len, line.len());
            prop_assert_eq!(ev, walked);
        }
    }
}

// ---------------------------------------------------------------------------
// Casts made by the writer, then damaged.

#[derive(Debug, Clone)]
struct Recording {
    version: Version,
    events: Vec<(f64, String, Vec<u8>)>,
}

fn recording() -> impl Strategy<Value = Recording> {
    let event = (
        0.0..2.0f64,
        prop_oneof![
            Just("o"),
            Just("o"),
            Just("i"),
            Just("m"),
            Just("r"),
            Just("x")
        ],
        prop_oneof![
            "\\PC{0,12}".prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..12),
            Just(b"\x1b[1;31mred\x1b[0m\r\n".to_vec()),
        ],
    );
    (
        prop_oneof![Just(Version::V2), Just(Version::V3)],
        prop::collection::vec(event, 0..25),
    )
        .prop_map(|(version, evs)| {
            let mut t = 0.0;
            let events = evs
                .into_iter()
                .map(|(dt, code, data)| {
                    t += dt;
                    let data = match code {
                        "r" => format!("{}x{}", 1 + data.len(), 1 + data.len() % 7).into_bytes(),
                        "x" => b"0".to_vec(),
                        _ => data,
                    };
                    (t, code.to_string(), data)
                })
                .collect();
            Recording { version, events }
        })
}

fn write_cast(rec: &Recording) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = CastWriter::create(
        &mut out,
        &Header::new(rec.version, 80, 24),
        FlushPolicy::default(),
    )
    .unwrap();
    for (t, code, data) in &rec.events {
        match code.as_str() {
            "o" => w.output(*t, data).unwrap(),
            "i" => w.input(*t, data).unwrap(),
            "x" => w.exit(*t, 0).unwrap(),
            _ => w.event(*t, code, &String::from_utf8_lossy(data)).unwrap(),
        }
    }
    w.finish(rec.events.last().map_or(0.0, |e| e.0)).unwrap();
    out
}

#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Nuls(usize, usize),
    Garbage(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), 1..5000usize).prop_map(|(at, n)| Damage::Nuls(at, n)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    Just(b'\n'),
                    Just(b'"'),
                    Just(b'['),
                    Just(b']'),
                    Just(b','),
                    Just(b'1'),
                    Just(b'o'),
                    any::<u8>()
                ],
                1..40
            )
        )
            .prop_map(|(at, g)| Damage::Garbage(at, g)),
    ]
}

fn apply(cast: &[u8], d: &Damage) -> (Vec<u8>, usize) {
    let cut = |at: usize| at % (cast.len() + 1);
    match d {
        Damage::Truncate(at) => (cast[..cut(*at)].to_vec(), cut(*at)),
        Damage::Nuls(at, n) => ([&cast[..cut(*at)], &vec![0; *n][..]].concat(), cut(*at)),
        Damage::Garbage(at, g) => ([&cast[..cut(*at)], &g[..]].concat(), cut(*at)),
    }
}

fn repair(path: &std::path::Path, quick: bool) -> Result<cast::Report, cast::RepairError> {
    cast::repair_path(
        path,
        &RepairOptions {
            quick,
            max_findings: 10,
            ..Default::default()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Repair of any tail damage gives a valid cast that starts with every
    /// complete line before the damage, byte for byte; nothing removed is
    /// lost; a second repair does nothing.
    #[test]
    fn repair_keeps_every_complete_event_and_is_idempotent(rec in recording(), d in damage()) {
        let original = write_cast(&rec);
        let (damaged, at) = apply(&original, &d);
        let header_len = original.iter().position(|&b| b == b'\n').unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.cast");
        fs::write(&path, &damaged).unwrap();
        let result = repair(&path, false);
        if at <= header_len && result.is_err() {
            // The header line itself is damaged: refused, untouched.
            prop_assert_eq!(fs::read(&path).unwrap(), damaged);
            return Ok(());
        }
        let report = result.unwrap();
        let repaired = fs::read(&path).unwrap();
        let s = scan(&repaired, Mode::Full);
        prop_assert!(s.is_valid(), "{:?}\n{}", s.findings.list, String::from_utf8_lossy(&repaired));
        let complete = original[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        prop_assert!(repaired.starts_with(&original[..complete]), "lost events:\n{}\n---\n{}", String::from_utf8_lossy(&original), String::from_utf8_lossy(&repaired));
        let side = fs::read(dir.path().join("r.cast.removed")).unwrap_or_default();
        if matches!(report.action, Action::Truncate { .. }) && !report.newline_added {
            prop_assert_eq!([repaired.clone(), side.clone()].concat(), damaged.clone());
        }
        prop_assert_eq!(side.len() as u64, report.removed_bytes);
        let again = repair(&path, false).unwrap();
        prop_assert_eq!(again.action, Action::None);
        prop_assert_eq!(fs::read(&path).unwrap(), repaired);
    }

    /// On tail damage, quick and full checks agree, and so do quick and full repair.
    #[test]
    fn quick_and_full_agree_on_tail_damage(rec in recording(), at in any::<usize>(), nuls in 0..3000usize) {
        let original = write_cast(&rec);
        let (damaged, _) = apply(&original, &Damage::Nuls(at, nuls));
        let (quick, full) = (scan(&damaged, Mode::Quick), scan(&damaged, Mode::Full));
        prop_assert_eq!(quick.is_valid(), full.is_valid());
        let key = |s: &cast::Scan| s.findings.list.iter().map(|f| (f.offset, f.kind, f.line)).collect::<Vec<_>>();
        prop_assert_eq!(key(&quick), key(&full));
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.cast"), dir.path().join("b.cast"));
        fs::write(&a, &damaged).unwrap();
        fs::write(&b, &damaged).unwrap();
        let (ra, rb) = (repair(&a, true), repair(&b, false));
        prop_assert_eq!(ra.is_ok(), rb.is_ok());
        prop_assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    }

    /// Any byte stream, cut into any pieces, decodes as it does whole.
    #[test]
    fn decoder_pieces_match_whole(bytes in prop::collection::vec(prop_oneof![any::<u8>(), 0x80..0xC0u8, Just(0xE2u8), Just(0xF0u8)], 0..64), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort();
        let mut d = Utf8Decoder::new();
        let mut text = String::new();
        let mut start = 0;
        for cut in cuts {
            d.decode(&bytes[start..cut], &mut text);
            start = cut;
        }
        d.decode(&bytes[start..], &mut text);
        d.finish(&mut text);
        prop_assert_eq!(text, String::from_utf8_lossy(&bytes));
    }

    /// The writer's output validates, and its `o` data joins to the input text.
    #[test]
    fn writer_output_validates(version in prop_oneof![Just(Version::V2), Just(Version::V3)], pieces in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 0..16)) {
        let mut out = Vec::new();
        let mut w = CastWriter::create(&mut out, &Header::new(version, 80, 24), FlushPolicy::default()).unwrap();
        for (i, p) in pieces.iter().enumerate() {
            w.output(i as f64 * 0.01, p).unwrap();
        }
        w.finish(1.0).unwrap();
        let s = scan(&out, Mode::Full);
        prop_assert!(s.is_valid() && s.findings.warnings == 0, "{:?}", s.findings.list);
        let mut joined = String::new();
        for line in out.split(|&b| b == b'\n').skip(1).filter(|l| !l.is_empty()) {
            joined.push_str(&parse_event(line).unwrap().data.text());
        }
        let all = pieces.concat();
        prop_assert_eq!(joined, String::from_utf8_lossy(&all));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Checking in tiny parallel chunks finds exactly what one sequential
    /// pass finds, including v2 times going backwards across chunk borders.
    #[test]
    fn chunked_check_equals_sequential(times in prop::collection::vec(-1.0..10.0f64, 0..40), bad in prop::collection::vec(any::<bool>(), 40), chunk in 1..200usize) {
        let mut text = String::from("{\"version\": 2, \"width\": 80, \"height\": 24}\n");
        for (t, bad) in times.iter().zip(&bad) {
            if *bad && *t > 8.0 {
                text.push_str("garbage\n");
            } else {
                text.push_str(&format!("[{t}, \"o\", \"x\"]\n"));
            }
        }
        let run = |chunk_size| cast::scan(text.as_bytes(), &cast::Options { mode: Mode::Full, max_findings: 1000, chunk_size, ..Default::default() });
        let (small, whole) = (run(chunk), run(usize::MAX / 2));
        let key = |s: &cast::Scan| s.findings.list.iter().map(|f| (f.line, f.column, f.kind, f.message.clone())).collect::<Vec<_>>();
        prop_assert_eq!(key(&small), key(&whole));
        prop_assert_eq!((small.lines, small.events), (whole.lines, whole.events));
        let (a, b) = (small.body.unwrap(), whole.body.unwrap());
        prop_assert_eq!((a.keep_end, a.first_edit, a.clock), (b.keep_end, b.first_edit, b.clock));
    }
}

/// An event line with the values and the whitespace the player rules are
/// about: odd times and codes, resize and exit data, carriage returns.
fn rule_event() -> impl Strategy<Value = Vec<u8>> {
    let ws = || prop::sample::select(vec!["", " ", "\r", " \r ", "\t"]);
    let time = prop::sample::select(common::AWKWARD_TIMES);
    let code = prop::sample::select(vec![
        "\"o\"",
        "\"\\u006f\"",
        "\"\"",
        "\"r\"",
        "\"x\"",
        "\"\\n\"",
        "\"m\"",
        "\"\\/o\"",
    ]);
    let data = prop::sample::select(vec![
        "\"80x24\"",
        "\"70000x1\"",
        "\"0\"",
        "\"boom\"",
        "\"a\\u001b\"",
        "\"\"",
        "\"-3\"",
    ]);
    (ws(), time, ws(), code, ws(), data, ws())
        .prop_map(|(a, t, b, c, d, e, f)| format!("{a}[{t}{b},{c},{d}{e}{f}]").into_bytes())
}

fn rule_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        rule_event(),
        (rule_event(), rule_event()).prop_map(|(a, b)| [a, b"\r".to_vec(), b].concat()),
        (rule_event(), rule_event(), rule_event()).prop_map(|(a, b, c)| [
            a,
            b"\r".to_vec(),
            b,
            b"\r\r".to_vec(),
            c
        ]
        .concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Whatever the checker says repair can fix, `repair_line` writes valid
    /// event lines, as many as the checker counted (fuzzed too: fix_line).
    #[test]
    fn fixed_lines_are_valid_events(line in rule_line(), v3 in any::<bool>(), start in prop::option::of(0.0..10.0f64)) {
        use tvmux::cast::{Checker, Clock, Verdict, Version};
        let checker = Checker::new(if v3 { Version::V3 } else { Version::V2 });
        let clock = Clock { latest: start };
        let mut out = Vec::new();
        let verdict = checker.repair_line(&line, b"\n", &mut clock.clone(), &mut out);
        let out = out.concat();
        let mut replay = clock;
        let mut events = 0;
        for written in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let v = checker.check(written, &mut replay, &mut |_| {});
            prop_assert!(v.is_kept(), "{:?} -> {:?}", String::from_utf8_lossy(&line), String::from_utf8_lossy(written));
            events += v.events();
        }
        if verdict != Verdict::Drop {
            prop_assert_eq!(events, verdict.events());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever a pane shows, a reply comes out whole: only the `%end` with
    /// its `%begin`'s time, number and flags ends it.
    #[test]
    fn control_replies_come_out_whole(
        lines in prop::collection::vec(
            prop_oneof![
                Just(b"%end 1700000000 7 1".to_vec()),
                Just(b"%end 1700000000 7 0".to_vec()),
                Just(b"%error 1700000001 7 1".to_vec()),
                Just(b"%end 1 1 1".to_vec()),
                Just(b"%begin 1700000000 8 1".to_vec()),
                Just(b"%window-close @0".to_vec()),
                Just(b"%exit".to_vec()),
                Just(b"%output %1 x".to_vec()),
                prop::collection::vec(any::<u8>(), 0..20),
            ]
            .prop_filter("not the closing line", |l| l != b"%end 1700000000 7 1" && l != b"%error 1700000000 7 1"),
            0..12,
        )
    ) {
        use tvmux::testing::{Demux, Event};
        let mut demux = Demux::default();
        prop_assert_eq!(demux.push(b"%begin 1700000000 7 1"), None);
        for line in &lines {
            prop_assert_eq!(demux.push(line), None);
        }
        match demux.push(b"%end 1700000000 7 1") {
            Some(Event::Reply(reply)) => prop_assert_eq!(reply.lines, lines),
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

// ---------------------------------------------------------------------------
// Conversions keep every time to the microsecond and every byte of data.

fn event() -> impl Strategy<Value = (u64, String, String)> {
    // Gaps from nothing to hours, in microseconds.
    let gap = || prop_oneof![Just(0u64), 0u64..2_000, 0u64..10_000_000_000];
    let code = prop_oneof![
        Just("o".to_string()),
        Just("i".to_string()),
        Just("m".to_string()),
        Just("custom".to_string()),
    ];
    // Any text: control characters, quotes, backslashes, wide characters.
    let text = "(\\PC|[\\x00-\\x1f\"\\\\]|\u{1F600}){0,12}";
    // An exit status: v3 reads `x` data as an integer.
    let exit = any::<i32>().prop_map(|n| n.to_string());
    prop_oneof![
        8 => (gap(), code, text),
        1 => (gap(), Just("x".to_string()), exit),
    ]
}

fn write_with_event_at(path: &std::path::Path, version: Version, events: &[(u64, String, String)]) {
    let file = fs::File::create(path).unwrap();
    let mut w =
        CastWriter::create(file, &Header::new(version, 80, 24), FlushPolicy::default()).unwrap();
    let mut time = 0;
    for (gap, code, data) in events {
        time += gap;
        w.event_at(time, code, &cast::Data::Text(data.as_str().into()))
            .unwrap();
    }
    w.finish(0.0).unwrap();
}

fn convert(from: &std::path::Path, to: &std::path::Path, target: tvmux::edit::Target) {
    let input = tvmux::edit::Input::open(from).unwrap();
    let output = tvmux::edit::Output::create(to, &[from], false).unwrap();
    tvmux::edit::convert(&input, target, output).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn v2_to_v3_to_v2_is_byte_identical(events in proptest::collection::vec(event(), 0..40)) {
        use tvmux::edit::Target;
        let dir = tempfile::tempdir().unwrap();
        let (v2, v3, back) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
        write_with_event_at(&v2, Version::V2, &events);
        convert(&v2, &v3, Target::V3);
        convert(&v3, &back, Target::V2);
        prop_assert_eq!(fs::read(&v2).unwrap(), fs::read(&back).unwrap());
        // And the v3 file holds the very events, at the very times.
        let bytes = fs::read(&v3).unwrap();
        let mut read = Vec::new();
        cast::Events::open(&bytes).unwrap().for_each(|e| {
            read.push((e.time, e.code.to_string(), e.data.text().into_owned()));
            Ok(cast::Flow::Continue(()))
        }).unwrap();
        let mut time = 0;
        let want: Vec<(u64, String, String)> = events
            .iter()
            .map(|(gap, code, data)| {
                time += gap;
                (time, code.clone(), data.clone())
            })
            .collect();
        prop_assert_eq!(read, want);
    }
}

// ---------------------------------------------------------------------------
// Event data decodes to exactly what serde_json reads, whatever the escapes.

/// `s` as a JSON string body, each character written plainly or, at
/// random, as `\uXXXX` (a surrogate pair beyond the BMP) or a short escape.
fn escaped(s: &str, how: &[u8]) -> String {
    let mut out = String::new();
    for (c, &h) in s.chars().zip(how.iter().cycle()) {
        match (h % 3, c) {
            (_, '"') => out.push_str("\\\""),
            (_, '\\') => out.push_str("\\\\"),
            (0, c) if (c as u32) >= 0x20 => out.push(c),
            (1, '\n') => out.push_str("\\n"),
            (1, '/') => out.push_str("\\/"),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn event_data_decodes_as_serde_json_does(s in "(\\PC|[\\x00-\\x1f\"\\\\/]|\u{1F600}){0,24}", how in proptest::collection::vec(any::<u8>(), 1..8)) {
        let body = escaped(&s, &how);
        let line = format!("[0.5, \"o\", \"{body}\"]");
        let ev = parse_event(line.as_bytes()).unwrap();
        let want: String = serde_json::from_str(&format!("\"{body}\"")).unwrap();
        prop_assert_eq!(&want, &s);
        prop_assert_eq!(ev.data.text().into_owned(), want);
    }
}
