//! Exact parallel emulation: a reading played on several cores, in chunks
//! played from guessed states, gives what one core gives, line for line
//! and time for time, on real casts and on generated ones made to be hard
//! (resizes, both screens, resets, scroll regions, sequences cut between
//! events).

mod common;

use proptest::prelude::*;
use tvmux::cast::{Events, Flow};
use tvmux::screen::{self, Everything, Reading, Transcript};

use common::{path_str, stdout, tvmux};

/// The lines of a reading `R` of `cast`, on `threads` cores in chunks of
/// `chunk` bytes, or the error, as text.
fn lines_of<R>(cast: &[u8], threads: usize, chunk: usize) -> Result<Vec<String>, String>
where
    R: Reading + Send,
    R::Line: Send + std::fmt::Debug,
    R::Own: Send + Sync,
{
    let events = Events::open(cast).map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    screen::read::<R>(&events, threads, chunk, |line| {
        lines.push(format!("{line:?}"));
        Ok(Flow::Continue(()))
    })
    .map_err(|e| e.to_string())?;
    Ok(lines)
}

/// Both readings of `cast` on 2 and 3 cores, in chunks of each of `chunks`
/// bytes, against one core; the first difference, named.
fn differences(cast: &[u8], chunks: &[usize]) -> Option<String> {
    fn check<R>(name: &str, cast: &[u8], chunks: &[usize]) -> Option<String>
    where
        R: Reading + Send,
        R::Line: Send + std::fmt::Debug,
        R::Own: Send + Sync,
    {
        let one = lines_of::<R>(cast, 1, usize::MAX);
        for &chunk in chunks {
            for threads in [2, 3] {
                let many = lines_of::<R>(cast, threads, chunk);
                if many != one {
                    let at = match (&one, &many) {
                        (Ok(a), Ok(b)) => {
                            let i = a.iter().zip(b).take_while(|(x, y)| x == y).count();
                            format!(
                                "line {i}: one core {:?}, {threads} cores {:?}",
                                a.get(i),
                                b.get(i)
                            )
                        }
                        _ => format!("one core {one:?}, {threads} cores {many:?}"),
                    };
                    return Some(format!("{name}, chunks of {chunk} bytes: {at}"));
                }
            }
        }
        None
    }
    check::<Transcript>("text", cast, chunks).or_else(|| check::<Everything>("grep", cast, chunks))
}

#[test]
#[cfg_attr(
    not(realworld_casts),
    ignore = "../shared/realworld-casts not found beside the project"
)]
fn several_cores_give_what_one_gives_on_real_casts() {
    let casts = common::realworld_casts();
    assert!(!casts.is_empty());
    for cast in casts {
        let bytes = std::fs::read(&cast).unwrap();
        if let Some(d) = differences(&bytes, &[50, 5000]) {
            panic!("{}: {d}", cast.display());
        }
    }
}

/// Pieces of terminal output that change the state in every way the
/// readings follow.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z ]{1,12}",
        // Text that comes again: a line the same at other times.
        3 => "[ab]{1,3}",
        3 => Just("\r\n".to_string()),
        1 => Just("日本".to_string()),
        1 => Just("\x1b[2J".to_string()),
        1 => Just("\x1b[H".to_string()),
        1 => Just("\x1b[3;1H".to_string()),
        1 => Just("\x1bM".to_string()),
        1 => Just("\x1b[L".to_string()),
        1 => Just("\x1b[M".to_string()),
        1 => Just("\x1b[2;3r".to_string()),
        1 => Just("\x1b[r".to_string()),
        1 => Just("\x1b[K".to_string()),
        1 => Just("\r".to_string()),
        1 => Just("\x08".to_string()),
        1 => Just("\x1b[?1049h".to_string()),
        1 => Just("\x1b[?1049l".to_string()),
        1 => Just("\x1b[1;31m".to_string()),
        1 => Just("\x1b[0m".to_string()),
        1 => Just("\x1b(0q\x1b(B".to_string()),
        1 => Just("\x1b[?1h".to_string()),
        1 => Just("\x1b7".to_string()),
        1 => Just("\x1b8".to_string()),
        1 => Just("\x1b[4h".to_string()),
        1 => Just("\x1b[4l".to_string()),
        // A sequence cut between two events.
        1 => Just("\x1b[".to_string()),
        1 => Just("\x1b]0;title".to_string()),
        1 => Just("\x07".to_string()),
        1 => Just("\x1bc".to_string()),
    ]
}

/// A v2 cast of a small terminal (where the same screen comes again, at
/// other times) with output events made of pieces, resizes among them, and
/// times that sometimes go back (a player clamps them).
fn hard_cast() -> impl Strategy<Value = Vec<u8>> {
    let event = prop_oneof![
        8 => (0..3u32, prop::collection::vec(piece(), 1..6)).prop_map(|(dt, p)| (dt, "o", p.concat())),
        1 => (0..3u32, (1..12u32, 1..6u32)).prop_map(|(dt, (c, r))| (dt, "r", format!("{c}x{r}"))),
        1 => (0..3u32, Just(())).prop_map(|(dt, ())| (dt, "i", "x".to_string())),
    ];
    let size = prop_oneof![Just((3, 2)), Just((8, 4))];
    (size, prop::collection::vec(event, 0..300)).prop_map(|((cols, rows), events)| {
        let mut cast = format!("{{\"version\": 2, \"width\": {cols}, \"height\": {rows}}}\n");
        let mut t = 0.0;
        for (i, (dt, code, data)) in events.into_iter().enumerate() {
            t += f64::from(dt) * 0.5;
            // Now and then a time before the last one.
            let time = if i % 17 == 5 { t - 1.0 } else { t };
            let data = serde_json::to_string(&data).unwrap();
            cast.push_str(&format!("[{time:.3}, \"{code}\", {data}]\n"));
        }
        cast.into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn several_cores_give_what_one_gives(cast in hard_cast(), chunk in 1..2000usize) {
        let d = differences(&cast, &[chunk]);
        prop_assert!(d.is_none(), "{}\n{}", d.unwrap_or_default(), String::from_utf8_lossy(&cast));
    }
}

/// The command line: `-j1` and `-j2` give the same bytes from `text`,
/// `text --all`, `grep --json` and `convert --to txt` on a cast of several
/// chunks (over 1 MiB of output each way).
#[test]
fn text_and_grep_are_the_same_on_any_number_of_cores() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.cast");
    let data = (0..60_000u32).map(|i| match i % 997 {
        0 => "\u{1b}[?1049h\u{1b}[Hfull screen\u{1b}[5;3Hmiddle".to_string(),
        500 => "\u{1b}[?1049l".to_string(),
        700 => "\u{1b}[2J\u{1b}[Hcleared".to_string(),
        _ => format!("line {i} error{}\r\n", i % 7),
    });
    common::output_cast(&path, 40, 10, data);
    let p = path_str(&path);
    for args in [
        vec!["text", p],
        vec!["text", "--all", "--times", p],
        vec!["grep", "--json", "error3", p],
        vec!["convert", "--to", "txt", p],
    ] {
        let one = tvmux(&[&args[..], &["-j1"]].concat());
        let two = tvmux(&[&args[..], &["-j2"]].concat());
        assert!(one.status.success(), "{args:?}");
        assert!(!stdout(&one).is_empty(), "{args:?}");
        assert_eq!(stdout(&one), stdout(&two), "{args:?}");
    }
}
