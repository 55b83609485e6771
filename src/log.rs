//! The server's log: lines on stderr, which the daemon sends to its log file.

use std::sync::atomic::{AtomicU8, Ordering};

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

/// Logs at warning level.
pub fn warn(message: &str) {
    write(1, message);
}

fn write(level: u8, message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= level {
        eprintln!(
            "{} tvmux server: {message}",
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
        );
    }
}
