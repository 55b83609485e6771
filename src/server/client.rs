//! The client side: HTTP/1.1 requests over the server's Unix socket.

use std::path::Path;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no tvmux server is running ({0})")]
    NotRunning(std::io::Error),
    #[error("talking to the server: {0}")]
    Http(String),
}

/// Sends one request; returns the status code and the JSON body.
pub async fn request(
    socket: &Path,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<(u16, serde_json::Value), ClientError> {
    let stream = UnixStream::connect(socket)
        .await
        .map_err(ClientError::NotRunning)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| ClientError::Http(e.to_string()))?;
    tokio::spawn(connection);
    let body = body
        .map(|b| serde_json::to_vec(b).expect("JSON serializes"))
        .unwrap_or_default();
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "tvmux")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| ClientError::Http(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| ClientError::Http(e.to_string()))?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| ClientError::Http(e.to_string()))?
        .to_bytes();
    let value = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Http(format!("bad JSON from the server: {e}")))?
    };
    Ok((status, value))
}
