//! tvmux: validate, repair and record asciinema casts.

pub mod cast;
