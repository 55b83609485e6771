//! Turning PATH arguments into the casts to work on.

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

/// Expands `-` to stdin and directories to the `*.cast` files under them
/// (sorted, symlinked directories not followed). Files named explicitly are
/// taken whatever their extension. Unreadable paths come back as errors, in
/// order with the inputs.
pub fn expand(paths: &[PathBuf]) -> Vec<Result<Input, (String, std::io::Error)>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Ok(Input::Stdin));
        } else if path.is_dir() {
            walk(path, &mut out);
        } else {
            match path.metadata() {
                Ok(_) => out.push(Ok(Input::File(path.clone()))),
                Err(e) => out.push(Err((path.display().to_string(), e))),
            }
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<Result<Input, (String, std::io::Error)>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return out.push(Err((dir.display().to_string(), e))),
    };
    let mut paths: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                paths.push((entry.path(), is_dir));
            }
            Err(e) => out.push(Err((dir.display().to_string(), e))),
        }
    }
    paths.sort();
    for (path, is_dir) in paths {
        if is_dir {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "cast") {
            out.push(Ok(Input::File(path)));
        }
    }
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
        let found: Vec<Input> = expand(&[d.to_path_buf(), "-".into()])
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
        assert!(expand(&[d.join("missing")])[0].is_err());
    }
}
