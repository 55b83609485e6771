//! The splice at every byte: a switch of pane lands exactly between the old
//! pane's bytes and the new one's, whatever either left unfinished, and its
//! frame restores what tmux shows and how the pane's next output lands
//! (issue 25). Each test on its own private tmux server.

mod common;

use std::time::Duration;

use common::oracles::*;
use common::tmux_env::*;

/// Two panes in `work`, the first active, and a recording of the window:
/// (first, second, cast).
fn two_panes(env: &Env) -> (String, String, std::path::PathBuf) {
    let first = env.query("work", "#{pane_id}");
    let out = env.must_with_shell(&["split-window", "-P", "-F", "#{pane_id}", "-t", &first]);
    let second = String::from_utf8(out.stdout).unwrap().trim().to_string();
    env.tmux(&["select-pane", "-t", &first]);
    (first, second, env.start())
}

/// Makes `pane` active and waits for its frame.
fn switch_to(env: &Env, pane: &str, path: &std::path::Path) {
    let before = frames(path);
    env.must(&["select-pane", "-t", pane]);
    wait_until("the switch frame", || frames(path) > before);
}

/// `pane` prints `begun`, and `rest` a second later (`printf` escapes).
fn print_in_two(env: &Env, pane: &str, begun: &str, rest: &str) {
    env.type_line(
        pane,
        &format!("clear; printf '{begun}'; sleep 1; printf '{rest}\\n'"),
    );
    // The first part is out, in tmux's parser, before the switch.
    std::thread::sleep(Duration::from_millis(500));
}

/// Waits for the second part and the prompt after it.
fn wait_for_rest(env: &Env, pane: &str) {
    std::thread::sleep(Duration::from_millis(800));
    wait_until("the prompt after the second part", || {
        env.screen(pane).iter().rev().find(|l| !l.is_empty()) == Some(&"$".to_string())
    });
}

/// Output ending inside a sequence, a string or a character, on either side
/// of a switch: the new pane's rest completes what it began (it does not
/// print as text), and the old pane's unfinished bytes leave no trace.
#[test]
fn a_switch_inside_a_sequence_or_character_splices_whole() {
    let env = Env::new();
    let (a, b, path) = two_panes(&env);
    let cases = [
        ("\\033[3", "1mRED\\033[0m"),
        ("x\\033[1;3", "5mMAGENTA"),
        ("\\033]2;half-", "title\\007TEXT"),
        ("\\033", "[4munderlined\\033[24m"),
        ("caf\\303", "\\251 ok"),
        ("\\346\\227", "\\245 wide"),
        ("\\360\\237\\230", "\\200 emoji"),
        ("\\033(", "0lqqk\\033(B"),
    ];
    for (begun, rest) in cases {
        // The new pane's output is split by the switch to it.
        print_in_two(&env, &b, begun, rest);
        switch_to(&env, &b, &path);
        wait_for_rest(&env, &b);
        assert_converges(&env, &b, &path, &format!("{begun:?} | switch | {rest:?}"));
        // The old pane's output is split by the switch away from it.
        print_in_two(&env, &b, begun, rest);
        switch_to(&env, &a, &path);
        wait_for_rest(&env, &b);
        assert_converges(&env, &a, &path, &format!("{begun:?} | switch away"));
        switch_to(&env, &b, &path);
        assert_converges(&env, &b, &path, &format!("{begun:?} | back"));
        switch_to(&env, &a, &path);
    }
    stop_all(&env);
    assert!(
        !plain_output(&path).contains('\u{fffd}'),
        "an unfinished character became U+FFFD"
    );
    validate_full(&path);
}

