//! `tvmux index`: the text kept in the user's cache answers `grep` and
//! `text` as playing the terminal does, and never once the cast changed.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{path_str, stdout};

/// Runs tvmux with its cache in `cache`.
fn tvmux_in(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tvmux"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("tvmux runs")
}

/// What `grep --json`, `text`, `text --all --times` and `convert --to txt`
/// say of `cast`, with `extra` arguments.
fn answers(cache: &Path, cast: &str, extra: &[&str]) -> Vec<String> {
    [
        vec!["grep", "--json", "-C", "1", "o", cast],
        vec!["text", cast],
        vec!["text", "--all", "--times", cast],
        vec!["convert", "--to", "txt", cast],
    ]
    .into_iter()
    .map(|args| stdout(&tvmux_in(cache, &[&args[..], extra].concat())))
    .collect()
}

fn cast_with(lines: &[&str]) -> String {
    let mut cast = String::from("{\"version\": 2, \"width\": 20, \"height\": 3}\n");
    for (i, line) in lines.iter().enumerate() {
        let data = serde_json::to_string(&format!("{line}\r\n")).unwrap();
        cast.push_str(&format!("[{}.5, \"o\", {data}]\n", i + 1));
    }
    cast
}

#[test]
fn an_index_answers_as_the_terminal_does_and_never_for_a_changed_cast() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let path = dir.path().join("work.cast");
    std::fs::write(
        &path,
        cast_with(&["one", "two", "\u{1b}[2Jcleared", "four"]),
    )
    .unwrap();
    let p = path_str(&path);
    let played = answers(&cache, p, &["--no-index"]);
    // Looking for an index makes nothing.
    assert_eq!(answers(&cache, p, &[]), played);
    assert!(!cache.exists());

    let out = tvmux_in(&cache, &["index", p]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("indexed"), "{}", stdout(&out));
    // In the cache, nothing beside the cast.
    let kept: Vec<_> = std::fs::read_dir(cache.join("tvmux/index"))
        .unwrap()
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    assert!(stdout(&tvmux_in(&cache, &["index", p])).contains("fresh"));
    assert_eq!(answers(&cache, p, &[]), played);

    // The index answers: one spoilt on purpose (the same stamp, other
    // lines) shows it is read.
    let place = kept[0].as_ref().unwrap().path();
    let good = std::fs::read(&place).unwrap();
    let other = dir.path().join("other.cast");
    std::fs::write(&other, cast_with(&["spoilt"])).unwrap();
    let out = tvmux_in(&cache, &["index", path_str(&other)]);
    assert!(out.status.success());
    let other_index = std::fs::read_dir(cache.join("tvmux/index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| *p != place)
        .unwrap();
    let mut spoilt = std::fs::read(&other_index).unwrap();
    spoilt[16..16 + 56].copy_from_slice(&good[16..16 + 56]);
    std::fs::write(&place, &spoilt).unwrap();
    assert!(stdout(&tvmux_in(&cache, &["text", p])).contains("spoilt"));
    assert!(!stdout(&tvmux_in(&cache, &["text", "--no-index", p])).contains("spoilt"));
    std::fs::write(&place, &good).unwrap();
    assert_eq!(answers(&cache, p, &[]), played);

    // Grown: the new line is found.
    let mut grown = std::fs::read_to_string(&path).unwrap();
    grown.push_str("[9.5, \"o\", \"appended\\r\\n\"]\n");
    std::fs::write(&path, &grown).unwrap();
    let out = tvmux_in(&cache, &["grep", "appended", p]);
    assert!(
        out.status.success(),
        "a grown cast answered from its old index"
    );

    // Rewritten in place, the same size, its modification time set back:
    // still never the old index.
    let out = tvmux_in(&cache, &["index", p]);
    assert!(stdout(&out).contains("indexed"), "{}", stdout(&out));
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    let rewritten = grown.replace("appended", "rewrote!");
    assert_eq!(rewritten.len(), grown.len());
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&file, rewritten.as_bytes(), 0).unwrap();
    file.set_modified(before).unwrap();
    drop(file);
    let out = tvmux_in(&cache, &["grep", "rewrote!", p]);
    assert!(
        out.status.success(),
        "a rewritten cast answered from its old index"
    );
    assert_eq!(answers(&cache, p, &[]), answers(&cache, p, &["--no-index"]));
}

#[test]
fn an_index_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(cache.join("tvmux/index")).unwrap();
    std::fs::set_permissions(
        cache.join("tvmux/index"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let path = dir.path().join("a.cast");
    std::fs::write(&path, cast_with(&["hello"])).unwrap();
    let out = tvmux_in(&cache, &["index", path_str(&path)]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only uid"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The commands that read play the terminal instead.
    let out = tvmux_in(&cache, &["grep", "hello", path_str(&path)]);
    assert!(out.status.success());
}

#[test]
#[cfg_attr(
    not(realworld_casts),
    ignore = "../shared/realworld-casts not found beside the project"
)]
fn an_index_answers_as_the_terminal_does_on_real_casts() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    for cast in common::realworld_casts() {
        let c = path_str(&cast);
        if !tvmux_in(&cache, &["validate", "-q", c]).status.success() {
            continue;
        }
        let played = answers(&cache, c, &["--no-index"]);
        let out = tvmux_in(&cache, &["index", c]);
        assert!(
            out.status.success(),
            "{c}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(answers(&cache, c, &[]), played, "{c}");
    }
}

