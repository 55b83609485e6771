//! `/windows`: list, get, create, rename, kill, select, link, unlink, a
//! window's panes.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use serde::Deserialize;

use super::{Created, Name, Reply, Server, body, create, created, one, session_exists};
use crate::server::tmux::{
    Killed, Linked, PANE_FIELDS, Pane, Unlinked, WINDOW_FIELDS, Window, parse_pane, parse_window,
    target_id,
};

#[utoipa::path(get, path = "/windows", tag = "windows", params(Server),
    responses((status = 200, body = Vec<Window>, description = "Every window of every session")))]
pub async fn list_windows(Query(s): Query<Server>) -> Reply<Vec<Window>> {
    Ok(Json(
        s.tmux()
            .list(&["list-windows", "-a"], WINDOW_FIELDS, parse_window)
            .await?,
    ))
}

#[utoipa::path(get, path = "/windows/{id}", tag = "windows",
    params(("id" = String, Path, description = "@N or N"), Server),
    responses((status = 200, body = Window, description = "One window")))]
pub async fn get_window(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Window> {
    let id = target_id(&id, '@', "window")?;
    one(&s.tmux(), &id, WINDOW_FIELDS, parse_window).await
}

/// A window to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    /// The session to create it in (`$N`); default: the most recent one.
    session: Option<String>,
    name: Option<String>,
    /// The command and its arguments (default: the user's shell).
    #[serde(default)]
    command: Vec<String>,
}

#[utoipa::path(post, path = "/windows", tag = "windows", params(Server), request_body = NewWindow,
    responses((status = 201, body = Window, description = "The window created")))]
pub async fn create_window(
    Query(s): Query<Server>,
    b: Result<Json<NewWindow>, JsonRejection>,
) -> Created<Window> {
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

#[utoipa::path(post, path = "/windows/{id}/rename", tag = "windows",
    params(("id" = String, Path, description = "@N or N"), Server), request_body = Name,
    responses((status = 200, body = Window, description = "The window renamed")))]
pub async fn rename_window(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Name>, JsonRejection>,
) -> Reply<Window> {
    let id = target_id(&id, '@', "window")?;
    let req = body(b)?;
    let t = s.tmux();
    t.run(&["rename-window", "-t", &id, "--", &req.name])
        .await?;
    one(&t, &id, WINDOW_FIELDS, parse_window).await
}

#[utoipa::path(delete, path = "/windows/{id}", tag = "windows",
    params(("id" = String, Path, description = "@N or N"), Server),
    responses((status = 200, body = Killed, description = "The window killed")))]
pub async fn kill_window(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Killed> {
    let id = target_id(&id, '@', "window")?;
    s.tmux().run(&["kill-window", "-t", &id]).await?;
    Ok(Json(Killed { killed: id }))
}

#[utoipa::path(post, path = "/windows/{id}/select", tag = "windows",
    params(("id" = String, Path, description = "@N or N"), Server),
    responses((status = 200, body = Window, description = "The window, now current in its session")))]
pub async fn select_window(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Window> {
    let id = target_id(&id, '@', "window")?;
    let t = s.tmux();
    t.run(&["select-window", "-t", &id]).await?;
    one(&t, &id, WINDOW_FIELDS, parse_window).await
}

/// Where to link a window.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The session (`$N`).
    session: String,
    /// The index in that session (default: the first free one).
    index: Option<u32>,
}

#[utoipa::path(post, path = "/windows/{id}/link", tag = "windows",
    params(("id" = String, Path, description = "@N or N"), Server), request_body = Link,
    responses((status = 200, body = Linked, description = "The window linked into the session")))]
pub async fn link_window(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Link>, JsonRejection>,
) -> Reply<Linked> {
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
    Ok(Json(Linked {
        linked: id,
        session,
    }))
}

/// Where to unlink a window from (the body may be left out).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Unlink {
    /// The session to unlink it from; default: the one tmux resolves.
    session: Option<String>,
}

#[utoipa::path(post, path = "/windows/{id}/unlink", tag = "windows",
    params(("id" = String, Path, description = "@N or N"), Server), request_body(content = Option<Unlink>),
    responses((status = 200, body = Unlinked, description = "The window unlinked")))]
pub async fn unlink_window(
    Path(id): Path<String>,
    Query(s): Query<Server>,
    b: Result<Json<Unlink>, JsonRejection>,
) -> Reply<Unlinked> {
    let id = target_id(&id, '@', "window")?;
    let req = body(b).unwrap_or_default();
    let target = match req.session {
        Some(session) => format!("{}:{id}", target_id(&session, '$', "session")?),
        None => id.clone(),
    };
    s.tmux().run(&["unlink-window", "-t", &target]).await?;
    Ok(Json(Unlinked { unlinked: id }))
}

#[utoipa::path(get, path = "/windows/{id}/panes", tag = "windows",
    params(("id" = String, Path, description = "@N or N"), Server),
    responses((status = 200, body = Vec<Pane>, description = "The window's panes")))]
pub async fn window_panes(Path(id): Path<String>, Query(s): Query<Server>) -> Reply<Vec<Pane>> {
    let id = target_id(&id, '@', "window")?;
    Ok(Json(
        s.tmux()
            .list(&["list-panes", "-t", &id], PANE_FIELDS, parse_pane)
            .await?,
    ))
}
