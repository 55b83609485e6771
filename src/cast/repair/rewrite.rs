//! The atomic rewrite: every kept line byte for byte (untouched stretches
//! copied by the kernel), fixed lines rewritten, the rest to the side file;
//! then fsync, rename over the original, fsync the directory.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::super::event::Verdict;
use super::super::layout::{self, BOM};
use super::super::scan::{Body, Partial};
use super::super::writer::{CastSink, CastWriter, FlushPolicy, Fsync};
use super::plan::Salvage;
use super::side_file::Side;
use super::{RepairError, Temp, parent_dir, temp_beside, unchanged};

pub(super) struct RewriteCounts {
    pub(super) dropped: u64,
    pub(super) fixed: u64,
    pub(super) removed: u64,
    pub(super) newline_added: bool,
    pub(super) side_file: Option<PathBuf>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn rewrite(
    path: &Path,
    original: &File,
    meta: &fs::Metadata,
    bytes: &[u8],
    body: &Body,
    limit: usize,
    salvage: Option<&Salvage>,
    mut side: Side,
    dry_run: bool,
) -> Result<RewriteCounts, RepairError> {
    let policy = FlushPolicy {
        fsync: Fsync::Never,
        max_buffer: 1 << 20,
        ..FlushPolicy::default()
    };
    let version = body.checker.version;
    if dry_run {
        let mut w = CastWriter::resume(io::sink(), version, 0.0, policy);
        return copy_repaired(&mut w, original, bytes, body, limit, salvage, &mut side);
    }
    let mut tmp = temp_beside(
        path,
        Temp::Rewrite,
        meta.permissions().mode(),
        (meta.uid(), meta.gid()),
    )?;
    let mut w = CastWriter::resume(tmp.as_file_mut(), version, 0.0, policy);
    let mut counts = copy_repaired(&mut w, original, bytes, body, limit, salvage, &mut side)?;
    w.flush()?;
    drop(w);
    tmp.as_file().sync_all()?;
    // A writer that ignores the lock may have appended meanwhile: its lines
    // would be lost by the rename.
    unchanged(path, original, meta)?;
    // The removed bytes are durable before the original is replaced.
    counts.side_file = side.commit()?;
    if let Err(e) = tmp.persist(path) {
        if let Some(side_file) = &counts.side_file {
            let _ = fs::remove_file(side_file);
        }
        return Err(e.error.into());
    }
    File::open(parent_dir(path))?.sync_all()?;
    Ok(counts)
}

/// Writes the repaired cast: kept lines byte for byte, fixed lines
/// rewritten, everything else to the side file.
pub(super) fn copy_repaired<W: CastSink>(
    w: &mut CastWriter<W>,
    src: &File,
    bytes: &[u8],
    body: &Body,
    limit: usize,
    salvage: Option<&Salvage>,
    side: &mut Side,
) -> Result<RewriteCounts, RepairError> {
    let l = &body.layout;
    let mut counts = RewriteCounts {
        dropped: 0,
        fixed: 0,
        removed: 0,
        newline_added: false,
        side_file: None,
    };
    if l.bom {
        side.append(BOM)?;
    }
    let header = &bytes[l.header.clone()];
    if body.header_fix {
        // A carriage return in a valid JSON header can only be whitespace.
        let header: Vec<u8> = header
            .strip_suffix(b"\r")
            .unwrap_or(header)
            .iter()
            .copied()
            .filter(|&b| b != b'\r')
            .chain(*b"\n")
            .collect();
        w.raw_lines(&header)?;
    } else {
        w.raw_lines(&[header, b"\n"].concat())?;
    }
    // Runs of untouched chunks are copied in one go: the kernel copies one
    // large range several times faster than many 4 MiB ones.
    let mut untouched: Option<std::ops::Range<usize>> = None;
    let mut fixed = Vec::new();
    for chunk in &body.chunks {
        if !chunk.edited && chunk.range.end <= limit {
            let run = untouched.get_or_insert(chunk.range.start..chunk.range.start);
            run.end = chunk.range.end;
            continue;
        }
        if let Some(run) = untouched.take() {
            w.copy_lines(src, run, bytes)?;
        }
        let mut clock = chunk.clock_in;
        let mut result = Ok(());
        layout::for_each_line(bytes, chunk.range.clone(), |start, line| {
            if result.is_err() {
                return;
            }
            // Borrowed from `bytes`, so the parts repair writes may outlive
            // this call.
            let line = &bytes[start..start + line.len()];
            let full = &bytes[start..start + line.len() + 1];
            fixed.clear();
            let verdict = body
                .checker
                .repair_line(line, b"\n", &mut clock, &mut fixed);
            result = match verdict {
                v if v.is_kept() && start < limit => w.raw_lines(full),
                Verdict::Fix { .. } if start < limit => {
                    counts.fixed += 1;
                    w.raw_line_parts(&fixed)
                }
                _ => {
                    counts.dropped += 1;
                    side.append(full)
                }
            };
        });
        result?;
    }
    if let Some(run) = untouched.take() {
        w.copy_lines(src, run, bytes)?;
    }
    // The unterminated last line, then the NUL run.
    let partial = &bytes[l.partial.clone()];
    let keep_partial = l.partial.start < limit;
    match (body.partial, salvage) {
        (Partial::None, _) => {}
        (Partial::Complete(verdict), _) if keep_partial => {
            counts.newline_added = true;
            fixed.clear();
            body.checker
                .repair_line(partial, b"\n", &mut body.clock.clone(), &mut fixed);
            if let Verdict::Fix { .. } = verdict {
                counts.fixed += 1;
            }
            w.raw_line_parts(&fixed)?;
        }
        (Partial::Torn, Some(s)) if keep_partial => {
            w.raw_lines(&s.line)?;
            side.append(&partial[s.kept..])?;
        }
        _ => {
            counts.dropped += 1;
            side.append(partial)?;
        }
    }
    side.append(&bytes[l.nul_tail.clone()])?;
    counts.removed = side.written;
    Ok(counts)
}