/// A cast of a few chunks (over 3 MiB of output) whose screens differ
/// with `word`, ending with 1.6 MiB of window titles (a keyframe among
/// them shows the last screen); its last event's time in seconds.
fn long_cast(path: &Path, word: &str) -> f64 {
    let data = (0..80_000u32).map(|i| match i % 5000 {
        _ if i >= 79_800 => format!("\u{1b}]2;{}\u{7}", "t".repeat(8192)),
        0 => "\u{1b}[?1049h\u{1b}[2;2Hfull screen".to_string(),
        2500 => "\u{1b}[?1049l".to_string(),
        4000 => "\u{1b}[2J\u{1b}[Hcleared".to_string(),
        _ => format!("{word} {i} \u{1b}[1;3{}mcolour\u{1b}[0m\r\n", i % 8),
    });
    common::output_cast(path, 30, 5, data)
}

#[test]
fn keyframes_give_the_screen_cut_and_extract_as_playing_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let path = dir.path().join("long.cast");
    let end = long_cast(&path, "alpha");
    let p = path_str(&path);
    let out = tvmux_in(&cache, &["index", p]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output = dir.path().join("out.cast");
    let o = path_str(&output);
    let run = |args: &[&str]| -> Vec<u8> {
        let _ = std::fs::remove_file(&output);
        let out = tvmux_in(&cache, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut got = out.stdout;
        got.extend(std::fs::read(&output).unwrap_or_default());
        got
    };
    let mut checked = 0;
    for at in [0.5, end * 0.3, end * 0.55, end * 0.9, end] {
        let at = format!("{at:.2}");
        let later = format!("{:.2}", (at.parse::<f64>().unwrap() + 7.0).min(end));
        let asks: Vec<Vec<&str>> = vec![
            vec!["text", "--at", &at, p],
            vec!["cut", "--from", &at, "--to", &later, p, "-o", o],
            vec!["extract", "--from", &at, "--to", &later, p, "-o", o],
        ];
        for ask in asks {
            if ask[0] != "text" && at == later {
                continue;
            }
            let indexed = run(&ask);
            let played = run(&[&ask[..], &["--no-index"]].concat());
            assert!(!indexed.is_empty());
            assert_eq!(indexed, played, "{ask:?}");
            checked += 1;
        }
    }
    assert!(checked >= 13);

    // The keyframes answer: the index of a cast that shows other words,
    // given this cast's stamp, shows them in the screen at a late time.
    let other = dir.path().join("other.cast");
    long_cast(&other, "omega");
    assert!(
        tvmux_in(&cache, &["index", path_str(&other)])
            .status
            .success()
    );
    let places: Vec<_> = std::fs::read_dir(cache.join("tvmux/index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let [a, b] = &places[..] else {
        panic!("{places:?}")
    };
    let (mine, theirs) = if a.to_string_lossy().contains("long.cast") {
        (a, b)
    } else {
        (b, a)
    };
    let good = std::fs::read(mine).unwrap();
    let mut spoilt = std::fs::read(theirs).unwrap();
    spoilt[16..16 + 56].copy_from_slice(&good[16..16 + 56]);
    std::fs::write(mine, &spoilt).unwrap();
    // After the last line printed: the screen is a keyframe's.
    let late = format!("{end:.2}");
    let screen = String::from_utf8(run(&["text", "--at", &late, p])).unwrap();
    assert!(screen.contains("omega"), "{screen}");
    let played = String::from_utf8(run(&["text", "--no-index", "--at", &late, p])).unwrap();
    assert!(
        played.contains("alpha") && !played.contains("omega"),
        "{played}"
    );
    // extract's first frame, and cut's frame at the join, too.
    let just_before = format!("{:.2}", end - 0.5);
    let extracted = run(&["extract", "--from", &just_before, "--to", &late, p, "-o", o]);
    assert!(String::from_utf8_lossy(&extracted).contains("omega"));
    let cut = run(&["cut", "--from", "0.5", "--to", &just_before, p, "-o", o]);
    assert!(String::from_utf8_lossy(&cut).contains("omega"));
}

/// What `text --at` says at a few times of a cast ending at `end`, and
/// the other answers.
fn answers_and_screens(cache: &Path, cast: &str, end: f64, extra: &[&str]) -> Vec<String> {
    let mut all = answers(cache, cast, extra);
    for at in [end * 0.2, end * 0.5, end * 0.7, end] {
        let at = format!("{at:.2}");
        all.push(stdout(&tvmux_in(
            cache,
            &[&["text", "--at", &at, cast][..], extra].concat(),
        )));
    }
    all
}

#[test]
fn a_grown_cast_is_indexed_from_its_last_chunk_and_a_changed_one_from_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let path = dir.path().join("growing.cast");
    let p = path_str(&path);
    let end = long_cast(&path, "alpha");
    let whole = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = whole.split_inclusive('\n').collect();
    let (first, rest) = lines.split_at(lines.len() * 3 / 5);
    std::fs::write(&path, first.concat()).unwrap();
    let index = |args: &[&str]| {
        let out = tvmux_in(&cache, &[&["index"][..], args, &[p]].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out)
    };
    let said = index(&[]);
    assert!(!said.contains("played from"), "{said}");
    let append = |text: &str| {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    };
    append(&rest.concat());

    // Taken up where the first index left off, and as good as played.
    let said = index(&[]);
    let from: usize = said
        .split("played from byte ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not taken up: {said}"));
    assert!(from > 1 << 20 && from < first.concat().len(), "{said}");
    let played = answers_and_screens(&cache, p, end, &["--no-index"]);
    assert_eq!(answers_and_screens(&cache, p, end, &[]), played);

    // A cast changed before that place, then grown, is indexed from
    // scratch (the same file, its size only grown).
    let changed = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("alpha 7 ", "omega 7 ", 1);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|mut f| {
            use std::io::Write;
            f.write_all(changed.as_bytes())
        })
        .unwrap();
    append("[999.5, \"o\", \"the end\\r\\n\"]\n");
    let said = index(&[]);
    assert!(!said.contains("played from"), "{said}");
    let played = answers_and_screens(&cache, p, end, &["--no-index"]);
    assert!(played[2].contains("omega 7 "));
    assert_eq!(answers_and_screens(&cache, p, end, &[]), played);

    // --again plays it all.
    append("[1000.5, \"o\", \"more\\r\\n\"]\n");
    let said = index(&["--again"]);
    assert!(!said.contains("played from"), "{said}");
}

