//! The full check of a stream (standard input that is a pipe): read in
//! blocks, checked as they come, nothing spooled. It stops at once where
//! the first bytes already decide the verdict (they cannot begin a header);
//! memory holds one block and the line that is being read.
//!
//! The verdict is the one [`scan`](super::scan) gives the same bytes as a
//! file: the header is checked by the same code, the lines by the same
//! chunk check, the tail by the same tail check.

use std::io::{self, Read};

use super::full::Joined;
use super::tail::Tail;
use super::{Mode, Options, Scan, scan};
use crate::cast::finding::{Findings, Issue, Kind};
use crate::cast::header::{self, HEADER_MAX, Version};
use crate::cast::layout::{BOM, trailing_nul_len};

/// Checks the cast that `input` gives, every line.
pub fn scan_stream(mut input: impl Read, opts: &Options) -> io::Result<Scan> {
    let opts = Options {
        mode: Mode::Full,
        progress: None,
        ..*opts
    };
    // Bytes asked of the stream at a time.
    let block = opts.chunk_size.max(1);
    let mut buf = Vec::with_capacity(block);
    // The header line, or as much of it as decides the verdict.
    let header_end = loop {
        if let Some(i) = memchr::memchr(b'\n', &buf) {
            break i;
        }
        if let Some(stop) = refuse_early(&buf) {
            return Ok(stop);
        }
        if buf.len() > HEADER_MAX {
            // Not refused this far, it is a one-line v1 file (or blanks):
            // read whole, as the v1 branch below reads it.
            input.read_to_end(&mut buf)?;
            return Ok(scan(&buf, &opts));
        }
        if fill(&mut input, &mut buf, block)? == 0 {
            // All of it is here: the file's verdict.
            return Ok(scan(&buf, &opts));
        }
    };
    let head = scan(&buf[..=header_end], &opts);
    let Some(version) = head.version.filter(|_| head.body.is_some()) else {
        if head.version == Some(Version::V1) {
            // One JSON document (pretty-printed, it spans lines): read whole,
            // as every player reads it.
            input.read_to_end(&mut buf)?;
            return Ok(scan(&buf, &opts));
        }
        // The header decides: not a cast, or a header no player reads.
        return Ok(head);
    };
    debug_assert_ne!(version, Version::V1);
    let mut scan = head;
    let checker = scan.body.take().expect("a v2/v3 header has a body").checker;
    let mut joined = Joined::new(2, 0, checker, opts.max_findings);
    // `buf` holds the lines from `base` on; `nuls` more NUL bytes follow them
    // unheld (a NUL run that may be the end of the file costs no memory).
    let mut base = header_end as u64 + 1;
    buf.drain(..=header_end);
    let mut nuls: u64 = 0;
    // `buf[..unseen]` holds no newline (a long line is searched once).
    let mut unseen = 0;
    loop {
        if let Some(last) = memchr::memrchr(b'\n', &buf[unseen..]).map(|i| unseen + i) {
            let mut found = Findings::new(opts.max_findings);
            joined.check(&buf, 0..last + 1, &mut found);
            for f in &mut found.list {
                f.offset += base;
            }
            scan.findings.extend(found);
            buf.drain(..=last);
            base += last as u64 + 1;
        }
        let held = buf.len();
        unseen = held;
        if fill(&mut input, &mut buf, block)? == 0 {
            break;
        }
        if nuls > 0 && trailing_nul_len(&buf[held..]) < buf.len() - held {
            // Something follows the NULs: they belong to a line after all.
            let rest = buf.split_off(held);
            buf.resize(held + nuls as usize, 0);
            buf.extend_from_slice(&rest);
            nuls = 0;
            unseen = held;
        }
        let run = trailing_nul_len(&buf);
        if run > block {
            nuls += run as u64;
            buf.truncate(buf.len() - run);
            unseen = unseen.min(buf.len());
        }
    }
    let run = trailing_nul_len(&buf);
    let tail = Tail {
        line: &buf[..buf.len() - run],
        start: base,
        nuls: nuls + run as u64,
        bare_header: None,
    };
    joined.finish(&tail, &mut scan);
    scan.findings.sort();
    Ok(scan)
}

/// Whether the first bytes of a stream (its first line so far, no newline
/// yet) already make it no cast whatever follows: a spool can stop there.
pub(crate) fn first_line_refused(first: &[u8]) -> bool {
    refuse_early(first).is_some()
}

