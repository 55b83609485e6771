//! The API's errors: an HTTP status and a message, sent as
//! [`ErrorReply`].

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::protocol::ErrorReply;
use crate::tmux::TmuxError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(ErrorReply {
                error: self.message,
            }),
        )
            .into_response()
    }
}

impl From<TmuxError> for ApiError {
    /// The one "not found" rule gives 404; any other failure of tmux, 502.
    fn from(e: TmuxError) -> ApiError {
        let status = match e {
            TmuxError::NotFound(_) => 404,
            _ => 502,
        };
        ApiError::new(status, e.to_string())
    }
}
