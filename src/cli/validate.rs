//! `tvmux validate`

use std::io::Write;
use std::path::PathBuf;

use tvmux::cast::{
    self, Checked, Compression, Mode, Scan, Severity, Source, Unreadable, ValidateRecord,
};

use super::exit;
use super::inputs::{self, Input};
use super::output::{self, Format};
use super::progress::Progress;

#[derive(clap::Args)]
pub struct Args {
    /// Check only the header and the tail, in time independent of the file's
    /// size (the default checks every line). A compressed cast (.cast.zst,
    /// .cast.gz) has no tail to seek to: it is checked in full, as it is
    /// decompressed.
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// Check every line (the default; kept for scripts that ask for it).
    #[arg(long)]
    full: bool,
    /// Accept a directory with no casts under it, or a pattern that matched
    /// nothing (otherwise an error: a mistyped CI path must not pass).
    #[arg(long)]
    allow_empty: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Print errors only: no warnings, no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
    /// Report at most N errors (and N warnings) per file; all are counted.
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_errors: usize,
    /// Cast files, directories (searched for *.cast, *.cast.zst, *.cast.gz), or - for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let mut out = std::io::BufWriter::new(super::stdout::out());
    let (mut valid, mut invalid, mut failed) = (0u64, 0u64, 0u64);
    let (mut errors, mut warnings) = (0u64, 0u64);
    let mut quick_used = false;
    for input in inputs::expand(&args.paths, inputs::Empty::unless_allowed(args.allow_empty)) {
        if super::stdout::failed() {
            break;
        }
        let (input, scan) = match input.and_then(|input| check(&input, &args).map(|s| (input, s))) {
            Ok(pair) => pair,
            Err((name, e)) => {
                failed += 1;
                let _ = print_failure(&mut out, &name, &e, &args);
                continue;
            }
        };
        quick_used |= scan.mode == Mode::Quick;
        let name = input.display();
        let ok = scan.is_valid() && !(args.strict && scan.findings.warnings > 0);
        if ok {
            valid += 1
        } else {
            invalid += 1
        }
        errors += scan.findings.errors;
        warnings += scan.findings.warnings;
        let _ = print(&mut out, &name, &scan, ok, &args);
    }
    if args.format == Format::Human && !args.quiet {
        let files = valid + invalid + failed;
        let how = if quick_used {
            " (quick: header and tail only)"
        } else {
            " in full"
        };
        let _ = writeln!(
            out,
            "{files} file{} checked{how}: {valid} valid, {invalid} invalid{}; {errors} error{}, {warnings} warning{}",
            plural(files),
            if failed > 0 {
                format!(", {failed} unreadable")
            } else {
                String::new()
            },
            plural(errors),
            plural(warnings),
        );
    }
    if failed > 0 {
        exit::ERROR
    } else if invalid > 0 {
        exit::INVALID
    } else {
        exit::OK
    }
}

fn check(input: &Input, args: &Args) -> Result<Scan, (String, std::io::Error)> {
    let name = input.display();
    // A pipe, or a compressed cast, is checked in full as it comes:
    // nothing spooled, memory bounded, whatever --quick says.
    let streamed = cast::Options {
        max_findings: args.max_errors,
        ..Default::default()
    };
    let source = match input {
        Input::Stdin => Source::stdin_if_file(),
        Input::File(path) => {
            let file = cast::open_regular(path, false).map_err(|e| (name.clone(), e))?;
            if let Some(compression) = Compression::of(&file).map_err(|e| (name.clone(), e))? {
                let decoder = compression.decoder(file).map_err(|e| (name.clone(), e))?;
                return cast::scan_stream(decoder, &streamed)
                    .map_err(|e| (name, compression.error(e)));
            }
            Source::from_file(&file, path).map(Some)
        }
    }
    .map_err(|e| (name.clone(), e))?;
    let Some(source) = source else {
        return cast::scan_stream(std::io::stdin().lock(), &streamed).map_err(|e| (name, e));
    };
    // Standard input is always checked in full: its tail is all we would see.
    let full = args.full || !args.quick || *input == Input::Stdin;
    let progress = Progress::for_file(if full { source.bytes().len() as u64 } else { 0 }, &name);
    let callback = progress.callback();
    let opts = cast::Options {
        mode: if full { Mode::Full } else { Mode::Quick },
        max_findings: args.max_errors,
        progress: callback.as_ref().map(|f| f as &(dyn Fn(u64) + Sync)),
        ..Default::default()
    };
    Ok(cast::scan(source.bytes(), &opts))
}

fn print(
    out: &mut impl Write,
    name: &str,
    scan: &Scan,
    ok: bool,
    args: &Args,
) -> std::io::Result<()> {
    let shown = scan
        .findings
        .list
        .iter()
        .filter(|f| !args.quiet || f.severity == Severity::Error);
    match args.format {
        Format::Human => {
            for f in shown {
                writeln!(out, "{}", output::human(name, f))?;
            }
            let hidden =
                (scan.findings.errors + scan.findings.warnings) as usize - scan.findings.list.len();
            if hidden > 0 && !args.quiet {
                writeln!(
                    out,
                    "{name}: {hidden} more finding{} not shown (--max-errors)",
                    plural(hidden as u64)
                )?;
            }
        }
        Format::Github => {
            for f in shown {
                writeln!(out, "{}", output::github(name, f))?;
            }
        }
        Format::Json => {
            let record = ValidateRecord::Checked(Checked {
                path: name.to_string(),
                valid: ok,
                version: scan.version.map(|v| v.number()),
                mode: scan.mode,
                lines: scan.lines,
                events: scan.events,
                errors: scan.findings.errors,
                warnings: scan.findings.warnings,
                findings: shown.cloned().collect(),
            });
            output::json_line(out, &record)?;
        }
    }
    Ok(())
}

/// The one result of an input that could not be read, in the chosen format.
fn print_failure(
    out: &mut impl Write,
    name: &str,
    e: &std::io::Error,
    args: &Args,
) -> std::io::Result<()> {
    match args.format {
        Format::Human => {
            out.flush()?;
            eprintln!("{name}: error: {e}");
            Ok(())
        }
        Format::Github => writeln!(out, "{}", output::github_failure(name, &e.to_string())),
        Format::Json => {
            let record = ValidateRecord::Unreadable(Unreadable {
                path: name.to_string(),
                valid: false,
                error: e.to_string(),
            });
            output::json_line(out, &record)
        }
    }
}

pub fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
