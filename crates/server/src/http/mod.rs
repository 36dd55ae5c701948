//! The REST API: one router per feature, merged here under one layer stack.

mod assets;
mod cors;
mod extract;
mod managers;
mod ops;
mod sessions;
mod site;
mod widget;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use domain::Error;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

pub use cors::check_origin;
pub use extract::{AppJson, AppQuery, IdPath};

use crate::state::AppState;

/// The whole HTTP surface except Socket.IO, whose layer wraps this router.
pub fn router(state: AppState) -> Router {
    let settings = &state.settings.server;
    Router::new()
        .merge(widget::router())
        .merge(managers::router())
        .merge(sessions::router())
        .merge(site::router())
        .merge(ops::router())
        .route_layer(middleware::from_fn(record_metrics))
        .merge(assets::router(&settings.assets_dir))
        .fallback(|| async { Error::not_found("route") })
        .method_not_allowed_fallback(|| async { Error::not_found("route") })
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .with_state(state.clone())
}

/// Layers around everything (Socket.IO included), outermost last.
pub fn outer_layers(app: Router, state: AppState) -> Router {
    let timeout = Duration::from_secs(state.settings.server.request_timeout_secs);
    app.layer(middleware::from_fn_with_state(state.clone(), refuse_sockets_while_draining))
        .layer(middleware::from_fn_with_state(state, cors::cors))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(CatchPanicLayer::custom(|_| Error::internal_msg("handler panicked").into_response()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("http", method = %req.method(), path = req.uri().path(), request_id = id)
                })
                // 503s are expected while draining or when a backing service is down.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([AUTHORIZATION]))
}

/// A draining node takes no new Socket.IO connections: clients go to another node.
async fn refuse_sockets_while_draining(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if state.is_draining() && req.uri().path().starts_with("/socket.io") {
        return Error { retry_after: Some(1), ..Error::new(domain::ErrorCode::Unavailable, "the node is draining") }
            .into_response();
    }
    next.run(req).await
}

async fn record_metrics(req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}
