//! The player rules: whatever line the checker says repair can fix, what
//! `repair_line` writes is valid event lines, as many as the checker counted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tvmux::cast::{Checker, Clock, Verdict, Version};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    // A line, as the checker is given lines: split at newlines.
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let version = if first & 1 == 0 { Version::V2 } else { Version::V3 };
    let checker = Checker::new(version);
    let clock = Clock { latest: (first & 2 != 0).then_some(f64::from(first >> 2)) };
    let mut out = Vec::new();
    let verdict = checker.repair_line(line, b"\n", &mut clock.clone(), &mut out);
    let out = out.concat();
    let mut replay = clock;
    let mut events = 0;
    for written in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v = checker.check(written, &mut replay, &mut |_| {});
        assert!(v.is_kept(), "{:?} -> {:?}", String::from_utf8_lossy(line), String::from_utf8_lossy(written));
        events += v.events();
    }
    if verdict != Verdict::Drop {
        assert_eq!(events, verdict.events());
    }
});
