//! The HTTP/1.1 + JSON API on the server's socket (`curl --unix-socket` works).
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | /status | pid, socket, version, uptime, recordings |
//! | GET | /recordings | active recordings |
//! | POST | /recordings | start: `{"tmux_socket", "target", "format"?, "dir"?}` |
//! | GET | /recordings/{id} | one recording |
//! | DELETE | /recordings/{id} | stop it; answers when its cast is saved |
//! | POST | /shutdown | stop every recording and exit |
//!
//! and the tmux control API (`tmux_api`); `/openapi.json` describes it all.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::ApiError;
use super::manager::{Manager, Started};
use super::protocol::{ServerStatus, ShutdownReply, StartReply, StartRequest};

pub fn router(manager: Arc<Manager>) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/recordings", get(list).post(start))
        .route("/recordings/{id}", get(one).delete(stop))
        .route("/shutdown", post(shutdown))
        .route(
            "/openapi.json",
            get(|| async { Json(super::openapi::document()) }),
        )
        .merge(super::tmux_api::router())
        .fallback(|| async { ApiError::new(404, "no such endpoint (see /openapi.json)") })
        .with_state(manager)
}

async fn status(State(m): State<Arc<Manager>>) -> Json<ServerStatus> {
    Json(ServerStatus {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        socket: m.paths.socket(),
        uptime_secs: m.started.elapsed().as_secs_f64(),
        recordings: m.active().len(),
        repaired_orphans: m.repaired_orphans.clone(),
    })
}

#[derive(serde::Deserialize)]
struct ListQuery {
    /// Every recording of this server, stopped ones included.
    #[serde(default)]
    all: bool,
}

async fn list(State(m): State<Arc<Manager>>, Query(q): Query<ListQuery>) -> impl IntoResponse {
    Json(m.list(q.all))
}

async fn one(
    State(m): State<Arc<Manager>>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    m.one(&id).map(Json)
}

async fn start(
    State(m): State<Arc<Manager>>,
    body: Result<Json<StartRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(req) = body.map_err(|e| ApiError::new(422, e.body_text()))?;
    Ok(match m.start(req).await? {
        Started::New(recording) => (
            StatusCode::CREATED,
            Json(StartReply {
                already: false,
                recording,
            }),
        ),
        Started::Already(recording) => (
            StatusCode::OK,
            Json(StartReply {
                already: true,
                recording,
            }),
        ),
    })
}

/// Stops a recording; one that has ended already is acknowledged (forgotten).
async fn stop(
    State(m): State<Arc<Manager>>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(m.stop_or_forget(&id).await?))
}

async fn shutdown(State(m): State<Arc<Manager>>) -> impl IntoResponse {
    m.shutdown.notify_one();
    Json(ShutdownReply { stopping: true })
}
