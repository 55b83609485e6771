//! `tvmux repair`

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use tvmux::cast::{self, RepairError, RepairMode, RepairOptions, Severity};
use tvmux::cast::{Action, RepairFailed, RepairRecord, Repaired, Report};

use super::exit;
use super::inputs::{self, Input};
use super::output;
use super::progress::Progress;
use super::validate::plural;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Check and fix only header and tail, in time independent of file size.
    #[arg(long)]
    quick: bool,
    #[arg(long, value_enum, default_value_t = RepairMode::Auto)]
    mode: RepairMode,
    /// Keep the text of a torn final output/input event by closing it.
    #[arg(long)]
    salvage_partial: bool,
    /// Report what would change; change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Do not keep removed bytes in NAME.removed.
    #[arg(long)]
    no_side_file: bool,
    /// Repair even a file locked by a live recording.
    #[arg(long)]
    force: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Show at most N of the problems found per file.
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_errors: usize,
    /// Accept a directory with no casts under it, or a pattern that matched nothing.
    #[arg(long)]
    allow_empty: bool,
    /// Cast files, or directories searched for *.cast.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let mut out = std::io::BufWriter::new(super::stdout::out());
    let mut code = exit::OK;
    for input in inputs::expand(&args.paths, inputs::Empty::unless_allowed(args.allow_empty)) {
        let path = match input {
            Ok(Input::File(path)) => path,
            Ok(Input::Stdin) => {
                let e = "repair works on files, not standard input";
                let _ = print_failure(&mut out, "-", e, args.format);
                code = code.max(exit::ERROR);
                continue;
            }
            Err((name, e)) => {
                let _ = print_failure(&mut out, &name, &e.to_string(), args.format);
                code = code.max(exit::ERROR);
                continue;
            }
        };
        let name = path.display().to_string();
        let len = path.metadata().map_or(0, |m| m.len());
        let progress = Progress::for_file(if args.quick { 0 } else { len }, &name);
        let callback = progress.callback();
        let opts = RepairOptions {
            quick: args.quick,
            mode: args.mode,
            salvage_partial: args.salvage_partial,
            dry_run: args.dry_run,
            no_side_file: args.no_side_file,
            force: args.force,
            max_findings: args.max_errors,
            progress: callback.as_ref().map(|f| f as &(dyn Fn(u64) + Sync)),
        };
        let result = cast::repair_path(&path, &opts);
        drop(callback);
        drop(progress);
        code = code.max(match &result {
            Ok(_) => exit::OK,
            Err(e) if e.is_refusal() => exit::INVALID,
            Err(_) => exit::ERROR,
        });
        let _ = match args.format {
            Format::Human => print_human(&mut out, &name, &path, &result),
            Format::Json => print_json(&mut out, &name, &result),
        };
    }
    code
}

fn print_human(
    out: &mut impl Write,
    name: &str,
    path: &Path,
    result: &Result<Report, RepairError>,
) -> std::io::Result<()> {
    let report = match result {
        Ok(report) => report,
        Err(e) if e.is_refusal() => return writeln!(out, "{name}: refused: {e}; not touched"),
        Err(e) => return writeln!(out, "{name}: error: {e}"),
    };
    let name = &match &report.target {
        Some(target) => format!("{name} (link to {})", target.display()),
        None => name.to_string(),
    };
    let verb = |done: &'static str, would: &'static str| if report.dry_run { would } else { done };
    let mut what = Vec::new();
    if report.dropped_lines > 0 {
        what.push(format!(
            "dropped {} line{}",
            report.dropped_lines,
            plural(report.dropped_lines)
        ));
    }
    if report.fixed_lines > 0 {
        what.push(format!(
            "fixed {} line{} so every player reads {}",
            report.fixed_lines,
            plural(report.fixed_lines),
            if report.fixed_lines == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    if report.nul_bytes > 0 {
        what.push(format!(
            "cut {} NUL byte{}",
            report.nul_bytes,
            plural(report.nul_bytes)
        ));
    }
    if report.salvaged {
        what.push("salvaged the torn last event".into());
    }
    if report.newline_added {
        what.push("added the final newline".into());
    }
    if report.bom_removed {
        what.push("removed the byte order mark".into());
    }
    let how = match report.action {
        Action::None => return writeln!(out, "{name}: valid, not touched"),
        Action::Truncate { .. } if report.removed_bytes == 0 => {
            verb("fixed in place", "would fix in place").to_string()
        }
        Action::Truncate { at, .. } => {
            format!("{} in place at byte {at}", verb("cut", "would cut"))
        }
        Action::Rewrite => verb("rewritten", "would rewrite").to_string(),
    };
    let kept = match &report.side_file {
        Some(side) => format!(
            "; {} removed byte{} kept in {}",
            report.removed_bytes,
            plural(report.removed_bytes),
            side.display()
        ),
        None if report.removed_bytes > 0 && !report.dry_run => {
            format!(
                "; {} byte{} removed (no side file)",
                report.removed_bytes,
                plural(report.removed_bytes)
            )
        }
        None if report.removed_bytes > 0 => format!(
            "; {} byte{} would go to {}",
            report.removed_bytes,
            plural(report.removed_bytes),
            cast::side_file_path(path).display()
        ),
        None => String::new(),
    };
    let others = match report.other_names_unchanged {
        0 => String::new(),
        n => format!(
            "; its {n} other name{} (hard link{}) keep the old content",
            plural(n),
            plural(n)
        ),
    };
    writeln!(out, "{name}: {how}: {}{kept}{others}", what.join(", "))?;
    for f in report
        .findings
        .list
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        writeln!(out, "  {}", output::human(name, f))?;
    }
    Ok(())
}

/// The one result of an input that could not be read, in the chosen format.
fn print_failure(
    out: &mut impl Write,
    name: &str,
    error: &str,
    format: Format,
) -> std::io::Result<()> {
    match format {
        Format::Human => {
            out.flush()?;
            eprintln!("{name}: error: {error}");
            Ok(())
        }
        Format::Json => {
            let record = RepairRecord::Failed(RepairFailed {
                path: name.to_string(),
                refused: false,
                error: error.to_string(),
            });
            output::json_line(out, &record)
        }
    }
}

fn print_json(
    out: &mut impl Write,
    name: &str,
    result: &Result<Report, RepairError>,
) -> std::io::Result<()> {
    let record = match result {
        Ok(report) => RepairRecord::Repaired(Repaired {
            path: name.to_string(),
            report: report.clone(),
            errors: report.findings.errors,
            findings: report.findings.list.clone(),
        }),
        Err(e) => RepairRecord::Failed(RepairFailed {
            path: name.to_string(),
            refused: e.is_refusal(),
            error: e.to_string(),
        }),
    };
    output::json_line(out, &record)
}
