//! Where a recording's cast goes:
//! `DIR/<date_format>/YYYY-MM-DD_HHMM_HOST_SESSION_WINDOWID_WINDOWNAME.cast`.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Longest name component kept from a session, window or host name (bytes).
const MAX_PART: usize = 48;

/// A name part safe for a file name: no `/`, no control characters, no
/// leading dots (so never `..`), spaces as `-`, bounded length.
pub fn safe_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = match c {
            '/' | '\\' | ' ' => '-',
            c if c.is_control() => continue,
            c => c,
        };
        if out.len() + c.len_utf8() > MAX_PART {
            break;
        }
        out.push(c);
    }
    let out = out.trim_start_matches('.').to_string();
    if out.is_empty() { "_".into() } else { out }
}

/// The file name for a recording started at `time` (already formatted as
/// `YYYY-MM-DD_HHMM`).
pub fn file_name(time: &str, host: &str, session: &str, window_id: u32, window: &str) -> String {
    format!(
        "{time}_{}_{}_@{window_id}_{}.cast",
        safe_part(host),
        safe_part(session),
        safe_part(window)
    )
}

/// Whether `name` is one tvmux gives its casts ([`file_name`], with the
/// `-N` of [`create_unique`], a part's number, and a compressed cast's
/// extension): `YYYY-MM-DD_HHMM_…_@N_….cast`.
pub fn is_ours(name: &str) -> bool {
    let b = name.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let stamp = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'_')
        && digits(11..15)
        && b.get(15) == Some(&b'_');
    let window = name.get(16..).is_some_and(|rest| {
        rest.split("_@").skip(1).any(|w| {
            w.split_once('_')
                .is_some_and(|(id, _)| !id.is_empty() && id.bytes().all(|d| d.is_ascii_digit()))
        })
    });
    let cast = [".cast", ".cast.zst", ".cast.gz"]
        .iter()
        .any(|ext| name.ends_with(ext));
    stamp && window && cast
}

/// Creates the cast file, never reusing an existing one: `NAME.cast`, then
/// `NAME-2.cast`, `NAME-3.cast`… (created with O_EXCL, so two recordings
/// racing for a name both get their own). A recording in parts names its
/// first `NAME.part0001.cast` (then `NAME-2.part0001.cast`…), so that its
/// parts sort in order and apart from any other recording's.
pub fn create_unique(dir: &Path, name: &str, in_parts: bool) -> io::Result<(PathBuf, File)> {
    std::fs::create_dir_all(dir)?;
    let stem = name.strip_suffix(".cast").unwrap_or(name);
    let part = if in_parts {
        part_suffix(1)
    } else {
        String::new()
    };
    for n in 1u32.. {
        let candidate = if n == 1 {
            format!("{stem}{part}.cast")
        } else {
            format!("{stem}-{n}{part}.cast")
        };
        let path = dir.join(candidate);
        match create(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 names run out")
}

/// Creates part `n` of the recording whose current part is `current`
/// (`NAME.partNNNN.cast`).
pub fn create_part(current: &Path, n: u32) -> io::Result<(PathBuf, File)> {
    let name = current
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".cast")
        .and_then(|s| s.rsplit_once(".part"))
        .map(|(stem, _)| stem)
        .ok_or_else(|| io::Error::other(format!("{} is not a part's name", current.display())))?;
    let path = current.with_file_name(format!("{stem}{}.cast", part_suffix(n)));
    create(&path).map(|file| (path, file))
}

/// `.part0001`: four digits, so that parts sort in order up to 9999.
fn part_suffix(n: u32) -> String {
    format!(".part{n:04}")
}

fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe() {
        assert_eq!(safe_part("my/session name"), "my-session-name");
        assert_eq!(safe_part("../../etc"), "-..-etc");
        assert_eq!(safe_part(".."), "_");
        assert_eq!(safe_part("a\u{1b}[31mb\n"), "a[31mb");
        assert_eq!(safe_part(&"x".repeat(200)).len(), MAX_PART);
        assert_eq!(safe_part("café"), "café");
        assert_eq!(
            file_name("2026-11-24_1830", "host", "work", 3, "vim main.rs"),
            "2026-11-24_1830_host_work_@3_vim-main.rs.cast"
        );
    }

    #[test]
    fn our_names_are_recognised() {
        let ours = file_name("2026-11-24_1830", "host", "work", 3, "vim main.rs");
        assert!(is_ours(&ours));
        for name in [
            "2026-11-24_1830_host_work_@3_vim-main.rs-2.cast",
            "2026-11-24_1830_host_work_@3_sh.part0002.cast.zst",
            "2026-11-24_1830_host_work_@3_sh.cast.gz",
        ] {
            assert!(is_ours(name), "{name}");
        }
        for name in [
            "notes.cast",
            "2026-11-24_1830_host_work_@3_sh.txt",
            "2026-11-24_1830_host_work_@_sh.cast",
            "2026-11-24-1830_host_work_@3_sh.cast",
            "x2026-11-24_1830_host_work_@3_sh.cast",
        ] {
            assert!(!is_ours(name), "{name}");
        }
    }

    #[test]
    fn two_recordings_never_share_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = create_unique(dir.path(), "x.cast", false).unwrap();
        let (b, _) = create_unique(dir.path(), "x.cast", false).unwrap();
        assert_eq!(a.file_name().unwrap(), "x.cast");
        assert_eq!(b.file_name().unwrap(), "x-2.cast");
    }

    #[test]
    fn parts_are_numbered_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = create_unique(dir.path(), "x.cast", true).unwrap();
        let (b, _) = create_unique(dir.path(), "x.cast", true).unwrap();
        assert_eq!(a.file_name().unwrap(), "x.part0001.cast");
        assert_eq!(b.file_name().unwrap(), "x-2.part0001.cast");
        let (a2, _) = create_part(&a, 2).unwrap();
        assert_eq!(a2.file_name().unwrap(), "x.part0002.cast");
        let (b10, _) = create_part(&b, 10).unwrap();
        assert_eq!(b10.file_name().unwrap(), "x-2.part0010.cast");
        // Never over a file that is there.
        assert!(create_part(&a, 2).is_err());
        assert!(create_part(Path::new("/d/x.cast"), 2).is_err());
    }
}
