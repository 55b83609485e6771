//! The side file that keeps every removed byte.

use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
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

/// The side file is written in blocks of this size; a block of NULs is a hole.
const HOLE_MIN: usize = 64 << 10;

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
        // Blocks of NULs (a crash's preallocated tail, a sparse file's
        // hole) are kept as holes: the side file holds every byte without
        // spending the disk space, and reading it never materialises them.
        let file = self.file.as_mut().unwrap();
        for block in bytes.chunks(HOLE_MIN) {
            if crate::cast::layout::trailing_nul_len(block) == block.len() {
                file.seek(SeekFrom::Current(block.len() as i64))?;
            } else {
                file.write_all(block)?;
            }
        }
        Ok(())
    }

    /// Makes the side file durable under the first free name of
    /// `NAME.removed`, `NAME.removed.1`, …; its path if anything was written.
    pub(super) fn commit(self) -> io::Result<Option<PathBuf>> {
        let Some(mut tmp) = self.file else {
            return Ok(None);
        };
        // A hole at the end exists once the length says so.
        let end = tmp.stream_position()?;
        if tmp.as_file().metadata()?.len() < end {
            tmp.as_file().set_len(end)?;
        }
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

/// Moves a side file made for another name (`from`: the side file of a
/// compressed cast's decompressed copy) to the first free side name of
/// `cast`, never over a file that is there.
pub(super) fn move_to(from: &Path, cast: &Path) -> io::Result<PathBuf> {
    for n in 0.. {
        let candidate = side_candidate(cast, n);
        match fs::hard_link(from, &candidate) {
            Ok(()) => {
                fs::remove_file(from)?;
                File::open(parent_dir(&candidate))?.sync_all()?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("some side file name is free")
}
