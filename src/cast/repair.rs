//! Repair: make a damaged cast valid again without losing a complete event.
//!
//! Tail damage (torn last line, NUL run, missing newline) is cut in place
//! after the removed bytes are safe in a side file. Damage before the tail is
//! salvaged by rewriting the file through `CastWriter` to a temporary file in
//! the same directory, which then replaces the original atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::event::Verdict;
use super::finding::{Findings, Kind};
use super::header::Version;
use super::json;
use super::layout::{self, BOM};
use super::scan::{self, Body, Chunk, Mode, Partial, Scan};
use super::source::Source;
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
    #[error("asciicast v1 is read-only; tvmux repairs v2 and v3")]
    ReadOnlyVersion,
    #[error("locked by a live recording (use --force to repair anyway)")]
    Locked,
    #[error("no valid event in the last {0} lines; run repair without --quick")]
    BeyondQuickWindow(usize),
    #[error("the file changed while it was being repaired")]
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
    pub removed_bytes: u64,
    pub dropped_lines: u64,
    pub clamped_lines: u64,
    pub salvaged: bool,
    pub newline_added: bool,
    pub bom_removed: bool,
    pub side_file: Option<PathBuf>,
}

/// The side file that keeps every removed byte: `NAME.removed` beside it.
pub fn side_file_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".removed");
    path.with_file_name(name)
}

/// Repairs the cast at `path`.
pub fn repair_path(path: &Path, opts: &RepairOptions) -> Result<Report, RepairError> {
    let file = File::open(path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) if !opts.force => return Err(RepairError::Locked),
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(e)) => return Err(e.into()),
    }
    let source = Source::from_file(&file)?;
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
    let body = refuse_unless_repairable(&scan, opts)?;
    let plan = plan(bytes, body, opts.mode, opts.salvage_partial);
    let mut report = Report {
        version: scan.version,
        action: Action::None,
        dry_run: opts.dry_run,
        findings: scan.findings.clone(),
        removed_bytes: 0,
        dropped_lines: 0,
        clamped_lines: 0,
        salvaged: plan.salvage.is_some(),
        newline_added: false,
        bom_removed: body.layout.bom,
        side_file: None,
    };
    let side = Side::new(path, opts.dry_run || opts.no_side_file);
    match plan.kind {
        PlanKind::Nothing => return Ok(report),
        PlanKind::Truncate { at, append } => {
            report.action = Action::Truncate {
                at: at as u64,
                appended: append.len() as u64,
            };
            report.newline_added = append == b"\n";
            report.removed_bytes = (bytes.len() - at) as u64;
            report.dropped_lines = dropped_in_tail(bytes, body, at, report.salvaged);
            report.clamped_lines = u64::from(
                matches!(body.partial, Partial::Complete(Verdict::Clamp(_)))
                    && at <= body.layout.partial.start,
            );
            if !opts.dry_run {
                let file = reopen_for_writing(path, &file)?;
                let mut side = side;
                side.append(&bytes[at..])?;
                report.side_file = side.finish()?;
                file.set_len(at as u64)?;
                file.write_all_at(&append, at as u64)?;
                file.sync_all()?;
            }
        }
        PlanKind::Rewrite { limit } => {
            report.action = Action::Rewrite;
            let mut side = side;
            let counts = rewrite(
                path,
                &file,
                bytes,
                body,
                limit,
                plan.salvage.as_ref(),
                &mut side,
                opts.dry_run,
            )?;
            report.removed_bytes = side.written;
            report.dropped_lines = counts.dropped;
            report.clamped_lines = counts.clamped;
            report.newline_added = counts.newline_added;
            if !opts.dry_run {
                report.side_file = side.finish()?;
            }
        }
    }
    Ok(report)
}

