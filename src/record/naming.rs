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

/// Creates the cast file, never reusing an existing one: `NAME.cast`, then
/// `NAME-2.cast`, `NAME-3.cast`… (created with O_EXCL, so two recordings
/// racing for a name both get their own).
pub fn create_unique(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    std::fs::create_dir_all(dir)?;
    let stem = name.strip_suffix(".cast").unwrap_or(name);
    for n in 1u32.. {
        let candidate = if n == 1 {
            format!("{stem}.cast")
        } else {
            format!("{stem}-{n}.cast")
        };
        let path = dir.join(candidate);
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 names run out")
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
    fn two_recordings_never_share_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = create_unique(dir.path(), "x.cast").unwrap();
        let (b, _) = create_unique(dir.path(), "x.cast").unwrap();
        assert_eq!(a.file_name().unwrap(), "x.cast");
        assert_eq!(b.file_name().unwrap(), "x-2.cast");
    }
}
