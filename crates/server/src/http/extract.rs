//! Extractors whose rejections are contract errors, so malformed JSON, wrong types,
//! oversized bodies and bad ids all get `{"error": {...}}` like every other failure.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use domain::{Error, parse_uuid};
use serde::de::DeserializeOwned;
use uuid::Uuid;

pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::BytesRejection(r)) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::too_large("the request body is over the limit"))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(Error::validation("the body must be JSON (Content-Type: application/json)"))
            }
            Err(e) => Err(Error::validation(e.body_text())),
        }
    }
}

/// An optional JSON body: absent (no Content-Type and empty) is `None`.
impl<T: DeserializeOwned, S: Send + Sync> axum::extract::OptionalFromRequest<S> for AppJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Error> {
        let empty = req.headers().get(axum::http::header::CONTENT_TYPE).is_none()
            && req.headers().get(axum::http::header::CONTENT_LENGTH).is_none_or(|v| v == "0");
        if empty { Ok(None) } else { <Self as FromRequest<S>>::from_request(req, state).await.map(Some) }
    }
}

pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| Error::validation(e.body_text()))
    }
}

/// A `{id}` path segment that must be a UUID (else `validation_failed`).
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::validation("bad path parameter"))?;
        Ok(Self(parse_uuid(&raw, "id")?))
    }
}
