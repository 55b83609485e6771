//! Repair: make a damaged cast valid again without losing a complete event.
//!
//! Tail damage (torn last line, NUL run) is cut in place after the removed
//! bytes are safe in a side file. Damage before the tail is salvaged by
//! rewriting the file through `CastWriter` to a temporary file in the same
//! directory, which then replaces the original atomically. This module holds
//! the entry point and its refusals; [`plan`] decides what to do, [`rewrite`]
//! does the atomic rewrite, [`side_file`] keeps what was removed.

mod compressed;
mod plan;
mod rewrite;
mod side_file;

use plan::{PlanKind, dropped_in_tail, plan};
use rewrite::rewrite;
use side_file::Side;

use std::fs::{self, File};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::event::Verdict;
use super::finding::{Findings, Kind};
use super::header::Version;
use super::scan::{self, Body, Mode, Partial, Scan};
use super::source::{self, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
/// Where repair cuts.
pub enum RepairMode {
    /// Keep every valid event; move only bad lines to the side file.
    #[default]
    Auto,
    /// Cut the file at its first bad line.
    PointInTime,
}

#[derive(Default)]
/// How to repair.
pub struct RepairOptions<'a> {
    /// Check and fix only header and tail, trusting the body.
    pub quick: bool,
    /// Keep every valid event (auto) or cut at the first bad line.
    pub mode: RepairMode,
    /// Keep the text of a torn final `o`/`i` event by closing it.
    pub salvage_partial: bool,
    /// Report what would change; touch nothing.
    pub dry_run: bool,
    /// Keep no side file of the removed bytes.
    pub no_side_file: bool,
    /// Repair even while a recording holds the file's lock.
    pub force: bool,
    /// At most this many errors (and as many warnings) in the report.
    pub max_findings: usize,
    /// Called with the number of bytes checked so far.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

#[derive(Debug, thiserror::Error)]
/// Why a file was not repaired.
pub enum RepairError {
    #[error("refusing to touch it: {0}")]
    /// The first line is not a cast header.
    NotACast(String),
    #[error("cannot repair the header: {0}")]
    /// The header cannot be read.
    BadHeader(String),
    #[error("damaged asciicast v1: tvmux repairs v2 and v3 only ({0}); the file was left as it is")]
    /// A damaged v1 file (tvmux repairs v2 and v3).
    DamagedV1(String),
    #[error("locked by {0} (use --force to repair anyway)")]
    /// Another process holds the file's lock.
    Locked(String),
    #[error("the file is read-only (mode {0:o}); use --force to repair it anyway")]
    /// Its owner made the file read-only.
    ReadOnly(u32),
    #[error(
        "the file has {0} names (hard links): a rewrite would give the repaired content to this name only; use --force to do so"
    )]
    /// The file has other hard links.
    HardLinked(u64),
    #[error("no valid event in the last {0} lines; run repair without --quick")]
    /// Quick repair found no valid line near the end.
    BeyondQuickWindow(usize),
    #[error(
        "the file changed while it was being repaired (another process writes to it); the original is untouched"
    )]
    /// The file changed while it was repaired.
    Changed,
    #[error(transparent)]
    /// Reading or writing failed.
    Io(#[from] io::Error),
}

impl RepairError {
    /// A refusal about the file's content, as opposed to a failure to do I/O.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Io(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
/// What repair did to the file.
pub enum Action {
    /// Valid already: the file was not touched.
    None,
    /// Cut at `at` in place, then `appended` bytes written after it.
    Truncate {
        /// Where the file was cut.
        at: u64,
        /// Bytes written after the cut (a completed event, a newline).
        appended: u64,
    },
    /// Rewritten to a temporary file that replaced the original.
    Rewrite,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
/// What one repair found and did.
pub struct Report {
    #[serde(
        serialize_with = "super::version::serialize_number",
        deserialize_with = "super::version::deserialize_number"
    )]
    /// The file's version, when its header was read.
    pub version: Option<Version>,
    /// What was done to the file.
    pub action: Action,
    /// Nothing was written (`--dry-run`).
    pub dry_run: bool,
    /// What was wrong (as the validator reports it).
    #[serde(skip)]
    pub findings: Findings,
    /// The file repaired, when `path` was a symbolic link to it.
    pub target: Option<PathBuf>,
    /// Other names of the file that keep the old content (a forced rewrite
    /// of a hard-linked file).
    pub other_names_unchanged: u64,
    /// Bytes removed from the file (kept in the side file).
    pub removed_bytes: u64,
    /// Lines removed (kept in the side file).
    pub dropped_lines: u64,
    /// NUL bytes cut from the end of the file.
    pub nul_bytes: u64,
    /// Lines whose events were rewritten (time clamped, code unescaped,
    /// carriage return removed, or split into one event per line).
    pub fixed_lines: u64,
    /// A torn last event was completed (`--salvage-partial`).
    pub salvaged: bool,
    /// A final newline was added.
    pub newline_added: bool,
    /// A byte order mark was removed.
    pub bom_removed: bool,
    /// Where the removed bytes were kept.
    pub side_file: Option<PathBuf>,
}

