//! asciinema 2.4 (an independent reader) plays what `CastWriter` writes.
//! The test fails, saying so, where asciinema 2.4 is not installed.

mod common;

use tvmux::cast::{CastWriter, FlushPolicy, Header, Version};

#[test]
fn asciinema_cat_plays_our_v2_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.cast");
    let file = std::fs::File::create(&path).unwrap();
    let mut header = Header::new(Version::V2, 80, 24);
    header.title = Some("writer test \"quoted\"".into());
    let mut w = CastWriter::create(file, &header, FlushPolicy::default()).unwrap();
    // Output split inside a UTF-8 sequence and around control bytes.
    let pieces: [&[u8]; 6] = [
        b"\x1b[1;32mgr",
        b"een\x1b[0m caf\xC3",
        b"\xA9 \xE2\x82",
        b"\xAC\r\n",
        b"tab\there \\ \"q\"\r\n",
        b"\xF0\x9F\x98\x80 end\r\n",
    ];
    for (i, p) in pieces.iter().enumerate() {
        w.output(i as f64 * 0.01, p).unwrap();
    }
    w.input(0.07, b"ls\r").unwrap();
    w.resize(0.08, 100, 30).unwrap();
    w.marker(0.09, "mark").unwrap();
    w.finish(0.1).unwrap();
    let played = common::asciinema_cat(&path);
    assert_eq!(
        played,
        pieces.concat(),
        "{}",
        String::from_utf8_lossy(&played)
    );
}
