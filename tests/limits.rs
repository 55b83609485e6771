//! The engine's cost is bounded on any input (issue 22): holes are never
//! materialised, standard input is checked as a stream, memory does not
//! grow with a line's length, an oversized header is refused.

mod common;

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use common::tmpfs::Tmpfs;
use common::{path_str, tvmux};

const HEADER: &[u8] = b"{\"version\": 2, \"width\": 80, \"height\": 24}\n";

fn write_sparse(path: &Path, head: &[u8], hole: u64, after: &[u8]) {
    use std::os::unix::fs::FileExt;
    let file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(path)
        .unwrap();
    file.write_all_at(head, 0).unwrap();
    let end = head.len() as u64 + hole;
    file.set_len(end).unwrap();
    file.write_all_at(after, end).unwrap();
}

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A 1 GiB hole on a 64 MiB tmpfs, at the end (a crash after
/// preallocation) and in the middle: validate says what is there and repair
/// cuts it, keeping the removed bytes in a side file that is sparse too;
/// the tmpfs never fills. Before the fix, reading the hole through the map
/// filled the tmpfs and the check died saying the file had shrunk.
#[test]
fn holes_are_read_without_filling_a_tmpfs() {
    let fs = Tmpfs::mount("64m");
    let event = b"[0.1, \"o\", \"a\"]\n";
    let head = [HEADER, event].concat();
    let tail = fs.path().join("tail.cast");
    write_sparse(&tail, &head, 1 << 30, b"");
    let middle = fs.path().join("middle.cast");
    write_sparse(&middle, &head, 1 << 30, b"\n[0.2, \"o\", \"b\"]\n");
    let before = fs.used();

    let out = tvmux(&["validate", path_str(&tail)]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains(&format!("{} NUL bytes at the end", 1u64 << 30)),
        "{}",
        said(&out)
    );
    let out = tvmux(&["validate", path_str(&middle)]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("[nul-bytes]"), "{}", said(&out));
    assert!(
        fs.used() < before + (4 << 20),
        "validate materialised the holes: {} bytes in use",
        fs.used()
    );

    for (cast, removed) in [(&tail, 1u64 << 30), (&middle, (1 << 30) + 1)] {
        let out = tvmux(&["repair", path_str(cast)]);
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        let out = tvmux(&["validate", path_str(cast)]);
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        let side = cast.with_file_name(format!(
            "{}.removed",
            cast.file_name().unwrap().to_str().unwrap()
        ));
        // Every removed byte, the NULs as a hole.
        let meta = std::fs::metadata(&side).unwrap();
        assert_eq!(meta.len(), removed, "{}", side.display());
        assert!(meta.blocks() * 512 < 1 << 20, "the side file is not sparse");
        let mut end = Vec::new();
        let mut file = std::fs::File::open(&side).unwrap();
        file.seek(SeekFrom::End(-4096)).unwrap();
        file.read_to_end(&mut end).unwrap();
        let nuls = if removed == 1 << 30 { 4096 } else { 4095 };
        assert!(end[..nuls].iter().all(|&b| b == 0));
    }
    let repaired = std::fs::read(&middle).unwrap();
    assert_eq!(repaired, [&head[..], b"[0.2, \"o\", \"b\"]\n"].concat());
    assert!(
        fs.used() < before + (4 << 20),
        "repair materialised the holes: {} bytes in use",
        fs.used()
    );
}
