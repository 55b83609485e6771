//! What becomes of a finished cast (a recording's last part, or a part it
//! closed to go on in the next): compressed if the configuration asks, and
//! the output directory kept within its budget, oldest finished casts
//! removed first.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::cast::Compression;
use crate::edit;
use crate::record::naming;

/// Compresses the finished cast at `path` into `PATH.zst` (or `.gz`): the
/// compressed file is written beside it, synced and renamed into place,
/// and only then is `path` removed. The compressed file's path.
pub fn compress(path: &Path, how: Compression) -> io::Result<PathBuf> {
    let mut name = path.as_os_str().to_os_string();
    name.push(how.extension());
    let dest = PathBuf::from(name);
    // Never through a link or over a file someone put there.
    if std::fs::symlink_metadata(&dest).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists already", dest.display()),
        ));
    }
    let input = std::fs::File::open(path)?;
    let modified = input.metadata()?.modified()?;
    let fail = |e: edit::EditError| io::Error::other(e.to_string());
    let mut out = edit::Output::create(&dest, &[path], false).map_err(fail)?;
    how.compress(&mut io::BufReader::with_capacity(1 << 20, &input), &mut out)?;
    out.flush()?;
    out.commit().map_err(fail)?;
    // As gzip and zstd do: the cast's age is its own (the budget removes
    // the oldest first), not the compression's.
    std::fs::File::options()
        .write(true)
        .open(&dest)?
        .set_modified(modified)?;
    std::fs::remove_file(path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(dest)
}

/// How much the output directory may hold: finished casts past either
/// limit are removed, oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    /// The most bytes all of tvmux's casts there may take.
    pub max_total: Option<u64>,
    /// The oldest a finished cast may get (by its last change).
    pub max_age: Option<Duration>,
}

/// A cast the budget removed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub path: PathBuf,
    pub bytes: u64,
    pub why: String,
}

impl Budget {
    pub fn is_off(&self) -> bool {
        self.max_total.is_none() && self.max_age.is_none()
    }

    /// Removes the oldest finished casts under `dir` until it is within the
    /// budget. Only tvmux's own are counted or removed (named as it names
    /// them, starting with a cast's header, regular files owned by this
    /// user), never one in `live` (which count) or in `pending` (parts
    /// closed and not yet compressed, which count once they are), never one
    /// locked (a recording holds its cast locked), never through a link.
    pub fn enforce(
        &self,
        dir: &Path,
        live: &HashSet<PathBuf>,
        pending: &HashSet<PathBuf>,
    ) -> Vec<Removed> {
        if self.is_off() {
            return Vec::new();
        }
        let mut casts = Vec::new();
        ours_under(dir, 0, &mut casts);
        casts.retain(|c| !pending.contains(&c.path));
        let mut total: u64 = casts.iter().map(|c| c.bytes).sum();
        casts.retain(|c| !live.contains(&c.path));
        // Oldest first.
        casts.sort_by_key(|c| c.modified);
        let now = SystemTime::now();
        let mut removed = Vec::new();
        for cast in casts {
            let age = now.duration_since(cast.modified).unwrap_or_default();
            let why = if self.max_age.is_some_and(|max| age > max) {
                format!(
                    "older than max_age ({})",
                    crate::quantity::Span(self.max_age)
                )
            } else if self.max_total.is_some_and(|max| total > max) {
                format!(
                    "the output directory holds {total} bytes, over max_total_size ({})",
                    crate::quantity::ByteSize(self.max_total)
                )
            } else {
                continue;
            };
            if is_locked(&cast.path) || std::fs::remove_file(&cast.path).is_err() {
                continue;
            }
            total -= cast.bytes;
            removed.push(Removed {
                path: cast.path,
                bytes: cast.bytes,
                why,
            });
        }
        removed
    }
}

struct Cast {
    path: PathBuf,
    bytes: u64,
    modified: SystemTime,
}

/// Deep enough for `DIR/<date_format>/…`, not a walk of a whole disk.
const MAX_DEPTH: usize = 4;

/// tvmux's casts under `dir` (links not followed).
fn ours_under(dir: &Path, depth: usize, out: &mut Vec<Cast>) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() && depth < MAX_DEPTH {
            ours_under(&path, depth + 1, out);
        } else if meta.is_file()
            && meta.uid() == nix::unistd::getuid().as_raw()
            && entry.file_name().to_str().is_some_and(naming::is_ours)
            && starts_as_cast(&path)
            && let Ok(modified) = meta.modified()
        {
            out.push(Cast {
                path,
                bytes: meta.len(),
                modified,
            });
        }
    }
}

