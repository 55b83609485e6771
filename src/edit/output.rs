//! Where an edit's result goes: standard output; a regular file, written as
//! a temporary file beside it, synced and renamed over it at the end (its
//! directory synced too), so the destination is never seen half written and
//! an edit that fails leaves it untouched; or anything else that can be
//! written (`/dev/null`, a FIFO, a terminal), written to as it is — never
//! replaced.

use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::cast::CastSink;

use super::EditError;

/// An edit's output.
pub struct Output {
    sink: Sink,
}

enum Sink {
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
    /// A device, FIFO or terminal.
    Direct(io::BufWriter<File>),
    /// Buffered: a text output is written line by line.
    File {
        temp: io::BufWriter<tempfile::NamedTempFile>,
        dest: PathBuf,
        /// The mode of the file it replaces, kept.
        mode: Option<u32>,
    },
}

/// Whose a written file is, and who may read it: a file replaced keeps its
/// mode and owner; a new one takes its input's mode (less the umask, as
/// `cp` does: a private recording stays private) and owner. The owner is
/// given where the process may (root); elsewhere the file is the writer's.
fn take_over(temp: &File, like: &std::fs::Metadata, replacing: bool) -> io::Result<()> {
    let now = temp.metadata()?;
    if !replacing {
        // The input's mode, as far as the umask (which made the file's
        // mode from 0666) lets through.
        let mode = like.mode() & now.mode() & 0o777;
        temp.set_permissions(Permissions::from_mode(mode))?;
    }
    if (like.uid(), like.gid()) != (now.uid(), now.gid()) {
        match std::os::unix::fs::fchown(temp, Some(like.uid()), Some(like.gid())) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {}
            other => other?,
        }
    }
    Ok(())
}

impl Output {
    /// `-` is standard output; any other path a file, which must not be one
    /// of `inputs` unless `in_place` says that is meant. A symbolic link is
    /// followed, as a shell's redirection would: its target is written (and
    /// a regular target replaced), the link stays.
    pub fn create(dest: &Path, inputs: &[&Path], in_place: bool) -> Result<Output, EditError> {
        if dest == Path::new("-") {
            return Ok(Output {
                // Buffered: a text output is written line by line.
                sink: Sink::Stdout(io::BufWriter::with_capacity(256 << 10, io::stdout().lock())),
            });
        }
        // What the path names now (through links); a new file otherwise.
        let dest = std::fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf());
        let dest = dest.as_path();
        let existing = std::fs::metadata(dest).ok();
        if let Some(meta) = &existing {
            if meta.is_dir() {
                return Err(EditError::Usage(format!(
                    "{} is a directory",
                    dest.display()
                )));
            }
            let same = |input: &&Path| {
                std::fs::metadata(input)
                    .is_ok_and(|m| (m.dev(), m.ino()) == (meta.dev(), meta.ino()))
            };
            if !in_place && inputs.iter().any(same) {
                return Err(EditError::Usage(format!(
                    "{} is an input: writing it would destroy what is being read (--in-place replaces it once the new cast is complete)",
                    dest.display()
                )));
            }
            if !meta.is_file() {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(dest)
                    .map_err(|e| EditError::io(dest, e))?;
                return Ok(Output {
                    sink: Sink::Direct(io::BufWriter::with_capacity(256 << 10, file)),
                });
            }
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(&crate::beside::temp_prefix(dest, ".tmp".len()))
            .suffix(".tmp")
            .permissions(Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|e| EditError::io(dest, e))?;
        // Before a byte is written: the file replaced, or else the input.
        let replaced = existing.as_ref().filter(|m| m.is_file());
        let input = inputs
            .iter()
            .filter(|p| **p != Path::new("-"))
            .find_map(|p| std::fs::metadata(p).ok().filter(|m| m.is_file()));
        if let Some(like) = replaced.or(input.as_ref()) {
            take_over(temp.as_file(), like, replaced.is_some())
                .map_err(|e| EditError::io(dest, e))?;
        }
        Ok(Output {
            sink: Sink::File {
                temp: io::BufWriter::with_capacity(256 << 10, temp),
                dest: dest.to_path_buf(),
                mode: existing.filter(|m| m.is_file()).map(|m| m.mode() & 0o7777),
            },
        })
    }

    /// Makes the output complete: the file synced, renamed over the
    /// destination, and the directory synced.
    pub fn commit(self) -> Result<(), EditError> {
        match self.sink {
            Sink::Stdout(mut out) => out.flush().map_err(|e| EditError::io(Path::new("-"), e)),
            Sink::Direct(mut file) => file
                .flush()
                .map_err(|e| EditError::io(Path::new("output"), e)),
            Sink::File { temp, dest, mode } => {
                let fail = |e| EditError::io(&dest, e);
                let temp = temp.into_inner().map_err(|e| fail(e.into_error()))?;
                if let Some(mode) = mode {
                    temp.as_file()
                        .set_permissions(Permissions::from_mode(mode))
                        .map_err(fail)?;
                }
                temp.as_file().sync_all().map_err(fail)?;
                temp.persist(&dest).map_err(|e| fail(e.error))?;
                let dir = match dest.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                File::open(dir).and_then(|d| d.sync_all()).map_err(fail)
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(out) => out.write(buf),
            Sink::Direct(file) => file.write(buf),
            Sink::File { temp, .. } => temp.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.write_all(buf),
            Sink::Direct(file) => file.write_all(buf),
            Sink::File { temp, .. } => temp.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.flush(),
            Sink::Direct(file) => file.flush(),
            Sink::File { temp, .. } => temp.flush(),
        }
    }
}

impl CastSink for Output {
    /// Durability comes at [`Output::commit`].
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}
