//! Recording tmux windows through tmux control mode.

pub mod control;
pub mod frame;
pub mod geometry;
pub mod naming;
pub mod pen;
pub mod session;
pub mod status;
