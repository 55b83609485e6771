//! The control-mode reader fed with captures that hold protocol-looking
//! lines: a reply always comes out whole, with exactly its lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tvmux::testing::{Demux, Event};

fuzz_target!(|data: &[u8]| {
    let begin = b"%begin 1700000000 7 1";
    let end = b"%end 1700000000 7 1";
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| *l != end && *l != b"%error 1700000000 7 1")
        .collect();
    let mut demux = Demux::default();
    assert_eq!(demux.push(begin), None);
    for line in &lines {
        assert_eq!(demux.push(line), None);
    }
    match demux.push(end) {
        Some(Event::Reply(reply)) => assert_eq!(reply.lines, lines),
        other => panic!("{other:?}"),
    }
});
