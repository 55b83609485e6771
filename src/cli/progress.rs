//! A progress bar for long checks, shown only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Files smaller than this finish before a bar would be worth drawing.
const MIN_SIZE: u64 = 256 << 20;

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn for_file(len: u64, label: &str) -> Progress {
        let bar = (len >= MIN_SIZE && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec})",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_message(label.to_string());
            bar
        });
        Progress { bar }
    }

    /// The callback the engine calls with bytes done.
    pub fn callback(&self) -> Option<impl Fn(u64) + Sync + '_> {
        self.bar
            .as_ref()
            .map(|bar| move |done: u64| bar.set_position(done))
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
