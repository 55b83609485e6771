//! Turning PATH arguments into the casts to work on.

use std::io::{Error, ErrorKind};
use std::path::{Path, PathBuf};

/// One input named on the command line, or found under a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// What a directory or pattern with no cast in it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// Fine: nothing to do there.
    Allowed,
    /// An error, naming the option that would accept it, if the command has one.
    Refused(Option<&'static str>),
}

impl Empty {
    /// `--allow-empty` given or not.
    pub fn unless_allowed(allow: bool) -> Empty {
        if allow {
            Empty::Allowed
        } else {
            Empty::Refused(Some("--allow-empty"))
        }
    }
}

/// The PATH arguments, or with none the recordings directory from the
/// configuration (a configuration that cannot be read: its message).
pub fn or_recordings(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if !paths.is_empty() {
        return Ok(paths.to_vec());
    }
    tvmux::config::Config::load()
        .map(|config| vec![config.output_dir()])
        .map_err(|e| format!("tvmux: {e}"))
}

/// Expands `-` to stdin and directories to the regular `*.cast` files under
/// them (sorted, symlinked directories not followed, FIFOs and other special
/// files skipped). Files named explicitly are taken whatever their
/// extension. Unreadable paths, and directories with no cast under them
/// (unless `empty` allows it), come back as errors, in order with the inputs.
pub fn expand(paths: &[PathBuf], empty: Empty) -> Vec<Result<Input, (String, Error)>> {
    let mut out = Vec::new();
    let allow_empty = matches!(empty, Empty::Allowed);
    let nothing_found = |path: &Path, why: &str| {
        let message = match empty {
            Empty::Refused(Some(flag)) => format!("no casts found{why} ({flag} accepts this)"),
            _ => format!("no casts found{why}"),
        };
        Err((path.display().to_string(), Error::other(message)))
    };
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Ok(Input::Stdin));
        } else if path.is_dir() {
            let before = out.len();
            walk(path, &mut out);
            if out.len() == before && !allow_empty {
                out.push(nothing_found(path, " under it"));
            }
        } else {
            match path.metadata() {
                Ok(_) => out.push(Ok(Input::File(path.clone()))),
                Err(e) if e.kind() == ErrorKind::NotFound && is_pattern(path) => {
                    if !allow_empty {
                        out.push(nothing_found(path, ": nothing matches this pattern"));
                    }
                }
                Err(e) => out.push(Err((path.display().to_string(), e))),
            }
        }
    }
    out
}

/// A shell leaves a glob that matched nothing as it was typed.
fn is_pattern(path: &Path) -> bool {
    path.to_string_lossy().contains(['*', '?', '['])
}

fn walk(dir: &Path, out: &mut Vec<Result<Input, (String, Error)>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return out.push(Err((dir.display().to_string(), e))),
    };
    let mut paths: Vec<(PathBuf, Option<std::fs::FileType>)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => paths.push((entry.path(), entry.file_type().ok())),
            Err(e) => out.push(Err((dir.display().to_string(), e))),
        }
    }
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in paths {
        if kind.is_some_and(|t| t.is_dir()) {
            walk(&path, out);
            continue;
        }
        // Regular files only (a FIFO would block); a link is followed to
        // see what it names.
        let regular = match kind {
            Some(t) if t.is_symlink() => path.metadata().is_ok_and(|m| m.is_file()),
            Some(t) => t.is_file(),
            None => false,
        };
        if regular && is_cast_name(&path) {
            out.push(Ok(Input::File(path)));
        }
    }
}

/// A cast's name: `*.cast`, or compressed, `*.cast.zst` and `*.cast.gz`.
fn is_cast_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    [".cast", ".cast.zst", ".cast.gz"]
        .iter()
        .any(|end| name.len() > end.len() && name.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_give_their_casts_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        for name in ["b.cast", "a.cast", "notes.txt", "sub/c.cast"] {
            std::fs::write(d.join(name), "").unwrap();
        }
        let fifo = d.join("pipe.cast");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let found: Vec<Input> = expand(&[d.to_path_buf(), "-".into()], Empty::Refused(None))
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            found,
            [
                Input::File(d.join("a.cast")),
                Input::File(d.join("b.cast")),
                Input::File(d.join("sub/c.cast")),
                Input::Stdin
            ]
        );
        assert!(expand(&[d.join("missing")], Empty::Refused(None))[0].is_err());
    }

    #[test]
    fn nothing_found_is_an_error_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let empty = expand(&[d.to_path_buf()], Empty::Refused(None));
        let (_, e) = empty[0].as_ref().unwrap_err();
        assert!(e.to_string().contains("no casts found"), "{e}");
        assert!(expand(&[d.to_path_buf()], Empty::Allowed).is_empty());
        let glob = expand(&[d.join("*.cast")], Empty::Refused(None));
        let (_, e) = glob[0].as_ref().unwrap_err();
        assert!(e.to_string().contains("pattern"), "{e}");
        assert!(expand(&[d.join("*.cast")], Empty::Allowed).is_empty());
    }
}