pub use side_file::side_file_path;

/// Repairs the cast at `path` (through a symbolic link: its target).
pub fn repair_path(path: &Path, opts: &RepairOptions) -> Result<Report, RepairError> {
    let target = fs::canonicalize(path)?;
    let via_link = fs::symlink_metadata(path)?.file_type().is_symlink();
    let path = target.as_path();
    let file = source::open_regular(path, false)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) if !opts.force => {
            return Err(RepairError::Locked(lock_holder(&file)));
        }
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(e)) => return Err(e.into()),
    }
    let meta = file.metadata()?;
    if !opts.dry_run {
        remove_leftovers(path);
    }
    if let Some(how) = source::Compression::of(&file)? {
        let mut report = compressed::repair(path, &file, &meta, how, opts)?;
        report.target = via_link.then(|| target.clone());
        return Ok(report);
    }
    let source = Source::from_file(&file, path)?;
    let bytes = source.bytes();
    let scan = scan::scan(
        bytes,
        &scan::Options {
            mode: if opts.quick { Mode::Quick } else { Mode::Full },
            max_findings: opts.max_findings.max(1),
            progress: opts.progress,
            ..Default::default()
        },
    );
    let mut report = Report {
        version: scan.version,
        action: Action::None,
        dry_run: opts.dry_run,
        findings: scan.findings.clone(),
        target: via_link.then(|| target.clone()),
        other_names_unchanged: 0,
        removed_bytes: 0,
        dropped_lines: 0,
        nul_bytes: 0,
        fixed_lines: 0,
        salvaged: false,
        newline_added: false,
        bom_removed: false,
        side_file: None,
    };
    // Valid files are not touched: warnings are never "fixed".
    if scan.is_valid() {
        return Ok(report);
    }
    let body = refuse_unless_repairable(&scan, opts)?;
    let plan = plan(bytes, body, opts.mode, opts.salvage_partial);
    if meta.permissions().mode() & 0o200 == 0 && !opts.force {
        return Err(RepairError::ReadOnly(meta.permissions().mode() & 0o7777));
    }
    if matches!(plan.kind, PlanKind::Rewrite { .. }) && meta.nlink() > 1 {
        if !opts.force {
            return Err(RepairError::HardLinked(meta.nlink()));
        }
        report.other_names_unchanged = meta.nlink() - 1;
    }
    report.salvaged = plan.salvage.is_some();
    report.bom_removed = body.layout.bom;
    report.nul_bytes = body.layout.nul_tail.len() as u64;
    let mut side = Side::new(path, &meta, opts.dry_run || opts.no_side_file);
    match plan.kind {
        PlanKind::Nothing => return Ok(report),
        PlanKind::Truncate { at, append } => {
            report.action = Action::Truncate {
                at: at as u64,
                appended: append.len() as u64,
            };
            report.newline_added = append.ends_with(b"\n");
            report.removed_bytes = (bytes.len() - at) as u64;
            report.dropped_lines = dropped_in_tail(bytes, body, at, report.salvaged);
            report.fixed_lines = u64::from(
                matches!(body.partial, Partial::Complete(Verdict::Fix { .. }))
                    && at <= body.layout.partial.start,
            );
            if !opts.dry_run {
                let writable = source::open_regular(path, true)?;
                side.append(&bytes[at..])?;
                // The removed bytes are durable before any is cut.
                unchanged(path, &file, &meta)?;
                report.side_file = side.commit()?;
                writable.set_len(at as u64)?;
                writable.write_all_at(&append, at as u64)?;
                writable.sync_all()?;
            }
        }
        PlanKind::Rewrite { limit } => {
            report.action = Action::Rewrite;
            let counts = rewrite(
                path,
                &file,
                &meta,
                bytes,
                body,
                limit,
                plan.salvage.as_ref(),
                side,
                opts.dry_run,
            )?;
            report.removed_bytes = counts.removed;
            report.dropped_lines = counts.dropped;
            report.fixed_lines = counts.fixed;
            report.newline_added = counts.newline_added;
            report.side_file = counts.side_file;
        }
    }
    Ok(report)
}

