//! The server's log: lines on stderr, which the daemon sends to its log file.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use anyhow::bail;

/// The least severe level logged: 0 error, 1 warn, 2 info, 3 debug.
pub static LEVEL: AtomicU8 = AtomicU8::new(2);

/// Parses `logging.level`.
pub fn level(name: &str) -> anyhow::Result<u8> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "error" => 0,
        "warn" | "warning" => 1,
        "info" => 2,
        "debug" => 3,
        other => bail!("logging.level must be error, warn, info or debug, not {other:?}"),
    })
}

/// Logs at info level.
pub fn info(message: &str) {
    write(2, message);
}

/// Logs at debug level.
pub fn debug(message: &str) {
    write(3, message);
}

/// Logs at warning level.
pub fn warn(message: &str) {
    write(1, message);
}

/// Log lines that could not be written (a full disk under the log file),
/// and the last reason.
static LOST: AtomicU64 = AtomicU64::new(0);
static LOST_WHY: Mutex<String> = Mutex::new(String::new());

/// Writes a line to stderr; a failed write is counted, never a panic
/// (`eprintln!` panics), so the server keeps recording on a full disk.
fn write(level: u8, message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= level {
        let line = format!(
            "{} tvmux server: {message}\n",
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
        );
        if let Err(e) = std::io::stderr().lock().write_all(line.as_bytes()) {
            LOST.fetch_add(1, Ordering::Relaxed);
            *LOST_WHY.lock().unwrap() = e.to_string();
        }
    }
}

/// What the log could not write, if anything.
pub fn lost() -> Option<String> {
    let lost = LOST.load(Ordering::Relaxed);
    (lost > 0).then(|| {
        format!(
            "{lost} log line{} could not be written: {}",
            if lost == 1 { "" } else { "s" },
            LOST_WHY.lock().unwrap()
        )
    })
}