/// The verdict when the first bytes of the first line already decide it,
/// whatever follows: NUL bytes (no header begins so), a header line past
/// [`HEADER_MAX`], or a beginning no JSON header object has. Past
/// [`HEADER_MAX`] bytes, `None` means a one-line v1 file (or blanks).
fn refuse_early(first: &[u8]) -> Option<Scan> {
    let line = first.strip_prefix(BOM).unwrap_or(first);
    let waiting = line.trim_ascii_start().is_empty() || BOM.starts_with(first);
    let issue = if first.first() == Some(&0) {
        Issue::error(
            0,
            Kind::NotACast,
            "not an asciicast file: it begins with NUL bytes",
        )
    } else if waiting {
        // Nothing yet that a header could not begin with.
        return None;
    } else if header::over_limit(line) {
        header::too_large(None)
    } else {
        // A piece of JSON fails where the whole would (or wants more).
        match header::sniff(&line[..line.len().min(HEADER_MAX)]) {
            Err(issue) => issue,
            Ok(_) => return None,
        }
    };
    let start = (first.len() - line.len()) as u64;
    let mut findings = Findings::new(1);
    findings.push(issue.locate(&line[..line.len().min(HEADER_MAX)], Some(1), start));
    Some(Scan {
        mode: Mode::Full,
        version: None,
        header: None,
        findings,
        lines: None,
        events: None,
        body: None,
    })
}

/// Reads what `input` gives next onto the end of `buf`: a block, or what
/// is left before the end (0: the end).
fn fill(input: &mut impl Read, buf: &mut Vec<u8>, block: usize) -> io::Result<usize> {
    // A pipe gives 64 KiB a read; a block of them costs one check.
    input.take(block as u64).read_to_end(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(s: &Scan) -> String {
        let findings: Vec<String> = s
            .findings
            .list
            .iter()
            .map(|f| {
                format!(
                    "{:?}:{}:{}:{:?}:{}",
                    f.line, f.column, f.offset, f.kind, f.message
                )
            })
            .collect();
        format!(
            "{:?} {:?} {:?} {}/{} {findings:#?}",
            s.version, s.lines, s.events, s.findings.errors, s.findings.warnings
        )
    }

    /// The stream's verdict is the file's, whatever the block size: on
    /// every test cast and on ends that cross blocks (NUL runs, torn lines).
    #[test]
    fn a_stream_gets_the_verdict_a_file_gets() {
        let mut casts: Vec<Vec<u8>> = Vec::new();
        for dir in ["testdata/valid", "testdata/damaged", "testdata/refused"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if entry.path().extension().is_some_and(|e| e == "cast") {
                    casts.push(std::fs::read(entry.path()).unwrap());
                }
            }
        }
        assert!(casts.len() > 20, "the test casts are there");
        let h = b"{\"version\": 2, \"width\": 80, \"height\": 24}\n".to_vec();
        let ev = b"[0.5, \"o\", \"abc\"]\n".to_vec();
        let nuls = vec![0u8; 300];
        casts.extend([
            [&h[..], &ev, &nuls].concat(),
            [&h[..], &ev, &nuls, b"\n", &ev].concat(),
            [&h[..], &ev, &nuls, b"x"].concat(),
            [&h[..], &ev, b"[0.4, \"o\", \"tor"].concat(),
            [&h[..], &ev, b"[0.4, \"o\", \"b\"]"].concat(),
            [&h[..], b"\r\n", &ev].concat(),
            h[..h.len() - 1].to_vec(),
            h.clone(),
            b"\xEF\xBB\xBF"
                .iter()
                .chain(&h)
                .chain(&ev)
                .copied()
                .collect(),
            b"{\"version\": 1, \"width\": 80, \"height\": 24,\n \"stdout\": [[0.1, \"a\"]]}\n"
                .to_vec(),
            b"   \n".to_vec(),
            vec![0; 50],
            [&nuls[..], &h, &ev].concat(),
            Vec::new(),
        ]);
        for (i, cast) in casts.iter().enumerate() {
            let file = scan(
                cast,
                &Options {
                    max_findings: 100,
                    ..Options::default()
                },
            );
            for block in [1, 7, 64, 4096, 4 << 20] {
                let opts = Options {
                    max_findings: 100,
                    chunk_size: block,
                    ..Options::default()
                };
                let stream = scan_stream(&cast[..], &opts).unwrap();
                assert_eq!(summary(&stream), summary(&file), "cast {i}, block {block}");
            }
        }
    }
}
