//! The HTTP/1.1 + JSON API on the server's socket (`curl --unix-socket`
//! works): the recording API here, the tmux control API in [`tmux_api`],
//! both described at `/openapi.json` from the same attributes that route
//! them ([`openapi`]).
//!
//! [`tmux_api`]: super::tmux_api
//! [`openapi`]: super::openapi

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::manager::{Manager, Started};
use super::protocol::{
    RecordingStatus, ServerEvent, ServerStatus, ShutdownReply, StartReply, StartRequest,
};

/// Every route of the server, each with its description.
pub fn routes() -> OpenApiRouter<Arc<Manager>> {
    OpenApiRouter::with_openapi(super::openapi::base())
        .routes(routes!(status))
        .routes(routes!(list, start))
        .routes(routes!(one, stop))
        .routes(routes!(shutdown))
        .routes(routes!(openapi_json))
        .routes(routes!(events))
        .merge(super::tmux_api::routes())
}

/// The server's router: [`routes`], and a JSON 404 for anything else.
pub fn router(manager: Arc<Manager>) -> axum::Router {
    let (router, _) = routes().split_for_parts();
    router
        .fallback(|| async { ApiError::new(404, "no such endpoint (see /openapi.json)") })
        .with_state(manager)
}

#[utoipa::path(get, path = "/status", tag = "server",
    responses((status = 200, body = ServerStatus, description = "pid, version, socket, uptime, recordings")))]
async fn status(State(m): State<Arc<Manager>>) -> Json<ServerStatus> {
    Json(ServerStatus {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        socket: m.paths.socket(),
        uptime_secs: m.started.elapsed().as_secs_f64(),
        recordings: m.active().len(),
        repaired_orphans: m.repaired_orphans.clone(),
        warnings: m.warnings(),
    })
}

/// `?all=true`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Every recording of this server, stopped ones included.
    #[serde(default)]
    all: bool,
}

#[utoipa::path(get, path = "/recordings", tag = "recordings", params(ListQuery),
    responses((status = 200, body = Vec<RecordingStatus>,
        description = "Active recordings and failed ones not yet acknowledged")))]
async fn list(
    State(m): State<Arc<Manager>>,
    Query(q): Query<ListQuery>,
) -> Json<Vec<RecordingStatus>> {
    Json(m.list(q.all))
}

#[utoipa::path(get, path = "/recordings/{id}", tag = "recordings",
    params(("id" = String, Path, description = "The recording's id")),
    responses((status = 200, body = RecordingStatus, description = "One recording")))]
async fn one(
    State(m): State<Arc<Manager>>,
    Path(id): Path<String>,
) -> Result<Json<RecordingStatus>, ApiError> {
    m.one(&id).map(Json)
}

#[utoipa::path(post, path = "/recordings", tag = "recordings", request_body = StartRequest,
    responses(
        (status = 201, body = StartReply, description = "Recording started"),
        (status = 200, body = StartReply, description = "The window was being recorded already")))]
async fn start(
    State(m): State<Arc<Manager>>,
    body: Result<Json<StartRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<StartReply>), ApiError> {
    let Json(req) = body.map_err(|e| ApiError::new(422, e.body_text()))?;
    let (status, already, recording) = match m.start(req).await? {
        Started::New(recording) => (StatusCode::CREATED, false, recording),
        Started::Already(recording) => (StatusCode::OK, true, recording),
    };
    Ok((status, Json(StartReply { already, recording })))
}

/// Stops a recording; one that has ended already is acknowledged (forgotten).
#[utoipa::path(delete, path = "/recordings/{id}", tag = "recordings",
    params(("id" = String, Path, description = "The recording's id")),
    responses((status = 200, body = RecordingStatus,
        description = "Stopped (answers once its cast is saved and checked), or acknowledged if it had ended")))]
async fn stop(
    State(m): State<Arc<Manager>>,
    Path(id): Path<String>,
) -> Result<Json<RecordingStatus>, ApiError> {
    Ok(Json(m.stop_or_forget(&id).await?))
}

#[utoipa::path(post, path = "/shutdown", tag = "server",
    responses((status = 200, body = ShutdownReply, description = "Every recording stops, then the server exits")))]
async fn shutdown(State(m): State<Arc<Manager>>) -> Json<ShutdownReply> {
    m.shutdown.notify_one();
    Json(ShutdownReply { stopping: true })
}

/// `?since=N&follow=false`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// First replay the kept events numbered after N (0: all kept ones).
    since: Option<u64>,
    /// Keep the response open and send each event as it happens (default);
    /// false: end after the replay.
    #[serde(default = "following")]
    follow: bool,
}

fn following() -> bool {
    true
}

#[utoipa::path(get, path = "/events", tag = "server", params(EventsQuery),
    responses((status = 200, body = ServerEvent, content_type = "application/x-ndjson",
        description = "One ServerEvent per line: the kept ones after `since`, then each as it happens, until the server stops")))]
async fn events(
    State(m): State<Arc<Manager>>,
    Query(q): Query<EventsQuery>,
) -> axum::response::Response {
    use futures_util::StreamExt;
    let (replay, live) = m.events.follow(q.since.unwrap_or(u64::MAX));
    let line = |e: ServerEvent| {
        let mut bytes = serde_json::to_vec(&e).expect("protocol types serialize");
        bytes.push(b'\n');
        Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(bytes))
    };
    let replayed = futures_util::stream::iter(replay).map(line);
    let body = if q.follow {
        let following = futures_util::stream::unfold(live, move |mut live| async move {
            loop {
                match live.recv().await {
                    Ok(e) => return Some((line(e), live)),
                    // A follower too slow for a burst misses some.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        axum::body::Body::from_stream(replayed.chain(following))
    } else {
        axum::body::Body::from_stream(replayed)
    };
    ([("content-type", "application/x-ndjson")], body).into_response()
}

#[utoipa::path(get, path = "/openapi.json", tag = "server",
    responses((status = 200, description = "This description (OpenAPI 3.1)", content_type = "application/json")))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(super::openapi::document().clone())
}
