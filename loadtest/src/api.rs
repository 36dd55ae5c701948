//! The REST half of the contract, as the load generator uses it.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// An HTTP error status with the contract's `error.code` (empty when absent).
    Status(u16, String),
    Transport(String),
}

impl ApiError {
    /// A counter name, e.g. `http_409_conflict` or `http_transport`.
    pub fn label(&self) -> String {
        match self {
            ApiError::Status(status, code) if code.is_empty() => format!("http_{status}"),
            ApiError::Status(status, code) => format!("http_{status}_{code}"),
            ApiError::Transport(_) => "http_transport".to_owned(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Status(status, code) => write!(f, "HTTP {status} {code}"),
            ApiError::Transport(e) => write!(f, "transport: {e}"),
        }
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;

/// A visitor as `POST /widget/session` returns it.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub token: String,
}

/// A logged-in manager.
#[derive(Debug, Clone)]
pub struct Manager {
    pub token: String,
    pub id: String,
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// Sent as `Origin` by visitor calls only, as the widget's browser would; manager
    /// calls come from the admin panel, which is served by the server itself.
    origin: Option<String>,
    /// Bounds requests in flight, and so the sockets they hold: a ramp of thousands of
    /// visitors would otherwise open one HTTP connection each.
    in_flight: Arc<Semaphore>,
}

impl Api {
    pub fn new(origin: Option<String>, max_in_flight: usize, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(max_in_flight)
            .tcp_nodelay(true)
            .build()
            .expect("a default reqwest client builds");
        Self { http, origin, in_flight: Arc::new(Semaphore::new(max_in_flight)) }
    }

    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    async fn call(
        &self,
        method: Method,
        url: String,
        token: Option<&str>,
        body: Option<Value>,
        as_visitor: bool,
    ) -> ApiResult<Value> {
        let _permit = self.in_flight.acquire().await.expect("never closed");
        let mut req = self.http.request(method, url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(origin) = self.origin.as_ref().filter(|_| as_visitor) {
            req = req.header("Origin", origin);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(|e| ApiError::Transport(e.to_string()))?;
        let status = resp.status();
        if status == StatusCode::NO_CONTENT {
            return Ok(Value::Null);
        }
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(body)
        } else {
            let code = body["error"]["code"].as_str().unwrap_or_default().to_owned();
            Err(ApiError::Status(status.as_u16(), code))
        }
    }

    pub async fn widget_session(&self, base: &str, site_key: &str) -> ApiResult<Visitor> {
        let body = json!({ "site_key": site_key });
        let r = self.call(Method::POST, format!("{base}/widget/session"), None, Some(body), true).await?;
        Ok(Visitor { token: string(&r["visitor_token"])? })
    }

    /// `POST /manager/request`: the session, `waiting` or already `active`.
    pub async fn request_manager(&self, base: &str, visitor_token: &str) -> ApiResult<Value> {
        let url = format!("{base}/manager/request");
        let r = self.call(Method::POST, url, Some(visitor_token), Some(json!({})), true).await?;
        Ok(r["session"].clone())
    }

    pub async fn manager_auth(&self, base: &str, email: &str, password: &str) -> ApiResult<Manager> {
        let body = json!({ "email": email, "password": password });
        let r = self.call(Method::POST, format!("{base}/manager/auth"), None, Some(body), false).await?;
        Ok(Manager { token: string(&r["token"])?, id: string(&r["manager"]["id"])? })
    }

    /// `GET /manager/me`: checks a stored token and says whose it is.
    pub async fn me(&self, base: &str, manager_token: &str) -> ApiResult<Manager> {
        let r = self.call(Method::GET, format!("{base}/manager/me"), Some(manager_token), None, false).await?;
        Ok(Manager { token: manager_token.to_owned(), id: string(&r["manager"]["id"])? })
    }

    pub async fn accept(&self, base: &str, manager_token: &str, session_id: &str) -> ApiResult<Value> {
        let url = format!("{base}/manager/sessions/{session_id}/accept");
        let r = self.call(Method::POST, url, Some(manager_token), Some(json!({})), false).await?;
        Ok(r["session"].clone())
    }

    pub async fn close(&self, base: &str, manager_token: &str, session_id: &str) -> ApiResult<()> {
        let url = format!("{base}/manager/sessions/{session_id}/close");
        self.call(Method::POST, url, Some(manager_token), Some(json!({})), false).await.map(drop)
    }

    /// `POST /manager/create` with an admin token.
    pub async fn create_manager(&self, base: &str, admin_token: &str, email: &str, password: &str) -> ApiResult<Value> {
        let body = json!({ "email": email, "name": email, "password": password, "role": "manager" });
        self.call(Method::POST, format!("{base}/manager/create"), Some(admin_token), Some(body), false).await
    }
}

fn string(v: &Value) -> ApiResult<String> {
    v.as_str().map(str::to_owned).ok_or_else(|| ApiError::Transport(format!("unexpected reply shape near {v}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(ApiError::Status(409, "conflict".into()).label(), "http_409_conflict");
        assert_eq!(ApiError::Status(502, String::new()).label(), "http_502");
        assert_eq!(ApiError::Transport("x".into()).label(), "http_transport");
    }
}
