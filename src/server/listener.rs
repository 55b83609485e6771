//! The server's connections: only from its own user (peer credentials, on
//! top of the socket's 0600 mode and the 0700 directory), at most
//! [`MAX_CONNECTIONS`] at once, and none held open by a client that stops
//! sending: a request's head must arrive within [`HEADER_TIMEOUT`] (idle
//! keep-alive connections included) and its body within [`BODY_TIMEOUT`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::UnixListener;
use tokio::sync::Semaphore;

use super::error::ApiError;

/// Connections served at once; more wait to be accepted.
pub const MAX_CONNECTIONS: usize = 128;
/// How long a connection may take to send a request's head, or sit idle
/// between requests.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request's body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest request body (requests are small JSON objects).
const BODY_LIMIT: usize = 1 << 20;

/// Serves `router` on `listener` until `shutdown` completes, then lets the
/// requests under way finish.
pub async fn serve(listener: UnixListener, router: Router, shutdown: impl Future<Output = ()>) {
    let router = router.layer(axum::middleware::from_fn(read_body_in_time));
    let uid = nix::unistd::getuid().as_raw();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off, go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if !stream.peer_cred().is_ok_and(|c| c.uid() == uid) {
            // Another user: closed without a word.
            continue;
        }
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    graceful.shutdown().await;
}

/// Reads the whole body before the handler runs, within [`BODY_TIMEOUT`]:
/// a client that stops halfway gets a 408 instead of holding the
/// connection.
async fn read_body_in_time(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let limited = http_body_util::Limited::new(body, BODY_LIMIT);
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) => {
            return ApiError::new(400, format!("cannot read the request: {e}")).into_response();
        }
        Err(_) => {
            return ApiError::new(
                408,
                format!(
                    "the request's body did not arrive within {} s",
                    BODY_TIMEOUT.as_secs()
                ),
            )
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