/// Text that ends exactly at the right edge leaves the cursor waiting to
/// wrap; after a switch, the next character still goes to the next row.
#[test]
fn deferred_wrap_survives_a_switch() {
    let env = Env::new();
    let (a, b, path) = two_panes(&env);
    let width: usize = env.query(&b, "#{pane_width}").parse().unwrap();
    let edge = format!("{}EDGE", "=".repeat(width - 4));
    print_in_two(&env, &b, &edge, "NEXT");
    assert_eq!(
        env.query(&b, "#{cursor_x}"),
        width.to_string(),
        "one past the edge"
    );
    switch_to(&env, &b, &path);
    wait_for_rest(&env, &b);
    assert_eq!(env.screen(&b)[..2], [edge.clone(), "NEXT".to_string()]);
    assert_converges(&env, &b, &path, "the edge, a switch, then the next text");
    assert_same_in_tmux(&env, &b, &path);
    // Typed after the frame, in a pane waiting at the edge.
    env.type_line(&b, &format!("clear; printf '{edge}'; read x"));
    std::thread::sleep(Duration::from_millis(300));
    switch_to(&env, &a, &path);
    switch_to(&env, &b, &path);
    env.tmux(&["send-keys", "-t", &b, "-l", "TYPED"]);
    wait_until("the typed text", || {
        env.screen(&b).iter().any(|l| l.starts_with("TYPED"))
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_converges(&env, &b, &path, "typed at the edge after a switch");
    env.tmux(&["send-keys", "-t", &b, "Enter"]);
    stop_all(&env);
}

/// What capture-pane writes wrong or a frame must carry: overline (tmux's
/// capture writes 5:3), curly underline with a colour, in a frame and in
/// the pen text typed after it. tmux is the judge (vt100 and avt know
/// neither overline nor underline styles).
#[test]
fn overline_and_underline_styles_survive_a_switch() {
    let env = Env::new();
    let (a, b, path) = two_panes(&env);
    env.type_line(
        &b,
        "clear; printf '\\033[53mOVER\\033[0m \\033[1;4:3;58;5;1mCURLY\\033[0m\\n\\033[53;4:3m'",
    );
    std::thread::sleep(Duration::from_millis(300));
    switch_to(&env, &b, &path);
    env.type_line(&b, "echo pen-text");
    wait_until("the typed text", || {
        env.screen(&b).iter().any(|l| l == "pen-text")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_same_in_tmux(&env, &b, &path);
    switch_to(&env, &a, &path);
    stop_all(&env);
}

/// A scroll region with origin mode, and the old alternate screen (mode
/// 47), as a switch leaves them: what the pane prints after the frame
/// lands where it does in tmux (tmux and vt100 the judges; avt, and so
/// asciinema's player, ignores mode 47 altogether).
#[test]
fn scroll_region_origin_mode_and_the_old_alternate_screen_after_a_switch() {
    let env = Env::new();
    let (a, b, path) = two_panes(&env);
    env.type_line(
        &b,
        "clear; printf '\\033[3;8r\\033[?6h\\033[1;1Hregion-top'",
    );
    std::thread::sleep(Duration::from_millis(300));
    switch_to(&env, &b, &path);
    env.type_line(
        &b,
        "printf '\\033[2;1Horigin-2;2'; for i in 1 2 3 4 5 6 7 8 9; do echo in-region-$i; done",
    );
    wait_until("the lines in the region", || {
        env.screen(&b).iter().any(|l| l.contains("in-region-9"))
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_converges(&env, &b, &path, "scroll region and origin mode");
    assert_same_in_tmux(&env, &b, &path);

    env.type_line(&b, "printf '\\033[r\\033[?6l'; clear; echo primary");
    // The next command is typed once this one has run, not ahead of it.
    wait_until("the line on the normal screen", || {
        env.screen(&b).iter().any(|l| l == "primary")
    });
    env.type_line(
        &b,
        "printf '\\033[?47h\\033[2J\\033[Hon-47'; read x; printf '\\033[?47l'",
    );
    wait_until("the old alternate screen", || {
        env.screen(&b)
            .first()
            .is_some_and(|l| l.starts_with("on-47"))
    });
    switch_to(&env, &a, &path);
    switch_to(&env, &b, &path);
    assert_same_cells(&env, &b, &path);
    assert_same_in_tmux(&env, &b, &path);
    env.tmux(&["send-keys", "-t", &b, "Enter"]);
    wait_until("the primary screen back", || {
        env.screen(&b).iter().any(|l| l == "primary")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_same_cells(&env, &b, &path);
    assert_same_in_tmux(&env, &b, &path);
    stop_all(&env);
}

/// Cells erased with a background colour (to the end of the row, the whole
/// row, a few cells past the text): tmux draws them in that colour, its
/// capture stops at the last written cell, and the frame paints them from
/// the recorder's copy of the pane. The capture cannot judge them; what the
/// pane printed does, cell by cell, after a first switch to the pane and
/// after a switch back (the copy then begins from the first frame).
#[test]
fn cells_erased_with_a_colour_survive_a_switch() {
    let env = Env::new();
    let (a, b, path) = two_panes(&env);
    env.type_line(
        &b,
        "clear; printf '\\033[44mBLUE\\033[K\\033[0m\\n\\033[42m\\033[2K\\033[0mafter\\n\\033[45mM\\033[0m\\033[5C\\033[48;5;200m\\033[3X\\033[0m\\n'",
    );
    wait_until("the prompt after the rows", || {
        env.screen(&b).get(3).is_some_and(|l| l.starts_with('$'))
    });
    let width: u16 = env.query(&b, "#{pane_width}").parse().unwrap();
    let want = |y: u16, x: u16| match (y, x) {
        (0, _) => vt100::Color::Idx(4),
        (1, 0..5) => vt100::Color::Default,
        (1, _) => vt100::Color::Idx(2),
        (2, 0) => vt100::Color::Idx(5),
        (2, 6..9) => vt100::Color::Idx(200),
        _ => vt100::Color::Default,
    };
    for step in ["the first switch", "a switch back"] {
        switch_to(&env, &b, &path);
        let cast = render(&path);
        for y in 0..3 {
            for x in 0..width {
                let got = cast.screen().cell(y, x).unwrap().bgcolor();
                assert_eq!(got, want(y, x), "after {step}: background at ({y},{x})");
            }
        }
        assert_same_in_tmux(&env, &b, &path);
        switch_to(&env, &a, &path);
    }
    stop_all(&env);
}

/// A switch to a pane while another floods: the frame restores the new
/// pane's pen (bold magenta), and text typed in it after the switch is
/// bold magenta as in tmux.
#[test]
fn the_pen_survives_a_switch_during_a_flood() {
    let env = Env::new();
    let (a, b, path) = two_panes(&env);
    env.type_line(&b, "clear; printf '\\033[1;35m'");
    std::thread::sleep(Duration::from_millis(300));
    for round in 0..3 {
        env.type_line(
            &a,
            "for i in $(seq 1 20000); do printf '\\033[3%dmflood %d \\346\\227\\245\\n' $((i % 8)) $i; done",
        );
        std::thread::sleep(Duration::from_millis(200 + 100 * round));
        switch_to(&env, &b, &path);
        let typed = format!("typed-{round}");
        env.type_line(&b, &format!("echo {typed}"));
        wait_until("the typed text", || {
            env.screen(&b).contains(&typed) && tail_contains(&path, &typed)
        });
        std::thread::sleep(Duration::from_millis(300));
        assert_converges(
            &env,
            &b,
            &path,
            &format!("typed in the pen after a flood's switch {round}"),
        );
        switch_to(&env, &a, &path);
        env.tmux(&["send-keys", "-t", &a, "C-c"]);
    }
    stop_all(&env);
    validate_full(&path);
}

/// `printf` format for `bytes`: every byte as an octal escape.
fn octal(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:03o}")).collect()
}

/// A switch at every byte offset of a sequence, a string and a character:
/// the pane prints the first part, waits (its echo off, so nothing comes
/// between), the switch frame is written, then the rest follows.
#[test]
fn a_switch_at_every_byte_of_a_sequence() {
    let env = Env::new();
    let (a, b, path) = two_panes(&env);
    env.type_line(&b, "stty -echo");
    let pieces: [&[u8]; 3] = [b"\x1b[1;38;5;208m", "\u{1f600}".as_bytes(), b"\x1b]2;t\x07"];
    for piece in pieces {
        for cut in 1..piece.len() {
            let (begun, rest) = piece.split_at(cut);
            env.type_line(
                &b,
                &format!(
                    "clear; printf '{}'; read x; printf '{}X\\033[0m\\n'",
                    octal(begun),
                    octal(rest)
                ),
            );
            std::thread::sleep(Duration::from_millis(150));
            switch_to(&env, &b, &path);
            env.tmux(&["send-keys", "-t", &b, "Enter"]);
            wait_until("the rest and the prompt", || {
                env.screen(&b).iter().rev().find(|l| !l.is_empty()) == Some(&"$".to_string())
            });
            let shown = env.screen(&b);
            assert!(shown[0].ends_with('X') && shown[0].len() <= 5, "{shown:?}");
            assert_converges(&env, &b, &path, &format!("{piece:?} cut at {cut}"));
            switch_to(&env, &a, &path);
        }
    }
    env.type_line(&b, "stty echo");
    stop_all(&env);
    validate_full(&path);
}

/// Switches every few milliseconds while both panes print coloured
/// multi-byte text: pty reads end inside sequences and characters at
/// random, so frames land inside them on both sides. No character is
/// broken (no U+FFFD), and the cast ends as tmux shows the pane.
#[test]
fn rapid_switches_while_both_panes_print() {
    let env = Env::new();
    let (a, b, path) = two_panes(&env);
    // One file written by `cat` in large writes: tmux reads it in pieces
    // that end anywhere, inside sequences and characters.
    let lines: String = (0..20000)
        .map(|i| {
            format!(
                "\x1b[1;3{}m\u{65e5}\u{672c} {i} caf\u{e9} \u{1f600}\x1b[0m\n",
                i % 8
            )
        })
        .collect();
    let file = env.dir.path().join("flood.txt");
    std::fs::write(&file, lines).unwrap();
    let flood = format!("cat {0} {0} {0}; echo done-$PPID", file.display());
    env.type_line(&a, &flood);
    env.type_line(&b, &flood);
    let mut switches = 0;
    let until = std::time::Instant::now() + Duration::from_secs(3);
    while std::time::Instant::now() < until {
        let pane = if switches % 2 == 0 { &b } else { &a };
        env.tmux(&["select-pane", "-t", pane]);
        switches += 1;
        std::thread::sleep(Duration::from_millis(3));
    }
    for pane in [&a, &b] {
        wait_until_for("the loop's end", Duration::from_secs(60), || {
            env.screen(pane).iter().any(|l| l.starts_with("done-"))
        });
    }
    let active = env.query("work", "#{pane_id}");
    std::thread::sleep(Duration::from_millis(300));
    assert_converges(&env, &active, &path, &format!("after {switches} switches"));
    stop_all(&env);
    eprintln!("{switches} switches, {} frames", frames(&path));
    assert!(frames(&path) > 20, "few switches were recorded");
    assert!(
        !plain_output(&path).contains('\u{fffd}'),
        "a character was broken by a switch"
    );
    // Every line that scrolled by in the replay is a line of the file, or
    // the part of one the pane had written at a switch: no sequence's rest
    // printed as text, no other pane's text after it.
    std::fs::copy(&path, "/tmp/rapid.cast").unwrap();
    let text = common::tvmux(&["text", common::path_str(&path)]);
    let shape = not_flood_lines(&String::from_utf8_lossy(&text.stdout));
    assert!(
        shape.is_empty(),
        "lines not as printed: {:?}",
        &shape[..shape.len().min(5)]
    );
    validate_full(&path);
}

/// The lines of `text` with the flood's words that are not a flood line or
/// the start of one (a line the pane had written part of at a switch).
fn not_flood_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains("caf") || l.contains('\u{65e5}'))
        .filter(|l| {
            let number: String = l
                .strip_prefix("\u{65e5}\u{672c} ")
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            !format!("\u{65e5}\u{672c} {number} caf\u{e9} \u{1f600}").starts_with(l)
        })
        .map(str::to_string)
        .collect()
}
