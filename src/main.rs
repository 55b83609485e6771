//! The `tvmux` command: a thin shell over the library.

mod cli;

fn main() -> std::process::ExitCode {
    // Casts are memory-mapped: a file shrunk by another process must end in
    // a message, not a silent SIGBUS.
    tvmux::cast::guard_sigbus();
    cli::run()
}
