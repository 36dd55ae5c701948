//! Liveness, readiness and metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::{Error, ErrorCode};
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 only while this node can serve: not draining, Postgres and Redis reachable.
async fn readyz(State(state): State<AppState>) -> Response {
    if state.is_draining() {
        return Error { retry_after: Some(1), ..Error::new(ErrorCode::Unavailable, "the node is draining") }
            .into_response();
    }
    let (db, redis) = tokio::join!(state.store.ping(), state.coord.ping());
    match (db, redis) {
        (Ok(()), Ok(())) => Json(json!({ "status": "ready" })).into_response(),
        (db, redis) => {
            let down: Vec<&str> = [("database", db.is_err()), ("redis", redis.is_err())]
                .into_iter()
                .filter_map(|(n, d)| d.then_some(n))
                .collect();
            Error {
                retry_after: Some(1),
                ..Error::new(ErrorCode::Unavailable, format!("unreachable: {}", down.join(", ")))
            }
            .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are disabled").into_response(),
    }
}
