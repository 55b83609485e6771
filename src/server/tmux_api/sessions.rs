//! `/sessions`: list, get, create, rename, kill, attach command, detach,
//! a session's windows.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use serde::Deserialize;

use super::{Created, Name, Reply, Server, body, create, created, one, session_exists};
use crate::server::tmux::{
    AttachCommand, Detached, Killed, SESSION_FIELDS, Session, Size, WINDOW_FIELDS, Window,
    parse_session, parse_window, target_id,
};

#[utoipa::path(get, path = "/sessions", tag = "sessions", params(Server),
    responses((status = 200, body = Vec<Session>, description = "Every session")))]
pub async fn list_sessions(Query(s): Query<Server>) -> Reply<Vec<Session>> {
    Ok(Json(
        s.tmux()
            .list(&["list-sessions"], SESSION_FIELDS, parse_session)
            .await?,
    ))
}

#[utoipa::path(get, path = "/sessions/{id}", tag = "sessions",
    params(("id" = String, Path, description = "$N or N"), Server),
    responses((status = 200, body = Session, description = "One session")))]
pub async fn get_session(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Session> {
    let id = target_id(&id, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &id).await?;
    one(&t, &id, SESSION_FIELDS, parse_session).await
}

/// A detached session to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    name: Option<String>,
    window_name: Option<String>,
    /// The command and its arguments (default: the user's shell).
    #[serde(default)]
    command: Vec<String>,
    /// Size as `COLSxROWS`.
    size: Option<String>,
}

#[utoipa::path(post, path = "/sessions", tag = "sessions", params(Server), request_body = NewSession,
    responses((status = 201, body = Session, description = "The session created")))]
pub async fn create_session(
    Query(s): Query<Server>,
    b: Result<Json<NewSession>, JsonRejection>,
) -> Created<Session> {
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
        let size = Size::parse(&size).ok_or_else(|| {
            crate::server::error::ApiError::new(
                400,
                format!("size must be COLSxROWS, not {size:?}"),
            )
        })?;
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

#[utoipa::path(post, path = "/sessions/{id}/rename", tag = "sessions",
    params(("id" = String, Path, description = "$N or N"), Server), request_body = Name,
    responses((status = 200, body = Session, description = "The session renamed")))]
pub async fn rename_session(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Name>, JsonRejection>,
) -> Reply<Session> {
    let id = target_id(&id, '$', "session")?;
    let req = body(b)?;
    let t = s.tmux();
    t.run(&["rename-session", "-t", &id, "--", &req.name])
        .await?;
    one(&t, &id, SESSION_FIELDS, parse_session).await
}

#[utoipa::path(delete, path = "/sessions/{id}", tag = "sessions",
    params(("id" = String, Path, description = "$N or N"), Server),
    responses((status = 200, body = Killed, description = "The session killed")))]
pub async fn kill_session(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Killed> {
    let id = target_id(&id, '$', "session")?;
    s.tmux().run(&["kill-session", "-t", &id]).await?;
    Ok(Json(Killed { killed: id }))
}

#[utoipa::path(get, path = "/sessions/{id}/attach", tag = "sessions",
    params(("id" = String, Path, description = "$N or N"), Server),
    responses((status = 200, body = AttachCommand, description = "The command that attaches a client")))]
pub async fn attach_session(
    Path(id): Path<String>,
    Query(s): Query<Server>,
) -> Reply<AttachCommand> {
    let id = target_id(&id, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &id).await?;
    let socket = t.socket.to_string_lossy().into_owned();
    let command = ["tmux", "-S", &socket, "attach-session", "-t", &id];
    Ok(Json(AttachCommand {
        command: command.map(String::from).to_vec(),
    }))
}

#[utoipa::path(post, path = "/sessions/{id}/detach", tag = "sessions",
    params(("id" = String, Path, description = "$N or N"), Server),
    responses((status = 200, body = Detached, description = "Every client of the session detached")))]
pub async fn detach_session(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Detached> {
    let id = target_id(&id, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &id).await?;
    // No client attached is not an error: nothing to detach.
    let _ = t.run(&["detach-client", "-s", &id]).await;
    Ok(Json(Detached { detached: id }))
}

#[utoipa::path(get, path = "/sessions/{id}/windows", tag = "sessions",
    params(("id" = String, Path, description = "$N or N"), Server),
    responses((status = 200, body = Vec<Window>, description = "The session's windows")))]
pub async fn session_windows(
    Path(id): Path<String>,
    Query(s): Query<Server>,
) -> Reply<Vec<Window>> {
    let id = target_id(&id, '$', "session")?;
    let t = s.tmux();
    session_exists(&t, &id).await?;
    Ok(Json(
        t.list(&["list-windows", "-t", &id], WINDOW_FIELDS, parse_window)
            .await?,
    ))
}
