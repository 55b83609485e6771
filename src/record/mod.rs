//! Recording tmux windows through tmux control mode.

pub mod copy;
pub mod frame;
pub mod geometry;
pub mod naming;
pub mod pen;
mod query;
pub mod session;
pub mod status;
pub mod tty_stream;
pub mod window_recording;
pub mod window_view;
