//! The tmux control API: sessions, windows and panes over HTTP + JSON, one
//! file per resource. Every endpoint takes `?socket=PATH` to name a tmux
//! server (default: the `$TMUX` the server started from, else the user's
//! default socket). Routes and their OpenAPI description come from the same
//! `#[utoipa::path]` attributes, so the two cannot drift apart.

mod panes;
mod sessions;
mod windows;

use std::path::PathBuf;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::tmux::Tmux;

/// The tmux API's routes, each with its description.
pub fn routes<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    use {panes::*, sessions::*, windows::*};
    OpenApiRouter::new()
        .routes(routes!(list_sessions, create_session))
        .routes(routes!(get_session, kill_session))
        .routes(routes!(rename_session))
        .routes(routes!(attach_session))
        .routes(routes!(detach_session))
        .routes(routes!(session_windows))
        .routes(routes!(list_windows, create_window))
        .routes(routes!(get_window, kill_window))
        .routes(routes!(rename_window))
        .routes(routes!(select_window))
        .routes(routes!(link_window))
        .routes(routes!(unlink_window))
        .routes(routes!(window_panes))
        .routes(routes!(list_panes))
        .routes(routes!(get_pane, kill_pane))
        .routes(routes!(split_pane))
        .routes(routes!(select_pane))
        .routes(routes!(resize_pane))
        .routes(routes!(send_keys))
        .routes(routes!(capture_pane))
}

/// `?socket=PATH`: the tmux server to talk to.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Server {
    /// The tmux server's socket (default: the server's `$TMUX`, else the
    /// user's default socket).
    #[param(value_type = Option<String>)]
    socket: Option<PathBuf>,
}

impl Server {
    fn tmux(&self) -> Tmux {
        Tmux::new(self.socket.as_deref())
    }
}

type Reply<T> = Result<Json<T>, ApiError>;
type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

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
async fn one<T>(
    t: &Tmux,
    target: &str,
    fields: &[&str],
    parse: fn(&[&str]) -> Option<T>,
) -> Reply<T> {
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
    Ok(Json(value))
}

fn created<T>(r: Reply<T>) -> Created<T> {
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

/// `{"name": …}`, for renames.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Name {
    name: String,
}
