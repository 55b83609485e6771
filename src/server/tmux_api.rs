//! The tmux control API: sessions, windows and panes over HTTP + JSON.
//! Every endpoint takes `?socket=PATH` to name a tmux server (default: the
//! user's default tmux socket).

use std::path::PathBuf;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::tmux::{
    PANE_FIELDS, SESSION_FIELDS, Tmux, WINDOW_FIELDS, parse_pane, parse_session, parse_window,
    target_id,
};

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/sessions", get(list_sessions).post(create_session))
        .route("/sessions/{id}", get(get_session).delete(kill_session))
        .route("/sessions/{id}/rename", post(rename_session))
        .route("/sessions/{id}/attach", get(attach_session))
        .route("/sessions/{id}/detach", post(detach_session))
        .route("/sessions/{id}/windows", get(session_windows))
        .route("/windows", get(list_windows).post(create_window))
        .route("/windows/{id}", get(get_window).delete(kill_window))
        .route("/windows/{id}/rename", post(rename_window))
        .route("/windows/{id}/select", post(select_window))
        .route("/windows/{id}/link", post(link_window))
        .route("/windows/{id}/unlink", post(unlink_window))
        .route("/windows/{id}/panes", get(window_panes))
        .route("/panes", get(list_panes))
        .route("/panes/{id}", get(get_pane).delete(kill_pane))
        .route("/panes/{id}/split", post(split_pane))
        .route("/panes/{id}/select", post(select_pane))
        .route("/panes/{id}/resize", post(resize_pane))
        .route("/panes/{id}/send-keys", post(send_keys))
        .route("/panes/{id}/capture", get(capture_pane))
}

#[derive(Deserialize)]
struct Server {
    socket: Option<PathBuf>,
}

impl Server {
    fn tmux(&self) -> Tmux {
        Tmux::new(self.socket.as_deref())
    }
}

type Reply = Result<Json<Value>, ApiError>;

/// A JSON body, with serde's message (naming the field) as a 422.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::new(422, e.body_text()))
}

fn format(fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| format!("#{{{f}}}"))
        .collect::<Vec<_>>()
        .join("\t")
}

/// One object by target, through `display-message -p -t TARGET FORMAT`.
async fn one<T: serde::Serialize>(
    t: &Tmux,
    target: &str,
    fields: &[&str],
    parse: fn(&[&str]) -> Option<T>,
) -> Reply {
    let text = t
        .run(&["display-message", "-p", "-t", target, &format(fields)])
        .await?;
    let line = text.lines().next().unwrap_or_default();
    let parts: Vec<&str> = line.splitn(fields.len(), '\t').collect();
    // tmux answers a display for a pane or window that is gone with empty fields.
    if parts.first().is_none_or(|id| id.is_empty()) {
        return Err(ApiError::new(404, format!("tmux: can't find {target}")));
    }
    let value = parse(&parts)
        .ok_or_else(|| ApiError::new(502, format!("unexpected reply from tmux: {line:?}")))?;
    Ok(Json(json!(value)))
}

fn created(r: Reply) -> Result<impl IntoResponse, ApiError> {
    r.map(|v| (StatusCode::CREATED, v))
}

