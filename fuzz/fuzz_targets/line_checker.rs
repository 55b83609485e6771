//! The event-line checker agrees with serde_json on every input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tvmux::cast::testing::parse_event;

fuzz_target!(|line: &[u8]| {
    let ours = parse_event(line);
    let theirs = serde_json::from_slice::<(f64, String, String)>(line);
    assert_eq!(ours.is_ok(), theirs.is_ok(), "{ours:?} vs {theirs:?}");
    if let (Ok(ev), Ok((time, code, data))) = (&ours, theirs) {
        assert_eq!(ev.time, time);
        assert_eq!(ev.code.text(), code);
        assert_eq!(ev.data.text(), data);
    }
    // The full check's in-place fast path (its 64-byte blocks need bytes
    // after the line to load) gives the walker's answer on valid UTF-8 lines.
    if !line.contains(&b'\n') && std::str::from_utf8(line).is_ok() {
        let chunk = [line, b"\n", &[b' '; 64]].concat();
        let fast = tvmux::cast::testing::parse_event_at(&chunk);
        assert_eq!(fast.is_some(), ours.is_ok());
        if let (Some((ev, len)), Ok(ours)) = (fast, ours) {
            assert_eq!(len, line.len());
            assert_eq!(ev, ours);
        }
    }
    // Salvaging never panics, and what it salvages is a complete event.
    if let Some((n, close)) = tvmux::cast::testing::salvage_point(line) {
        let closed = [&line[..n], close].concat();
        assert!(parse_event(&closed).is_ok(), "{:?}", String::from_utf8_lossy(&closed));
    }
});
