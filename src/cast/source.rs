//! Getting a cast's bytes into memory without reading it into a `Vec`: a
//! regular file is mapped; a pipe is spooled to an unnamed temporary file
//! first, which is then mapped, so every check runs on the same code path.

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::path::Path;

use memmap2::Mmap;

pub struct Source {
    map: Option<Mmap>,
}

impl Source {
    /// Maps the file at `path` read-only.
    pub fn open(path: &Path) -> io::Result<Source> {
        Self::from_file(&File::open(path)?)
    }

    /// Maps an open regular file read-only.
    pub fn from_file(file: &File) -> io::Result<Source> {
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        if meta.len() == 0 {
            return Ok(Source { map: None });
        }
        // SAFETY: the map is read-only and private to this process. Another
        // process shrinking the file while it is mapped would fault; tvmux's
        // own writers only append, and repair takes the file's lock first.
        let map = unsafe { Mmap::map(file)? };
        Ok(Source { map: Some(map) })
    }

    /// Standard input: mapped if it is a regular file, spooled otherwise.
    pub fn stdin() -> io::Result<Source> {
        let stdin = io::stdin();
        let fd = stdin.as_fd().try_clone_to_owned()?;
        let file = File::from(fd);
        if file.metadata()?.is_file() {
            return Self::from_file(&file);
        }
        let mut spool = tempfile::tempfile()?;
        io::copy(&mut stdin.lock(), &mut spool)?;
        Self::from_file(&spool)
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}
