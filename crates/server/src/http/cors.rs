//! CORS for the widget's cross-origin calls, and the origin rule of the contract.
//!
//! A preflight carries neither the site key nor the token, so it is answered for any
//! origin that some site allows; the real request is then checked against the
//! visitor's own site (in `/widget/session` and the visitor extractor).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::Error;

use crate::state::AppState;

fn origin(headers: &HeaderMap) -> Option<String> {
    headers.get(header::ORIGIN)?.to_str().ok().map(str::to_owned)
}

pub async fn cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(origin) = origin(req.headers()) else { return next.run(req).await };
    let preflight =
        req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let known = match state.store.origin_known(&origin).await {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    if preflight {
        if !known {
            return Error::forbidden("origin not allowed").into_response();
        }
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        allow(h, &origin);
        return response;
    }
    let mut response = next.run(req).await;
    if known {
        allow(response.headers_mut(), &origin);
    }
    response
}

fn allow(h: &mut HeaderMap, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// The contract's origin rule: a browser request (it carries `Origin`) from an
/// origin the site does not list is `forbidden`.
pub fn check_origin(headers: &HeaderMap, site: &domain::Site) -> Result<(), Error> {
    match origin(headers) {
        Some(o) if !site.allows_origin(&o) => Err(Error::forbidden("this origin is not allowed for the site")),
        _ => Ok(()),
    }
}