fn refuse_unless_repairable<'s>(
    scan: &'s Scan,
    opts: &RepairOptions,
) -> Result<&'s Body, RepairError> {
    if scan.version == Some(Version::V1) {
        return Err(RepairError::ReadOnlyVersion);
    }
    let Some(body) = &scan.body else {
        let first = scan
            .findings
            .list
            .iter()
            .find(|f| f.severity == super::Severity::Error);
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
        (Partial::Complete(Verdict::Clamp(t)), _) => Some((l.partial.start, clamped(partial, t))),
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

/// A complete event line (without newline) with its time raised to `time`,
/// newline added.
fn clamped(line: &[u8], time: f64) -> Vec<u8> {
    let span = json::parse_event(line)
        .expect("a clamped line is a complete event")
        .time_span;
    [
        &line[..span.start],
        time.to_string().as_bytes(),
        &line[span.end..],
        b"\n",
    ]
    .concat()
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
    clamped: u64,
    newline_added: bool,
}

#[allow(clippy::too_many_arguments)]
fn rewrite(
    path: &Path,
    original: &File,
    bytes: &[u8],
    body: &Body,
    limit: usize,
    salvage: Option<&Salvage>,
    side: &mut Side,
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
        return copy_repaired(&mut w, original, bytes, body, limit, salvage, side);
    }
    let dir = parent_dir(path);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".repair")
        .tempfile_in(&dir)?;
    let mut w = CastWriter::resume(tmp.as_file_mut(), version, 0.0, policy);
    let counts = copy_repaired(&mut w, original, bytes, body, limit, salvage, side)?;
    w.flush()?;
    drop(w);
    // The removed bytes are durable before the original is replaced.
    side.sync()?;
    let meta = original.metadata()?;
    let current = fs::metadata(path)?;
    if (current.dev(), current.ino()) != (meta.dev(), meta.ino()) {
        return Err(RepairError::Changed);
    }
    tmp.as_file().set_permissions(meta.permissions())?;
    // Keeps the owner when root repairs someone else's file; harmless otherwise.
    let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(&dir)?.sync_all()?;
    Ok(counts)
}

#[allow(clippy::too_many_arguments)]
/// Writes the repaired cast: kept lines byte for byte, clamped lines with
/// their new time, everything else to the side file.
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
        clamped: 0,
        newline_added: false,
    };
    if l.bom {
        side.append(BOM)?;
    }
    w.raw_lines(&[&bytes[l.header.clone()], b"\n"].concat())?;
    // A quick scan has no chunks: the body before its tail is trusted.
    let quick_chunks;
    let chunks: &[Chunk] = if body.chunks.is_empty() {
        quick_chunks = [
            Chunk {
                range: l.body_start..body.keep_end,
                clock_in: Default::default(),
                edited: false,
            },
            Chunk {
                range: body.keep_end..l.body_end,
                clock_in: Default::default(),
                edited: true,
            },
        ];
        &quick_chunks
    } else {
        &body.chunks
    };
    // Runs of untouched chunks are copied in one go: the kernel copies one
    // large range several times faster than many 4 MiB ones.
    let mut untouched: Option<std::ops::Range<usize>> = None;
    for chunk in chunks {
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
            result = match body.checker.check(line, &mut clock, &mut |_| {}) {
                v if v.is_kept() && start < limit => w.raw_lines(full),
                Verdict::Clamp(t) if start < limit => {
                    counts.clamped += 1;
                    w.raw_lines(&clamped(line, t))
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
            match verdict {
                Verdict::Clamp(t) => {
                    counts.clamped += 1;
                    w.raw_lines(&clamped(partial, t))?;
                }
                _ => w.raw_lines(&[partial, b"\n"].concat())?,
            }
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
    Ok(counts)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn reopen_for_writing(path: &Path, original: &File) -> Result<File, RepairError> {
    let file = OpenOptions::new().write(true).open(path)?;
    let (a, b) = (original.metadata()?, file.metadata()?);
    if (a.dev(), a.ino()) != (b.dev(), b.ino()) || a.len() != b.len() {
        return Err(RepairError::Changed);
    }
    Ok(file)
}

/// The side file, opened (for appending) only when there is something to keep.
struct Side {
    path: PathBuf,
    disabled: bool,
    file: Option<File>,
    created: bool,
    written: u64,
}

impl Side {
    fn new(cast: &Path, disabled: bool) -> Self {
        Side {
            path: side_file_path(cast),
            disabled,
            file: None,
            created: false,
            written: 0,
        }
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.written += bytes.len() as u64;
        if self.disabled || bytes.is_empty() {
            return Ok(());
        }
        if self.file.is_none() {
            self.created = !self.path.exists();
            // Removed bytes are terminal contents: readable by the owner only.
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&self.path)?;
            self.file = Some(file);
        }
        self.file.as_mut().unwrap().write_all(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        if let Some(file) = &self.file {
            file.sync_all()?;
            if self.created {
                File::open(parent_dir(&self.path))?.sync_all()?;
                self.created = false;
            }
        }
        Ok(())
    }

    /// Makes the side file durable; its path if anything was written to it.
    fn finish(mut self) -> io::Result<Option<PathBuf>> {
        self.sync()?;
        Ok(self.file.is_some().then_some(self.path))
    }
}
