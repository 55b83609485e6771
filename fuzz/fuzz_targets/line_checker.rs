//! The event-line checker agrees with serde_json on every input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tvmux::cast::testing::parse_event;

fuzz_target!(|line: &[u8]| {
    let ours = parse_event(line);
    let ours_ok = ours.is_ok();
    let theirs = serde_json::from_slice::<(f64, String, String)>(line);
    assert_eq!(ours.is_ok(), theirs.is_ok(), "{ours:?} vs {theirs:?}");
    if let (Ok(ev), Ok((time, code, data))) = (ours, theirs) {
        assert_eq!(ev.time, time);
        assert_eq!(ev.code.text(), code);
        assert_eq!(ev.data.text(), data);
    }
    // The full check's in-place fast path agrees on valid UTF-8 lines.
    if !line.contains(&b'\n') && std::str::from_utf8(line).is_ok() {
        let chunk = [line, b"\n"].concat();
        let fast = tvmux::cast::testing::parse_event_at(&chunk);
        assert_eq!(fast.is_some(), ours_ok);
        if let Some((_, len)) = fast {
            assert_eq!(len, line.len());
        }
    }
    // Salvaging never panics, and what it salvages is a complete event.
    if let Some((n, close)) = tvmux::cast::testing::salvage_point(line) {
        let closed = [&line[..n], close].concat();
        assert!(parse_event(&closed).is_ok(), "{:?}", String::from_utf8_lossy(&closed));
    }
});
