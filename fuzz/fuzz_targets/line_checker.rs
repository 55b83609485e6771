//! The event-line checker agrees with serde_json on every input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tvmux::cast::json::parse_event;

fuzz_target!(|line: &[u8]| {
    let ours = parse_event(line);
    let theirs = serde_json::from_slice::<(f64, String, String)>(line);
    assert_eq!(ours.is_ok(), theirs.is_ok(), "{ours:?} vs {theirs:?}");
    if let (Ok(ev), Ok((time, code, data))) = (ours, theirs) {
        assert_eq!(ev.time, time);
        assert_eq!(ev.code.text(), code);
        assert_eq!(ev.data.text(), data);
    }
    // Salvaging never panics, and what it salvages is a complete event.
    if let Some((n, close)) = tvmux::cast::json::salvage_point(line) {
        let closed = [&line[..n], close].concat();
        assert!(parse_event(&closed).is_ok(), "{:?}", String::from_utf8_lossy(&closed));
    }
});