/// Runs a tmux command that creates something and prints its id (`-P -F`),
/// with `command` (if any) as the new pane's argument vector.
async fn create(t: &Tmux, mut args: Vec<String>, command: Vec<String>) -> Result<String, ApiError> {
    if !command.is_empty() {
        args.push("--".into());
        args.extend(command);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    Ok(t.run(&argv).await?.trim().to_string())
}

/// Sessions are found by id only: `$N` in the path (or N).
async fn session_exists(t: &Tmux, id: &str) -> Result<(), ApiError> {
    Ok(t.run(&["has-session", "-t", id]).await.map(|_| ())?)
}

// ---------------------------------------------------------------- sessions

async fn list_sessions(Query(s): Query<Server>) -> Reply {
    Ok(Json(json!(
        s.tmux()
            .list(&["list-sessions"], SESSION_FIELDS, parse_session)
            .await?
    )))
}

async fn get_session(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &id).await?;
    one(&t, &id, SESSION_FIELDS, parse_session).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSession {
    name: Option<String>,
    window_name: Option<String>,
    /// The command and its arguments (default: the user's shell).
    #[serde(default)]
    command: Vec<String>,
    /// Size as `COLSxROWS`.
    size: Option<String>,
}

async fn create_session(
    Query(s): Query<Server>,
    b: Result<Json<NewSession>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let req = body(b)?;
    let t = s.tmux();
    let mut args: Vec<String> = vec![
        "new-session".into(),
        "-d".into(),
        "-P".into(),
        "-F".into(),
        "#{session_id}".into(),
    ];
    if let Some(name) = req.name {
        args.extend(["-s".into(), name]);
    }
    if let Some(name) = req.window_name {
        args.extend(["-n".into(), name]);
    }
    if let Some(size) = req.size {
        let size = crate::cast::Size::parse(&size)
            .ok_or_else(|| ApiError::new(400, format!("size must be COLSxROWS, not {size:?}")))?;
        args.extend([
            "-x".into(),
            size.cols.to_string(),
            "-y".into(),
            size.rows.to_string(),
        ]);
    }
    let id = create(&t, args, req.command).await?;
    created(one(&t, &id, SESSION_FIELDS, parse_session).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Name {
    name: String,
}

async fn rename_session(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Name>, JsonRejection>,
) -> Reply {
    let id = target_id(&id, '$', "session")?;
    let req = body(b)?;
    let t = s.tmux();
    t.run(&["rename-session", "-t", &id, "--", &req.name])
        .await?;
    one(&t, &id, SESSION_FIELDS, parse_session).await
}

async fn kill_session(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '$', "session")?;
    s.tmux().run(&["kill-session", "-t", &id]).await?;
    Ok(Json(json!({ "killed": id })))
}

async fn attach_session(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &id).await?;
    Ok(Json(
        json!({ "command": ["tmux", "-S", t.socket, "attach-session", "-t", id] }),
    ))
}

async fn detach_session(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &id).await?;
    // No client attached is not an error: nothing to detach.
    let _ = t.run(&["detach-client", "-s", &id]).await;
    Ok(Json(json!({ "detached": id })))
}

async fn session_windows(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &id).await?;
    Ok(Json(json!(
        t.list(&["list-windows", "-t", &id], WINDOW_FIELDS, parse_window)
            .await?
    )))
}

// ----------------------------------------------------------------- windows

async fn list_windows(Query(s): Query<Server>) -> Reply {
    Ok(Json(json!(
        s.tmux()
            .list(&["list-windows", "-a"], WINDOW_FIELDS, parse_window)
            .await?
    )))
}

async fn get_window(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '@', "window")?;
    one(&s.tmux(), &id, WINDOW_FIELDS, parse_window).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewWindow {
    /// The session to create it in (`$N`); default: the most recent one.
    session: Option<String>,
    name: Option<String>,
    #[serde(default)]
    command: Vec<String>,
}

async fn create_window(
    Query(s): Query<Server>,
    b: Result<Json<NewWindow>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let req = body(b)?;
    let t = s.tmux();
    let mut args: Vec<String> = vec![
        "new-window".into(),
        "-d".into(),
        "-P".into(),
        "-F".into(),
        "#{window_id}".into(),
    ];
    if let Some(session) = req.session {
        let session = target_id(&session, '$', "session")?;
        session_exists(&t, &session).await?;
        args.extend(["-t".into(), format!("{session}:")]);
    }
    if let Some(name) = req.name {
        args.extend(["-n".into(), name]);
    }
    let id = create(&t, args, req.command).await?;
    created(one(&t, &id, WINDOW_FIELDS, parse_window).await)
}

async fn rename_window(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Name>, JsonRejection>,
) -> Reply {
    let id = target_id(&id, '@', "window")?;
    let req = body(b)?;
    let t = s.tmux();
    t.run(&["rename-window", "-t", &id, "--", &req.name])
        .await?;
    one(&t, &id, WINDOW_FIELDS, parse_window).await
}

