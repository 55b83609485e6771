//! tvmux: validate, repair and record asciinema casts.

pub mod cast;
pub mod config;
pub mod log;
pub mod record;
pub mod server;
pub mod tmux;
