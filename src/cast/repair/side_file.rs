//! The side file that keeps every removed byte.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{Temp, parent_dir, temp_beside};

/// Where the side file for `path` would go first: `NAME.removed` beside it
/// (`NAME.removed.1`, … when that exists already).
pub fn side_file_path(path: &Path) -> PathBuf {
    side_candidate(path, 0)
}

fn side_candidate(path: &Path, n: u32) -> PathBuf {
    // Room for `.removed` and a number of up to five digits.
    let mut name = crate::beside::stem(path, ".removed".len() + 6);
    name.push(".removed");
    if n > 0 {
        name.push(format!(".{n}"));
    }
    path.with_file_name(name)
}

/// The side file. Removed bytes go to a temporary file created beside the
/// cast (exclusively: never through a link, never into an existing file),
/// with the cast's owner and mode; [`Side::commit`] makes it durable and
/// gives it a fresh name, just before the repair changes the cast.
pub(super) struct Side {
    cast: PathBuf,
    disabled: bool,
    mode: u32,
    owner: (u32, u32),
    file: Option<tempfile::NamedTempFile>,
    /// Bytes removed so far (also when no side file is kept).
    pub(super) written: u64,
}

impl Side {
    pub(super) fn new(cast: &Path, meta: &fs::Metadata, disabled: bool) -> Self {
        Side {
            cast: cast.to_path_buf(),
            disabled,
            mode: meta.permissions().mode() & 0o666,
            owner: (meta.uid(), meta.gid()),
            file: None,
            written: 0,
        }
    }

    pub(super) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.written += bytes.len() as u64;
        if self.disabled || bytes.is_empty() {
            return Ok(());
        }
        if self.file.is_none() {
            self.file = Some(temp_beside(
                &self.cast,
                Temp::Removed,
                self.mode,
                self.owner,
            )?);
        }
        self.file.as_mut().unwrap().write_all(bytes)
    }

    /// Makes the side file durable under the first free name of
    /// `NAME.removed`, `NAME.removed.1`, …; its path if anything was written.
    pub(super) fn commit(self) -> io::Result<Option<PathBuf>> {
        let Some(mut tmp) = self.file else {
            return Ok(None);
        };
        tmp.as_file_mut().sync_all()?;
        for n in 0.. {
            let candidate = side_candidate(&self.cast, n);
            match tmp.persist_noclobber(&candidate) {
                Ok(_) => {
                    File::open(parent_dir(&candidate))?.sync_all()?;
                    return Ok(Some(candidate));
                }
                Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => tmp = e.file,
                Err(e) => return Err(e.error),
            }
        }
        unreachable!("some side file name is free")
    }
}
