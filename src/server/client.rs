//! The client side: HTTP/1.1 over the server's Unix socket, typed by
//! [`super::protocol`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::UnixStream;

use super::protocol::{
    ErrorReply, RecordingStatus, ServerEvent, ServerStatus, ShutdownReply, StartReply, StartRequest,
};

#[derive(Debug, thiserror::Error)]
/// Why a request to the server failed.
pub enum ClientError {
    #[error("no tvmux server is running ({0})")]
    /// No server listens on the socket.
    NotRunning(std::io::Error),
    #[error("talking to the server: {0}")]
    /// The connection or the HTTP exchange failed.
    Http(String),
    /// The server did not answer in time.
    #[error(
        "the server did not answer within {} s (is it stuck? its log is in the runtime directory)",
        .0.as_secs()
    )]
    Timeout(Duration),
    /// The server answered with an error status and its message.
    #[error("{message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
}

/// How long a request may wait for its whole reply (for `GET /events`, for
/// the reply's head).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a stop (or shutdown) may wait: the server answers one within
/// 30 s, then checks the cast.
pub const STOP_REPLY_TIMEOUT: Duration = Duration::from_secs(90);

/// Sends one request; returns the status code and the raw body, or
/// [`ClientError::Timeout`] when the whole exchange takes over `timeout`.
pub async fn request_raw(
    socket: &Path,
    method: Method,
    path: &str,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), ClientError> {
    tokio::time::timeout(timeout, exchange(socket, method, path, body))
        .await
        .map_err(|_| ClientError::Timeout(timeout))?
}

async fn exchange(
    socket: &Path,
    method: Method,
    path: &str,
    body: Vec<u8>,
) -> Result<(u16, Vec<u8>), ClientError> {
    let response = send(socket, method, path, body).await?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| ClientError::Http(e.to_string()))?
        .to_bytes();
    Ok((status, bytes.to_vec()))
}

/// Connects, sends one request and returns the reply once its head has
/// come (the body still to be read).
async fn send(
    socket: &Path,
    method: Method,
    path: &str,
    body: Vec<u8>,
) -> Result<Response<Incoming>, ClientError> {
    let http = |e: hyper::Error| ClientError::Http(e.to_string());
    let stream = UnixStream::connect(socket)
        .await
        .map_err(ClientError::NotRunning)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(http)?;
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "tvmux")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| ClientError::Http(e.to_string()))?;
    sender.send_request(request).await.map_err(http)
}

/// The server at a socket, spoken to in the protocol's types.
#[derive(Debug, Clone)]
pub struct Client {
    /// The server's socket.
    pub socket: PathBuf,
}

impl Client {
    /// A client of the server listening on `socket`.
    pub fn new(socket: PathBuf) -> Client {
        Client { socket }
    }

    /// One typed call: an error status becomes [`ClientError::Api`] with the
    /// server's message.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        timeout: Duration,
    ) -> Result<T, ClientError> {
        let body = body
            .map(|b| serde_json::to_vec(b).expect("protocol types serialize"))
            .unwrap_or_default();
        let (status, bytes) = request_raw(&self.socket, method, path, body, timeout).await?;
        if status >= 400 {
            let message = serde_json::from_slice::<ErrorReply>(&bytes)
                .map(|e| e.error)
                .unwrap_or_else(|_| format!("the server answered {status}"));
            return Err(ClientError::Api { status, message });
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Http(format!("unexpected reply from the server: {e}")))
    }

    /// `GET /status`.
    pub async fn status(&self) -> Result<ServerStatus, ClientError> {
        self.call(Method::GET, "/status", None::<&()>, REPLY_TIMEOUT)
            .await
    }

    /// `POST /recordings`: start recording a window.
    pub async fn start(&self, request: &StartRequest) -> Result<StartReply, ClientError> {
        self.call(Method::POST, "/recordings", Some(request), REPLY_TIMEOUT)
            .await
    }

    /// Active and failed recordings; with `all`, every one.
    pub async fn list(&self, all: bool) -> Result<Vec<RecordingStatus>, ClientError> {
        let path = if all {
            "/recordings?all=true"
        } else {
            "/recordings"
        };
        self.call(Method::GET, path, None::<&()>, REPLY_TIMEOUT)
            .await
    }

    /// Stops a recording (answers once its cast is saved), or forgets one
    /// that has ended.
    pub async fn stop(&self, id: &str) -> Result<RecordingStatus, ClientError> {
        self.call(
            Method::DELETE,
            &format!("/recordings/{id}"),
            None::<&()>,
            STOP_REPLY_TIMEOUT,
        )
        .await
    }

    /// `GET /events`: calls `each` with the kept events after `since` (if
    /// given), then, with `follow`, with each event as it happens, until
    /// `each` returns false or the server stops.
    pub async fn events(
        &self,
        since: Option<u64>,
        follow: bool,
        mut each: impl FnMut(ServerEvent) -> bool,
    ) -> Result<(), ClientError> {
        let mut path = format!("/events?follow={follow}");
        if let Some(n) = since {
            path.push_str(&format!("&since={n}"));
        }
        let http = |e: hyper::Error| ClientError::Http(e.to_string());
        // The reply's head comes at once; the events then take their time.
        let head = send(&self.socket, Method::GET, &path, Vec::new());
        let mut body = tokio::time::timeout(REPLY_TIMEOUT, head)
            .await
            .map_err(|_| ClientError::Timeout(REPLY_TIMEOUT))??
            .into_body();
        let mut pending: Vec<u8> = Vec::new();
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map_err(http)?.into_data() else {
                continue;
            };
            pending.extend_from_slice(&data);
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let event = serde_json::from_slice(&line).map_err(|e| {
                    ClientError::Http(format!("unexpected event from the server: {e}"))
                })?;
                if !each(event) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// `POST /shutdown`: stop every recording, then exit.
    pub async fn shutdown(&self) -> Result<ShutdownReply, ClientError> {
        self.call(Method::POST, "/shutdown", None::<&()>, STOP_REPLY_TIMEOUT)
            .await
    }
}
