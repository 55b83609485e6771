//! The incremental decoder matches whole-stream lossy decoding for any split,
//! and the writer's output always validates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tvmux::cast::Utf8Decoder;
use tvmux::cast::{scan, CastWriter, FlushPolicy, Header, Mode, Options, Version};

fuzz_target!(|input: (Vec<u8>, Vec<u8>, bool)| {
    let (bytes, cuts, v3) = input;
    let mut points: Vec<usize> = cuts.iter().map(|&c| c as usize % (bytes.len() + 1)).collect();
    points.sort();
    let mut d = Utf8Decoder::new();
    let mut text = String::new();
    let mut out = Vec::new();
    let version = if v3 { Version::V3 } else { Version::V2 };
    let mut w = CastWriter::create(&mut out, &Header::new(version, 80, 24), FlushPolicy::default()).unwrap();
    let mut start = 0;
    for (i, &p) in points.iter().chain(std::iter::once(&bytes.len())).enumerate() {
        d.decode(&bytes[start..p], &mut text);
        w.output(i as f64 * 0.1, &bytes[start..p]).unwrap();
        start = p;
    }
    d.finish(&mut text);
    w.finish(100.0).unwrap();
    assert_eq!(text, String::from_utf8_lossy(&bytes));
    let s = scan(&out, &Options { mode: Mode::Full, ..Default::default() });
    assert!(s.is_valid() && s.findings.warnings == 0, "{:?}", s.findings.list);
});
