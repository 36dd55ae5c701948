//! The widget, the manager panel and the demo page, served from the assets dir.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use domain::Error;
use serde::Deserialize;
use tower_http::services::{ServeDir, ServeFile};

use crate::state::AppState;

pub fn router(assets: &Path) -> Router<AppState> {
    let admin = assets.join("admin/dist");
    Router::new()
        .route_service("/widget.js", ServeFile::new(assets.join("static/dist/widget.js")))
        .route("/demo", get(|| async { axum::response::Redirect::permanent("/demo/") }))
        .route("/demo/", get(demo))
        .route("/admin", get(|| async { axum::response::Redirect::permanent("/admin/") }))
        .nest_service("/admin/", ServeDir::new(&admin).fallback(ServeFile::new(admin.join("index.html"))))
}

#[derive(Deserialize)]
struct DemoQuery {
    site_key: Option<String>,
}

/// The demo host page, with the widget tag pointing at the requested (or demo) site.
async fn demo(State(state): State<AppState>, Query(q): Query<DemoQuery>) -> Response {
    let path: PathBuf = state.settings.server.assets_dir.join("static/demo/index.html");
    let Ok(page) = tokio::fs::read_to_string(&path).await else {
        return Error::not_found("demo page (run `npm run build`)").into_response();
    };
    let key = q.site_key.or_else(|| state.demo_site_key.clone()).unwrap_or_default();
    // The key goes into an HTML attribute: allow only the characters keys are made of.
    let key: String = key.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    ([(header::CACHE_CONTROL, "no-store")], Html(page.replace("__SITE_KEY__", &key))).into_response()
}
