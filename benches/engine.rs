//! Criterion benchmarks of the engine's hot paths: the event-line checker,
//! the full parallel check and the quick check of an in-memory cast.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tvmux::cast::testing::{parse_event, parse_event_at};
use tvmux::cast::{CastWriter, FlushPolicy, Header, Mode, Options, Version, scan};

const LINES: &[&str] = &[
    r#"[0.248848, "o", "\u001b[1;31mHello \u001b[32mWorld!\u001b[0m\r\n"]"#,
    r#"[12.345678, "o", "drwxr-xr-x  2 root root 4096 Nov 24 18:11 src\r\n"]"#,
    "[1234.500000, \"o\", \"caf\u{e9} \u{20ac} \u{2502}\u{2500}\u{2500} \u{2713} done\\r\\n\"]",
];

/// A v2 cast of about `mib` MiB of terminal-like output.
fn cast(mib: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(mib << 20);
    let mut w = CastWriter::create(
        &mut out,
        &Header::new(Version::V2, 120, 40),
        FlushPolicy::default(),
    )
    .unwrap();
    let mut t = 0.0;
    let mut i = 0;
    loop {
        t += 0.0123;
        let text = [
            "\x1b[1;32m\u{2713}\x1b[0m build ok\r\n",
            "ls -la src tests benches\r\n",
            "caf\u{e9} \u{20ac} 42\r\n",
        ][i % 3];
        w.output(t, text.as_bytes()).unwrap();
        i += 1;
        if i % 1024 == 0 && w.sink_mut().len() >= mib << 20 {
            break;
        }
    }
    w.finish(t).unwrap();
    out
}

fn line_checker(c: &mut Criterion) {
    let mut g = c.benchmark_group("line_checker");
    for (i, line) in LINES.iter().enumerate() {
        g.throughput(Throughput::Bytes(line.len() as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(i),
            line.as_bytes(),
            |b, line| b.iter(|| parse_event(black_box(line)).is_ok()),
        );
    }
    g.finish();
    // The full check's fast path on the same lines, as it meets them: in
    // place, followed by the next line (its blocks load 64 bytes).
    let mut g = c.benchmark_group("fast_path");
    for (i, line) in LINES.iter().enumerate() {
        let chunk = format!("{line}\n{}", " ".repeat(64));
        g.throughput(Throughput::Bytes(line.len() as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(i),
            chunk.as_bytes(),
            |b, chunk| b.iter(|| parse_event_at(black_box(chunk)).is_some()),
        );
    }
    g.finish();
}

fn checks(c: &mut Criterion) {
    let bytes = cast(64);
    let mut g = c.benchmark_group("scan_64MiB");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(10);
    for mode in [Mode::Full, Mode::Quick] {
        g.bench_function(format!("{mode:?}"), |b| {
            b.iter(|| {
                scan(
                    black_box(&bytes),
                    &Options {
                        mode,
                        ..Default::default()
                    },
                )
                .is_valid()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, line_checker, checks);
criterion_main!(benches);
