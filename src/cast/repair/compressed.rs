//! Repair of a compressed cast (`.cast.zst`, `.cast.gz`): its bytes are not
//! the cast's, so it is never cut in place. It is decompressed beside
//! itself, that copy is repaired as any cast, and the result is compressed
//! again and renamed over it; a valid cast is left as it is. The removed
//! bytes go to the compressed cast's side file (`NAME.cast.zst.removed`,
//! uncompressed).

use std::fs::{self, File};
use std::io::{self, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::super::source::Compression;
use super::{
    Action, RepairError, RepairOptions, Report, Temp, parent_dir, repair_path, side_file,
    temp_beside, unchanged,
};

pub(super) fn repair(
    path: &Path,
    file: &File,
    meta: &fs::Metadata,
    how: Compression,
    opts: &RepairOptions,
) -> Result<Report, RepairError> {
    let owner = (meta.uid(), meta.gid());
    // With the cast's mode, which its side file takes.
    let mode = meta.permissions().mode();
    let plain = temp_beside(path, Temp::Rewrite, mode, owner)?;
    {
        let mut decompressed = BufReader::with_capacity(1 << 20, how.decoder(file.try_clone()?)?);
        io::copy(&mut decompressed, &mut plain.as_file()).map_err(|e| how.error(e))?;
    }
    plain.as_file().sync_all()?;
    let mut report = repair_path(plain.path(), opts)?;
    if report.action == Action::None {
        return Ok(report);
    }
    // Whatever the copy needed, the compressed cast is written anew.
    report.action = Action::Rewrite;
    if opts.dry_run {
        return Ok(report);
    }
    // What the rest of repair refuses for a file it would replace.
    if meta.permissions().mode() & 0o200 == 0 && !opts.force {
        return Err(RepairError::ReadOnly(meta.permissions().mode() & 0o7777));
    }
    if meta.nlink() > 1 {
        if !opts.force {
            return Err(RepairError::HardLinked(meta.nlink()));
        }
        report.other_names_unchanged = meta.nlink() - 1;
    }
    let repaired = temp_beside(path, Temp::Rewrite, mode, owner)?;
    // A rewrite renamed a new file over the copy's name: read it by name.
    let mut input = BufReader::with_capacity(1 << 20, File::open(plain.path())?);
    how.compress(&mut input, &mut repaired.as_file())?;
    repaired.as_file().sync_all()?;
    // The removed bytes are durable under the compressed cast's side name
    // before it is replaced.
    if let Some(side) = &report.side_file {
        report.side_file = Some(side_file::move_to(side, path)?);
    }
    unchanged(path, file, meta)?;
    repaired.persist(path).map_err(|e| e.error)?;
    File::open(parent_dir(path))?.sync_all()?;
    Ok(report)
}