/// The file begins with an asciicast header (decompressed if it is).
fn starts_as_cast(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut reader: Box<dyn Read> = match Compression::of(&file) {
        Ok(Some(how)) => match how.decoder(file) {
            Ok(r) => r,
            Err(_) => return false,
        },
        Ok(None) => Box::new(file),
        Err(_) => return false,
    };
    let mut head = [0u8; 64];
    let mut n = 0;
    while n < head.len() {
        match reader.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    let head = &head[..n];
    head.starts_with(b"{") && memchr::memmem::find(head, b"\"version\"").is_some()
}

/// Another process (a recording) holds the file locked.
fn is_locked(path: &Path) -> bool {
    match std::fs::File::open(path) {
        Ok(file) => match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
                false
            }
            Err(_) => true,
        },
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "{\"version\": 2, \"width\": 80, \"height\": 24}\n";

    fn cast(dir: &Path, name: &str, bytes: usize, age: Duration) -> PathBuf {
        let path = dir.join(name);
        let body = format!("{HEADER}{}", "x".repeat(bytes - HEADER.len()));
        std::fs::write(&path, body).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
        path
    }

    fn name(n: u32) -> String {
        format!("2026-12-0{n}_1200_host_work_@1_sh.cast")
    }

    #[test]
    fn the_budget_removes_the_oldest_of_ours_only() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("2026-12");
        std::fs::create_dir(&sub).unwrap();
        let hour = Duration::from_secs(3600);
        let oldest = cast(&sub, &name(1), 1000, hour * 5);
        let older = cast(&sub, &name(2), 1000, hour * 4);
        let live = cast(&sub, &name(3), 1000, hour * 3);
        let newest = cast(&sub, &name(4), 1000, hour);
        // Not ours: another name, or our name without a cast's header.
        let theirs = cast(&sub, "notes.cast", 5000, hour * 9);
        let fake = sub.join(name(5));
        std::fs::write(&fake, "x".repeat(5000)).unwrap();
        let budget = Budget {
            max_total: Some(2500),
            max_age: None,
        };
        let live_set = HashSet::from([live.clone()]);
        let removed = budget.enforce(dir.path(), &live_set, &HashSet::new());
        let paths: Vec<&PathBuf> = removed.iter().map(|r| &r.path).collect();
        assert_eq!(paths, [&oldest, &older]);
        assert!(removed[0].why.contains("max_total_size (2500)"));
        for kept in [&live, &newest, &theirs, &fake] {
            assert!(kept.exists(), "{}", kept.display());
        }
        // By age: the live one stays however old.
        let budget = Budget {
            max_total: None,
            max_age: Some(hour * 2),
        };
        assert!(
            budget
                .enforce(dir.path(), &live_set, &HashSet::new())
                .is_empty()
        );
        let removed = budget.enforce(dir.path(), &HashSet::new(), &HashSet::new());
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].path, live);
        assert!(newest.exists());
    }

    #[test]
    fn a_locked_cast_is_never_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = cast(dir.path(), &name(1), 1000, Duration::from_secs(99_999));
        let held = std::fs::File::open(&path).unwrap();
        held.lock().unwrap();
        let budget = Budget {
            max_total: Some(1),
            max_age: None,
        };
        assert!(
            budget
                .enforce(dir.path(), &HashSet::new(), &HashSet::new())
                .is_empty()
        );
        drop(held);
        assert_eq!(
            budget
                .enforce(dir.path(), &HashSet::new(), &HashSet::new())
                .len(),
            1
        );
    }

    #[test]
    fn compressing_keeps_the_cast_and_removes_the_plain_one_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = cast(dir.path(), &name(1), 5000, Duration::ZERO);
        let plain = std::fs::read(&path).unwrap();
        for how in [Compression::Zstd, Compression::Gzip] {
            std::fs::write(&path, &plain).unwrap();
            let out = compress(&path, how).unwrap();
            assert!(!path.exists());
            assert!(out.to_string_lossy().ends_with(how.extension()));
            let file = std::fs::File::open(&out).unwrap();
            let mut back = Vec::new();
            io::Read::read_to_end(&mut how.decoder(file).unwrap(), &mut back).unwrap();
            assert_eq!(back, plain);
            // The compressed file is there already: refused, the cast kept.
            std::fs::write(&path, &plain).unwrap();
            assert!(compress(&path, how).is_err());
            assert!(path.exists());
            std::fs::remove_file(&out).unwrap();
        }
    }
}