fn refuse_unless_repairable<'s>(
    scan: &'s Scan,
    opts: &RepairOptions,
) -> Result<&'s Body, RepairError> {
    let first_error = || {
        scan.findings
            .list
            .iter()
            .find(|f| f.severity == super::Severity::Error)
    };
    if scan.version == Some(Version::V1) {
        let why = first_error().map_or_else(|| "unreadable".to_string(), |f| f.message.clone());
        return Err(RepairError::DamagedV1(why));
    }
    let Some(body) = &scan.body else {
        let first = first_error();
        let message = first.map_or_else(|| "unreadable header".to_string(), |f| f.message.clone());
        return Err(match first.map(|f| f.kind) {
            Some(Kind::BadHeader) => RepairError::BadHeader(message),
            _ => RepairError::NotACast(message),
        });
    };
    if opts.quick && body.window_exhausted {
        return Err(RepairError::BeyondQuickWindow(scan::QUICK_WINDOW_LINES));
    }
    Ok(body)
}

/// The file at `path` is still the one opened, with the size and
/// modification time it had: no other process has written to it.
fn unchanged(path: &Path, file: &File, before: &fs::Metadata) -> Result<(), RepairError> {
    let now = file.metadata()?;
    let named = fs::metadata(path)?;
    let same_file = (named.dev(), named.ino()) == (before.dev(), before.ino());
    let same_content = (now.len(), now.mtime(), now.mtime_nsec())
        == (before.len(), before.mtime(), before.mtime_nsec());
    if same_file && same_content {
        Ok(())
    } else {
        Err(RepairError::Changed)
    }
}

/// Who holds the lock on `file`, as far as /proc/locks tells.
fn lock_holder(file: &File) -> String {
    let unknown = "another process (a live recording or another repair)".to_string();
    let Ok(meta) = file.metadata() else {
        return unknown;
    };
    let dev = meta.dev();
    let id = format!(
        "{:02x}:{:02x}:{}",
        nix::sys::stat::major(dev),
        nix::sys::stat::minor(dev),
        meta.ino()
    );
    let Ok(locks) = fs::read_to_string("/proc/locks") else {
        return unknown;
    };
    let pid = locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let at = fields.iter().position(|f| *f == id)?;
        (fields.get(1) == Some(&"FLOCK")).then(|| fields.get(at - 1).copied())?
    });
    let Some(pid) = pid else {
        return unknown;
    };
    let command = fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| {
            c.split(|&b| b == 0)
                .filter(|a| !a.is_empty())
                .take(3)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    if command.is_empty() {
        format!("process {pid}")
    } else {
        format!("process {pid} ({command})")
    }
}

/// What a repair's temporary files beside a cast end with: the rewritten
/// cast, and the removed bytes before the side file gets its name.
#[derive(Debug, Clone, Copy)]
enum Temp {
    Rewrite,
    Removed,
}

impl Temp {
    const ALL: [Temp; 2] = [Temp::Rewrite, Temp::Removed];

    fn suffix(self) -> &'static str {
        match self {
            Temp::Rewrite => ".repair",
            Temp::Removed => ".removing",
        }
    }
}

/// `.NAME.`, NAME shortened to leave room for any [`Temp`]'s suffix.
fn temp_prefix(cast: &Path) -> std::ffi::OsString {
    let longest = Temp::ALL.iter().map(|t| t.suffix().len()).max();
    crate::beside::temp_prefix(cast, longest.unwrap_or_default())
}

/// A temporary file beside `cast`, `.NAME.XXXXXX.SUFFIX`: created
/// exclusively (never through a link), with `mode` and `owner`.
fn temp_beside(
    cast: &Path,
    kind: Temp,
    mode: u32,
    owner: (u32, u32),
) -> io::Result<tempfile::NamedTempFile> {
    let tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(cast))
        .suffix(kind.suffix())
        .tempfile_in(parent_dir(cast))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    // Keeps the owner when root repairs someone else's file; harmless otherwise.
    let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(owner.0), Some(owner.1));
    Ok(tmp)
}

/// Removes the temporary files a repair of `path` left behind when it was
/// killed (only tvmux's own names, see [`temp_beside`]). The caller holds
/// the file's lock, so no repair of it is running.
fn remove_leftovers(path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let candidate = file_name.as_bytes();
        let ours = candidate.starts_with(prefix.as_bytes())
            && Temp::ALL
                .iter()
                .any(|t| candidate.ends_with(t.suffix().as_bytes()));
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
