//! The single error type of the whole service.
//!
//! Every failure that reaches a client (REST reply or Socket.IO ack) is an [`Error`]:
//! a contract code plus a message that is safe to show. Causes that must not leak
//! (SQL text, Redis internals) are kept in `source` for the logs only.

use std::fmt;

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error codes of the contract, each tied to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    ValidationFailed,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,
    RateLimited,
    Internal,
    Unavailable,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            Self::ValidationFailed => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::TooLarge => 413,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationFailed => "validation_failed",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::TooLarge => "too_large",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }
}

#[derive(Debug)]
pub struct Error {
    pub code: ErrorCode,
    /// Shown to the client; never contains internals.
    pub message: String,
    /// Seconds a client should wait (`rate_limited`, `unavailable`).
    pub retry_after: Option<u64>,
    /// The underlying cause, logged but never sent.
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry_after: None, source: None }
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, message)
    }
    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "missing or invalid credentials")
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::TooLarge, message)
    }
    pub fn rate_limited(retry_after: u64) -> Self {
        Self { retry_after: Some(retry_after.max(1)), ..Self::new(ErrorCode::RateLimited, "too many requests") }
    }
    /// A backing service (Postgres, Redis) cannot be reached; nothing was written.
    pub fn unavailable(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            retry_after: Some(1),
            source: Some(Box::new(cause)),
            ..Self::new(ErrorCode::Unavailable, "a backing service is unavailable, retry shortly")
        }
    }
    pub fn internal(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self { source: Some(Box::new(cause)), ..Self::new(ErrorCode::Internal, "internal error") }
    }
    /// An internal error described by text only (an invariant broke).
    pub fn internal_msg(cause: impl Into<String>) -> Self {
        Self::internal(StrError(cause.into()))
    }

    /// The JSON body shared by REST replies and Socket.IO error acks.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "code": self.code, "message": self.message })
    }

    /// `{ok: false, error: {...}}`, the error ack of every Socket.IO event.
    pub fn ack(&self) -> serde_json::Value {
        serde_json::json!({ "ok": false, "error": self.body() })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(source) = &self.source {
            write!(f, " ({source})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[derive(Debug)]
struct StrError(String);
impl fmt::Display for StrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for StrError {}

#[cfg(feature = "axum")]
impl axum::response::IntoResponse for Error {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{HeaderValue, StatusCode, header};
        if let Some(source) = &self.source {
            // The cause goes to the logs (inside the request span), never to the client.
            tracing::warn!(code = self.code.as_str(), error = %source, "request failed");
        }
        let status = StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(serde_json::json!({ "error": self.body() }))).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
