//! The baseline for benchmarks: a naive single-threaded check that reads a
//! cast line by line and parses each event with serde_json.
//! `cargo run --release --example naive_check -- FILE`

use std::io::{BufRead, BufReader};

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("open"));
    let (mut ok, mut bad) = (0u64, 0u64);
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.expect("read");
        if i == 0 {
            continue;
        }
        match serde_json::from_slice::<(f64, String, String)>(&line) {
            Ok(_) => ok += 1,
            Err(_) => bad += 1,
        }
    }
    println!("{ok} valid events, {bad} invalid lines");
    std::process::exit(i32::from(bad > 0));
}
