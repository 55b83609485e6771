//! Names of the files tvmux puts beside a user's file (temporary files,
//! side files), kept within the system's limit on a name (255 bytes): a
//! long name is shortened, never refused with "File name too long".

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

/// The longest file name (Linux's NAME_MAX, and most file systems').
const NAME_MAX: usize = 255;

/// Bytes a name made from `path`'s may keep when `decoration` more bytes
/// are added around it. A UTF-8 name is cut on a character's boundary.
pub(crate) fn stem(path: &Path, decoration: usize) -> OsString {
    let name = path.file_name().unwrap_or_default().as_bytes();
    let room = NAME_MAX.saturating_sub(decoration);
    if name.len() <= room {
        return OsStr::from_bytes(name).to_os_string();
    }
    let mut end = room;
    if let Ok(text) = std::str::from_utf8(name) {
        while !text.is_char_boundary(end) {
            end -= 1;
        }
    }
    OsString::from_vec(name[..end].to_vec())
}

/// The prefix of a temporary file beside `path`: `.NAME.`, NAME shortened
/// so that the prefix, tempfile's six random characters and a suffix of up
/// to `suffix` bytes fit in a name.
pub(crate) fn temp_prefix(path: &Path, suffix: usize) -> OsString {
    const RANDOM: usize = 6;
    let mut prefix = OsString::from(".");
    prefix.push(stem(path, 2 + RANDOM + suffix));
    prefix.push(".");
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_to_fit_and_short_ones_kept() {
        assert_eq!(stem(Path::new("/d/demo.cast"), 10), "demo.cast");
        let long = "é".repeat(127) + "x"; // 255 bytes
        let cut = stem(Path::new(&long), 9);
        assert!(cut.len() <= 246 && cut.len() >= 245, "{}", cut.len());
        assert!(cut.to_str().is_some(), "cut between characters");
        let raw = OsString::from_vec(vec![0xff; 255]);
        assert_eq!(stem(Path::new(&raw), 15).len(), 240);
        assert_eq!(temp_prefix(Path::new(&raw), 9).len() + 6 + 9, 255);
    }
}