#[test]
fn prune_removes_the_indexes_no_cast_needs() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let cast = |name: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, cast_with(&[name, "two"])).unwrap();
        path
    };
    let (kept, changed, gone, replaced) = (
        cast("kept.cast"),
        cast("changed.cast"),
        cast("gone.cast"),
        cast("replaced.cast"),
    );
    for c in [&kept, &changed, &gone, &replaced] {
        assert!(tvmux_in(&cache, &["index", path_str(c)]).status.success());
    }
    let indexes = cache.join("tvmux/index");
    let names = || {
        let mut names: Vec<String> = std::fs::read_dir(&indexes)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = names();
    assert_eq!(before.len(), 4, "{before:?}");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&changed)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"[9.5, \"o\", \"more\"]\n"))
        .unwrap();
    std::fs::remove_file(&gone).unwrap();
    let copy = dir.path().join("copy.cast");
    std::fs::copy(&replaced, &copy).unwrap();
    std::fs::rename(&copy, &replaced).unwrap();
    // What a killed run left, an hour ago and just now; an older format;
    // a file of someone else's.
    let old_temp = indexes.join(".tvmux-indexOLD");
    std::fs::write(&old_temp, "half").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&old_temp)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200))
        .unwrap();
    std::fs::write(indexes.join(".tvmux-indexNEW"), "being written").unwrap();
    std::fs::write(indexes.join("0000-old.cast.idx"), "tvmux-index-v4\n\0").unwrap();
    std::fs::write(indexes.join("notes.txt"), "mine").unwrap();

    let out = tvmux_in(&cache, &["index", "--prune"]);
    assert!(out.status.success());
    let said = stdout(&out);
    assert!(said.contains("gone.cast is gone"), "{said}");
    assert!(said.contains("replaced.cast is another file now"), "{said}");
    assert!(said.contains("not an index of this version"), "{said}");
    assert!(said.contains("left by an index run"), "{said}");
    assert!(said.contains("4 removed"), "{said}");
    let after = names();
    let has = |part: &str| after.iter().filter(|n| n.contains(part)).count();
    assert_eq!(has("kept.cast.idx"), 1, "{after:?}");
    assert_eq!(has("changed.cast.idx"), 1, "{after:?}");
    assert_eq!(has(".tvmux-indexNEW") + has("notes.txt"), 2, "{after:?}");
    assert_eq!(after.len(), 4, "{after:?}");

    // The changed cast is indexed again; with no index directory, there is
    // nothing to prune.
    assert!(stdout(&tvmux_in(&cache, &["index", path_str(&changed)])).contains("indexed"));
    let out = tvmux_in(&dir.path().join("none"), &["index", "--prune"]);
    assert!(out.status.success() && stdout(&out).contains("no indexes"));
    assert!(!dir.path().join("none").exists());
}