async fn kill_window(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '@', "window")?;
    s.tmux().run(&["kill-window", "-t", &id]).await?;
    Ok(Json(json!({ "killed": id })))
}

async fn select_window(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '@', "window")?;
    let t = s.tmux();
    t.run(&["select-window", "-t", &id]).await?;
    one(&t, &id, WINDOW_FIELDS, parse_window).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Link {
    session: String,
    index: Option<u32>,
}

async fn link_window(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Link>, JsonRejection>,
) -> Reply {
    let id = target_id(&id, '@', "window")?;
    let req = body(b)?;
    let session = target_id(&req.session, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &session).await?;
    let dest = match req.index {
        Some(i) => format!("{session}:{i}"),
        None => format!("{session}:"),
    };
    t.run(&["link-window", "-d", "-s", &id, "-t", &dest])
        .await?;
    Ok(Json(json!({ "linked": id, "session": session })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Unlink {
    /// The session to unlink it from; default: the one tmux resolves.
    session: Option<String>,
}

async fn unlink_window(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Unlink>, JsonRejection>,
) -> Reply {
    let id = target_id(&id, '@', "window")?;
    let req = body(b).unwrap_or_default();
    let target = match req.session {
        Some(session) => format!("{}:{id}", target_id(&session, '$', "session")?),
        None => id.clone(),
    };
    s.tmux().run(&["unlink-window", "-t", &target]).await?;
    Ok(Json(json!({ "unlinked": id })))
}

async fn window_panes(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '@', "window")?;
    Ok(Json(json!(
        s.tmux()
            .list(&["list-panes", "-t", &id], PANE_FIELDS, parse_pane)
            .await?
    )))
}

// ------------------------------------------------------------------- panes

#[derive(Deserialize)]
struct PaneFilter {
    socket: Option<PathBuf>,
    window: Option<String>,
}

async fn list_panes(Query(q): Query<PaneFilter>) -> Reply {
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
    Ok(Json(json!(panes)))
}

async fn get_pane(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '%', "pane")?;
    one(&s.tmux(), &id, PANE_FIELDS, parse_pane).await
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Direction {
    /// Side by side.
    Horizontal,
    /// One above the other.
    Vertical,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Split {
    direction: Direction,
    /// `N` cells or `N%` of the pane.
    size: Option<String>,
    #[serde(default)]
    command: Vec<String>,
}

async fn split_pane(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Split>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
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

async fn kill_pane(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '%', "pane")?;
    s.tmux().run(&["kill-pane", "-t", &id]).await?;
    Ok(Json(json!({ "killed": id })))
}

async fn select_pane(Path(id): Path<String>, Query(s): Query<Server>) -> Reply {
    let id = target_id(&id, '%', "pane")?;
    let t = s.tmux();
    t.run(&["select-pane", "-t", &id]).await?;
    one(&t, &id, PANE_FIELDS, parse_pane).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resize {
    /// U, D, L or R.
    direction: String,
    #[serde(default = "one_cell")]
    amount: u32,
}

fn one_cell() -> u32 {
    1
}

async fn resize_pane(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Resize>, JsonRejection>,
) -> Reply {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    keys: String,
    /// Type `keys` as text (default); false: space-separated key names (`C-c Up`).
    #[serde(default = "yes")]
    literal: bool,
    #[serde(default)]
    enter: bool,
}

fn yes() -> bool {
    true
}

async fn send_keys(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Keys>, JsonRejection>,
) -> Reply {
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
    Ok(Json(json!({ "sent": id })))
}

#[derive(Deserialize)]
struct Capture {
    socket: Option<PathBuf>,
    /// First and last line (negative: history; default: the visible screen).
    start: Option<i64>,
    end: Option<i64>,
    #[serde(default)]
    escapes: bool,
}

async fn capture_pane(Path(id): Path<String>, Query(q): Query<Capture>) -> Reply {
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
    let lines: Vec<&str> = text.lines().collect();
    Ok(Json(json!({ "pane": id, "lines": lines })))
}
