//! `POST /widget/session`: where a visitor starts (or resumes) on a site.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use domain::{Email, Error, Result};
use serde::Deserialize;
use serde_json::{Value, json};
use store::VisitorProfile;

use super::AppJson;
use super::cors::check_origin;
use crate::auth::{new_token, token_hash};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/widget/session", post(start))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    site_key: String,
    visitor_token: Option<String>,
    name: Option<String>,
    email: Option<String>,
}

fn profile(body: &StartBody) -> Result<VisitorProfile> {
    let name = body.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if name.is_some_and(|n| n.chars().count() > 100) {
        return Err(Error::validation("name must be at most 100 characters"));
    }
    let email = body.email.as_deref().map(Email::parse).transpose()?;
    Ok(VisitorProfile { name: name.map(str::to_owned), email: email.map(|e| e.as_str().to_owned()) })
}

async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppJson(body): AppJson<StartBody>,
) -> Result<Json<Value>> {
    let profile = profile(&body)?;
    let site = state.store.site_by_key(&body.site_key).await?.ok_or_else(|| Error::not_found("site"))?;
    check_origin(&headers, &site)?;

    // A token of another site, or an unknown one, simply gets a new visitor.
    let known = match body.visitor_token.as_deref() {
        Some(t) => state
            .store
            .visitor_by_token(&token_hash(t))
            .await?
            .filter(|v| v.site_id == site.id)
            .map(|v| (t.to_owned(), v)),
        None => None,
    };
    let (token, visitor) = match known {
        Some((token, v)) if profile.name.is_some() || profile.email.is_some() => {
            (token, state.store.update_visitor(v.id, profile).await?)
        }
        Some(found) => found,
        None => {
            let token = new_token("v");
            let v = state.store.create_visitor(site.id, &token_hash(&token), profile).await?;
            (token, v)
        }
    };
    let session = state.store.open_session(visitor.id).await?.map(|r| r.session);
    Ok(Json(json!({
        "visitor_token": token,
        "visitor": visitor,
        "session": session,
        "settings": site.settings(),
        "ice_servers": state.ice.servers(&visitor.id.to_string()),
    })))
}
