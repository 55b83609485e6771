//! Repair: make a damaged cast valid again without losing a complete event.
//!
//! Tail damage (torn last line, NUL run, missing newline) is cut in place
//! after the removed bytes are safe in a side file. Damage before the tail is
//! salvaged by rewriting the file through `CastWriter` to a temporary file in
//! the same directory, which then replaces the original atomically.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::event::Verdict;
use super::finding::{Findings, Kind};
use super::header::Version;
use super::json;
use super::layout::{self, BOM};
use super::scan::{self, Body, Mode, Partial, Scan};
use super::source::{self, Source};
use super::writer::{CastSink, CastWriter, FlushPolicy, Fsync};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RepairMode {
    /// Keep every valid event; drop only the lines that are not events.
    #[default]
    Auto,
    /// Cut everything from the first bad line on.
    PointInTime,
}

#[derive(Default)]
pub struct RepairOptions<'a> {
    /// Check and fix only header and tail, trusting the body.
    pub quick: bool,
    pub mode: RepairMode,
    /// Keep the text of a torn final `o`/`i` event by closing it.
    pub salvage_partial: bool,
    pub dry_run: bool,
    pub no_side_file: bool,
    /// Repair even while a recording holds the file's lock.
    pub force: bool,
    pub max_findings: usize,
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error("refusing to touch it: {0}")]
    NotACast(String),
    #[error("cannot repair the header: {0}")]
    BadHeader(String),
    #[error("damaged asciicast v1: tvmux repairs v2 and v3 only ({0}); the file was left as it is")]
    DamagedV1(String),
    #[error("locked by {0} (use --force to repair anyway)")]
    Locked(String),
    #[error("the file is read-only (mode {0:o}); use --force to repair it anyway")]
    ReadOnly(u32),
    #[error(
        "the file has {0} names (hard links): a rewrite would give the repaired content to this name only; use --force to do so"
    )]
    HardLinked(u64),
    #[error("no valid event in the last {0} lines; run repair without --quick")]
    BeyondQuickWindow(usize),
    #[error(
        "the file changed while it was being repaired (another process writes to it); the original is untouched"
    )]
    Changed,
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl RepairError {
    /// A refusal about the file's content, as opposed to a failure to do I/O.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Io(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// Valid already: the file was not touched.
    None,
    /// Cut at `at` in place, then `appended` bytes written after it.
    Truncate { at: u64, appended: u64 },
    /// Rewritten to a temporary file that replaced the original.
    Rewrite,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: Option<Version>,
    pub action: Action,
    pub dry_run: bool,
    /// What was wrong (as the validator reports it).
    #[serde(skip)]
    pub findings: Findings,
    /// The file repaired, when `path` was a symbolic link to it.
    pub target: Option<PathBuf>,
    /// Other names of the file that keep the old content (a forced rewrite
    /// of a hard-linked file).
    pub other_names_unchanged: u64,
    pub removed_bytes: u64,
    pub dropped_lines: u64,
    /// NUL bytes cut from the end of the file.
    pub nul_bytes: u64,
    /// Lines whose events were rewritten (time clamped, code unescaped,
    /// carriage return removed, or split into one event per line).
    pub fixed_lines: u64,
    pub salvaged: bool,
    pub newline_added: bool,
    pub bom_removed: bool,
    pub side_file: Option<PathBuf>,
}

/// Where the side file for `path` would go first: `NAME.removed` beside it
/// (`NAME.removed.1`, … when that exists already).
pub fn side_file_path(path: &Path) -> PathBuf {
    side_candidate(path, 0)
}

