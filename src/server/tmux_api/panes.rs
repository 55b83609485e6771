//! `/panes`: list, get, split, kill, select, resize, send keys, capture.

use std::path::PathBuf;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use serde::Deserialize;

use super::{Created, Reply, Server, body, create, created, one};
use crate::server::error::ApiError;
use crate::server::tmux::{Captured, Killed, PANE_FIELDS, Pane, Sent, Tmux, parse_pane, target_id};

/// `?socket=PATH&window=@N`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaneFilter {
    /// The tmux server's socket (default: the server's `$TMUX`, else the
    /// user's default socket).
    #[param(value_type = Option<String>)]
    socket: Option<PathBuf>,
    /// Only this window's panes (`@N`).
    window: Option<String>,
}

#[utoipa::path(get, path = "/panes", tag = "panes", params(PaneFilter),
    responses((status = 200, body = Vec<Pane>, description = "Every pane, or one window's")))]
pub async fn list_panes(Query(q): Query<PaneFilter>) -> Reply<Vec<Pane>> {
    let t = Tmux::new(q.socket.as_deref());
    let panes = match q.window {
        Some(w) => {
            let w = target_id(&w, '@', "window")?;
            t.list(&["list-panes", "-t", &w], PANE_FIELDS, parse_pane)
                .await?
        }
        None => {
            t.list(&["list-panes", "-a"], PANE_FIELDS, parse_pane)
                .await?
        }
    };
    Ok(Json(panes))
}

#[utoipa::path(get, path = "/panes/{id}", tag = "panes",
    params(("id" = String, Path, description = "%N or N"), Server),
    responses((status = 200, body = Pane, description = "One pane")))]
pub async fn get_pane(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Pane> {
    let id = target_id(&id, '%', "pane")?;
    one(&s.tmux(), &id, PANE_FIELDS, parse_pane).await
}

#[derive(Deserialize, Clone, Copy, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Side by side.
    Horizontal,
    /// One above the other.
    Vertical,
}

/// How to split a pane.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Split {
    direction: Direction,
    /// `N` cells or `N%` of the pane.
    size: Option<String>,
    /// The new pane's command and its arguments (default: the user's shell).
    #[serde(default)]
    command: Vec<String>,
}

#[utoipa::path(post, path = "/panes/{id}/split", tag = "panes",
    params(("id" = String, Path, description = "%N or N"), Server), request_body = Split,
    responses((status = 201, body = Pane, description = "The new pane")))]
pub async fn split_pane(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Split>, JsonRejection>,
) -> Created<Pane> {
    let id = target_id(&id, '%', "pane")?;
    let req = body(b)?;
    let t = s.tmux();
    let flag = match req.direction {
        Direction::Horizontal => "-h",
        Direction::Vertical => "-v",
    };
    let mut args: Vec<String> = [
        "split-window",
        "-d",
        "-P",
        "-F",
        "#{pane_id}",
        flag,
        "-t",
        &id,
    ]
    .map(String::from)
    .to_vec();
    if let Some(size) = req.size {
        let number = size.strip_suffix('%').unwrap_or(&size);
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::new(
                400,
                format!("size must be N or N%, not {size:?}"),
            ));
        }
        args.extend(["-l".into(), size]);
    }
    let new = create(&t, args, req.command).await?;
    created(one(&t, &new, PANE_FIELDS, parse_pane).await)
}

#[utoipa::path(delete, path = "/panes/{id}", tag = "panes",
    params(("id" = String, Path, description = "%N or N"), Server),
    responses((status = 200, body = Killed, description = "The pane killed")))]
pub async fn kill_pane(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Killed> {
    let id = target_id(&id, '%', "pane")?;
    s.tmux().run(&["kill-pane", "-t", &id]).await?;
    Ok(Json(Killed { killed: id }))
}

#[utoipa::path(post, path = "/panes/{id}/select", tag = "panes",
    params(("id" = String, Path, description = "%N or N"), Server),
    responses((status = 200, body = Pane, description = "The pane, now active in its window")))]
pub async fn select_pane(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Pane> {
    let id = target_id(&id, '%', "pane")?;
    let t = s.tmux();
    t.run(&["select-pane", "-t", &id]).await?;
    one(&t, &id, PANE_FIELDS, parse_pane).await
}

/// Which way to move a pane's edge, and how far.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resize {
    /// U, D, L or R.
    direction: String,
    /// Cells (default 1).
    #[serde(default = "one_cell")]
    amount: u32,
}

fn one_cell() -> u32 {
    1
}

#[utoipa::path(post, path = "/panes/{id}/resize", tag = "panes",
    params(("id" = String, Path, description = "%N or N"), Server), request_body = Resize,
    responses((status = 200, body = Pane, description = "The pane resized")))]
pub async fn resize_pane(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Resize>, JsonRejection>,
) -> Reply<Pane> {
    let id = target_id(&id, '%', "pane")?;
    let req = body(b)?;
    let flag = match req.direction.as_str() {
        "U" => "-U",
        "D" => "-D",
        "L" => "-L",
        "R" => "-R",
        other => {
            return Err(ApiError::new(
                400,
                format!("direction must be U, D, L or R, not {other:?}"),
            ));
        }
    };
    let t = s.tmux();
    t.run(&["resize-pane", "-t", &id, flag, &req.amount.to_string()])
        .await?;
    one(&t, &id, PANE_FIELDS, parse_pane).await
}

/// Keys to send to a pane.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    keys: String,
    /// Type `keys` as text (default); false: space-separated key names (`C-c Up`).
    #[serde(default = "yes")]
    literal: bool,
    /// Press Enter after them.
    #[serde(default)]
    enter: bool,
}

fn yes() -> bool {
    true
}

#[utoipa::path(post, path = "/panes/{id}/send-keys", tag = "panes",
    params(("id" = String, Path, description = "%N or N"), Server), request_body = Keys,
    responses((status = 200, body = Sent, description = "The keys sent")))]
pub async fn send_keys(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Keys>, JsonRejection>,
) -> Reply<Sent> {
    let id = target_id(&id, '%', "pane")?;
    let req = body(b)?;
    let t = s.tmux();
    if !req.keys.is_empty() {
        let mut args = vec!["send-keys", "-t", &id];
        if req.literal {
            args.extend(["-l", "--", &req.keys]);
        } else {
            args.push("--");
            args.extend(req.keys.split_whitespace());
        }
        t.run(&args).await?;
    }
    if req.enter {
        t.run(&["send-keys", "-t", &id, "Enter"]).await?;
    }
    Ok(Json(Sent { sent: id }))
}

/// `?socket=PATH&start=N&end=N&escapes=true`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Capture {
    /// The tmux server's socket (default: the server's `$TMUX`, else the
    /// user's default socket).
    #[param(value_type = Option<String>)]
    socket: Option<PathBuf>,
    /// First line (negative: history; default: the top of the screen).
    start: Option<i64>,
    /// Last line (default: the bottom of the screen).
    end: Option<i64>,
    /// Keep colours and attributes as escape sequences.
    #[serde(default)]
    escapes: bool,
}

#[utoipa::path(get, path = "/panes/{id}/capture", tag = "panes",
    params(("id" = String, Path, description = "%N or N"), Capture),
    responses((status = 200, body = Captured, description = "The pane's lines")))]
pub async fn capture_pane(Path(id): Path<String>, Query(q): Query<Capture>) -> Reply<Captured> {
    let id = target_id(&id, '%', "pane")?;
    let t = Tmux::new(q.socket.as_deref());
    let (start, end) = (q.start.map(|n| n.to_string()), q.end.map(|n| n.to_string()));
    let mut args = vec!["capture-pane", "-p", "-t", &id];
    if q.escapes {
        args.push("-e");
    }
    if let Some(start) = &start {
        args.extend(["-S", start]);
    }
    if let Some(end) = &end {
        args.extend(["-E", end]);
    }
    let text = t.run(&args).await?;
    let lines = text.lines().map(String::from).collect();
    Ok(Json(Captured { pane: id, lines }))
}