fn side_candidate(path: &Path, n: u32) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".removed");
    if n > 0 {
        name.push(format!(".{n}"));
    }
    path.with_file_name(name)
}

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
    let mut side = Side::new(path, &meta, opts.dry_run || opts.no_side_file)?;
    match plan.kind {
        PlanKind::Nothing => return Ok(report),
        PlanKind::Truncate { at, append } => {
            report.action = Action::Truncate {
                at: at as u64,
                appended: append.len() as u64,
            };
            report.newline_added = append.ends_with(b"\n");
            report.removed_bytes = (bytes.len() - at) as u64;
            report.nul_bytes = body.layout.nul_tail.len() as u64;
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
            report.nul_bytes = body.layout.nul_tail.len() as u64;
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

/// Removes temporary files a repair of `path` left behind when it was killed
/// (only tvmux's own names: `.NAME.*.repair` and `.NAME.*.removing`). The
/// caller holds the file's lock, so no repair of it is running.
fn remove_leftovers(path: &Path) {
    let dir = parent_dir(path);
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(candidate) = file_name.to_str() else {
            continue;
        };
        let ours = candidate.starts_with(&prefix)
            && (candidate.ends_with(".repair") || candidate.ends_with(".removing"));
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

enum PlanKind {
    Nothing,
    /// Cut the file at `at` and write `append` after it.
    Truncate {
        at: usize,
        append: Vec<u8>,
    },
    /// Rewrite the file, keeping nothing from `limit` on.
    Rewrite {
        limit: usize,
    },
}

struct Plan {
    kind: PlanKind,
    salvage: Option<Salvage>,
}

/// A torn last line closed into a complete event.
struct Salvage {
    /// How many bytes of the torn line survive.
    kept: usize,
    /// The complete line, newline included.
    line: Vec<u8>,
}

fn plan(bytes: &[u8], body: &Body, mode: RepairMode, salvage_partial: bool) -> Plan {
    let l = &body.layout;
    let salvage = (salvage_partial && body.partial == Partial::Torn)
        .then(|| salvage(bytes, body))
        .flatten();
    let partial = &bytes[l.partial.clone()];
    // What the last line becomes, if it is kept: (cut point, bytes after it).
    let last_line: Option<(usize, Vec<u8>)> = match (body.partial, &salvage) {
        (Partial::Complete(v), _) if v.is_kept() => Some((l.partial.end, b"\n".to_vec())),
        (Partial::Complete(Verdict::Fix { .. }), _) => {
            let mut fixed = Vec::new();
            body.checker
                .repair_line(partial, b"\n", &mut body.clock.clone(), &mut fixed);
            Some((l.partial.start, fixed))
        }
        (Partial::Torn, Some(s)) => Some((l.partial.start + s.kept, s.line[s.kept..].to_vec())),
        _ => None,
    };
    let damaged_body = body.damaged_before_tail(last_line.is_some());
    let kind = match (mode, body.first_edit) {
        (RepairMode::PointInTime, Some(cut)) if l.bom => PlanKind::Rewrite { limit: cut },
        (RepairMode::PointInTime, Some(cut)) => PlanKind::Truncate {
            at: cut,
            append: Vec::new(),
        },
        _ if damaged_body => PlanKind::Rewrite { limit: bytes.len() },
        _ => match last_line {
            Some((at, append)) => PlanKind::Truncate { at, append },
            None if l.header_unterminated() && l.body_start == l.partial.end => {
                PlanKind::Truncate {
                    at: l.header.end,
                    append: b"\n".to_vec(),
                }
            }
            None if body.keep_end == bytes.len() => PlanKind::Nothing,
            None => PlanKind::Truncate {
                at: body.keep_end,
                append: Vec::new(),
            },
        },
    };
    let salvage = match &kind {
        PlanKind::Truncate { at, .. } if *at < l.partial.start => None,
        PlanKind::Rewrite { limit } if *limit <= l.partial.start => None,
        _ => salvage,
    };
    Plan { kind, salvage }
}

/// The torn last line closed into a complete `o`/`i` event, if its time is
/// valid and some of its text survived.
fn salvage(bytes: &[u8], body: &Body) -> Option<Salvage> {
    let partial = &bytes[body.layout.partial.clone()];
    let (kept, close) = json::salvage_point(partial)?;
    let line = [&partial[..kept], close].concat();
    let ev = json::parse_event(&line).ok()?;
    let worth_it = matches!(ev.code.text().as_ref(), "o" | "i") && !ev.data.raw.is_empty();
    let verdict = body
        .checker
        .check(&line, &mut body.clock.clone(), &mut |_| {});
    if !worth_it || !verdict.is_kept() {
        return None;
    }
    Some(Salvage {
        kept,
        line: [&line[..], b"\n"].concat(),
    })
}

/// Complete lines (and a torn line) removed by a cut at `at`.
fn dropped_in_tail(bytes: &[u8], body: &Body, at: usize, salvaged: bool) -> u64 {
    let l = &body.layout;
    let complete =
        memchr::memchr_iter(b'\n', &bytes[at.min(l.body_end)..l.body_end]).count() as u64;
    complete + u64::from(body.partial == Partial::Torn && !salvaged && at <= l.partial.start)
}

struct RewriteCounts {
    dropped: u64,
    fixed: u64,
    removed: u64,
    newline_added: bool,
    side_file: Option<PathBuf>,
}

#[allow(clippy::too_many_arguments)]
fn rewrite(
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
    let dir = parent_dir(path);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".repair")
        .tempfile_in(&dir)?;
    let mut w = CastWriter::resume(tmp.as_file_mut(), version, 0.0, policy);
    let mut counts = copy_repaired(&mut w, original, bytes, body, limit, salvage, &mut side)?;
    w.flush()?;
    drop(w);
    tmp.as_file().set_permissions(meta.permissions())?;
    // Keeps the owner when root repairs someone else's file; harmless otherwise.
    let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
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
    File::open(&dir)?.sync_all()?;
    Ok(counts)
}

/// Writes the repaired cast: kept lines byte for byte, fixed lines
/// rewritten, everything else to the side file.
fn copy_repaired<W: CastSink>(
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
            let full = &bytes[start..start + line.len() + 1];
            fixed.clear();
            let verdict = body
                .checker
                .repair_line(line, b"\n", &mut clock, &mut fixed);
            result = match verdict {
                v if v.is_kept() && start < limit => w.raw_lines(full),
                Verdict::Fix { .. } if start < limit => {
                    counts.fixed += 1;
                    w.raw_lines(&fixed)
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
            w.raw_lines(&fixed)?;
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

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The side file. Removed bytes go to a temporary file created beside the
/// cast (exclusively: never through a link, never into an existing file),
/// with the cast's owner and mode; [`Side::commit`] makes it durable and
/// gives it a fresh name, just before the repair changes the cast.
struct Side {
    cast: PathBuf,
    disabled: bool,
    mode: u32,
    owner: (u32, u32),
    file: Option<tempfile::NamedTempFile>,
    written: u64,
}

impl Side {
    fn new(cast: &Path, meta: &fs::Metadata, disabled: bool) -> io::Result<Self> {
        Ok(Side {
            cast: cast.to_path_buf(),
            disabled,
            mode: meta.permissions().mode() & 0o666,
            owner: (meta.uid(), meta.gid()),
            file: None,
            written: 0,
        })
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.written += bytes.len() as u64;
        if self.disabled || bytes.is_empty() {
            return Ok(());
        }
        if self.file.is_none() {
            let name = self.cast.file_name().unwrap_or_default().to_string_lossy();
            let tmp = tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .suffix(".removing")
                .tempfile_in(parent_dir(&self.cast))?;
            tmp.as_file()
                .set_permissions(fs::Permissions::from_mode(self.mode))?;
            let _ =
                std::os::unix::fs::fchown(tmp.as_file(), Some(self.owner.0), Some(self.owner.1));
            self.file = Some(tmp);
        }
        self.file.as_mut().unwrap().write_all(bytes)
    }

    /// Makes the side file durable under the first free name of
    /// `NAME.removed`, `NAME.removed.1`, …; its path if anything was written.
    fn commit(self) -> io::Result<Option<PathBuf>> {
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
