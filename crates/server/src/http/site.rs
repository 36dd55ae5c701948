//! Site administration (extensions of the contract, documented in docs/contract.md):
//! the site's settings, the assistant's FAQ and its provider settings.

use assistant::AssistantSettings;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use domain::{Error, Result, Routing};
use serde::Deserialize;
use serde_json::{Value, json};
use store::SitePatch;

use super::{AppJson, IdPath};
use crate::auth::{AdminAuth, ManagerAuth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/manager/site", get(site).patch(update_site))
        .route("/manager/faq", get(faq).post(add_faq))
        .route("/manager/faq/{id}", delete(delete_faq))
        .route("/manager/assistant", get(assistant_settings).put(set_assistant_settings))
}

async fn site(State(state): State<AppState>, ManagerAuth(m): ManagerAuth) -> Result<Json<Value>> {
    let site = state.store.site(m.site_id).await?.ok_or_else(|| Error::not_found("site"))?;
    Ok(Json(json!({ "site": site })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteBody {
    name: Option<String>,
    origins: Option<Vec<String>>,
    routing: Option<Routing>,
    #[serde(default, deserialize_with = "present")]
    greeting: Option<Option<String>>,
    locale: Option<String>,
}

/// Distinguishes `"greeting": null` (clear it) from a missing field (keep it).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn valid_origin(o: &str) -> bool {
    o == "*"
        || (o.starts_with("http://") || o.starts_with("https://"))
            && o.len() <= 255
            && !o.trim_end_matches('/').split_once("://").is_some_and(|(_, rest)| rest.is_empty() || rest.contains('/'))
}

async fn update_site(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    AppJson(b): AppJson<SiteBody>,
) -> Result<Json<Value>> {
    let name = b.name.map(|n| n.trim().to_owned());
    if name.as_deref().is_some_and(|n| n.is_empty() || n.chars().count() > 100) {
        return Err(Error::validation("name must be 1-100 characters"));
    }
    if let Some(origins) = &b.origins
        && (origins.is_empty() || origins.len() > 50 || !origins.iter().all(|o| valid_origin(o)))
    {
        return Err(Error::validation(
            "origins must be 1-50 entries like https://example.com (scheme, host, optional port)",
        ));
    }
    if b.locale.as_deref().is_some_and(|l| l != "ru" && l != "en") {
        return Err(Error::validation("locale must be \"ru\" or \"en\""));
    }
    let greeting = b.greeting.map(|g| g.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()));
    if greeting.as_ref().and_then(|g| g.as_ref()).is_some_and(|g| g.chars().count() > 1000) {
        return Err(Error::validation("greeting must be at most 1000 characters"));
    }
    let patch = SitePatch { name, origins: b.origins, routing: b.routing, greeting, locale: b.locale };
    let site = state.store.update_site(admin.site_id, patch).await?;
    // Routing may have become `auto`: let the waiting sessions be routed.
    state.queue.touch(site.id);
    Ok(Json(json!({ "site": site })))
}

async fn faq(State(state): State<AppState>, ManagerAuth(m): ManagerAuth) -> Result<Json<Value>> {
    Ok(Json(json!({ "entries": state.store.faq_entries(m.site_id).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqBody {
    questions: Vec<String>,
    answer: String,
}

async fn add_faq(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    AppJson(b): AppJson<FaqBody>,
) -> Result<(StatusCode, Json<Value>)> {
    let questions: Vec<String> = b.questions.iter().map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()).collect();
    if questions.is_empty() || questions.len() > 20 || questions.iter().any(|q| q.chars().count() > 500) {
        return Err(Error::validation("questions must be 1-20 non-empty texts of at most 500 characters"));
    }
    let answer = b.answer.trim();
    if answer.is_empty() || answer.chars().count() > 4000 {
        return Err(Error::validation("answer must be 1-4000 characters"));
    }
    let entry = state.store.add_faq(admin.site_id, &questions, answer).await?;
    Ok((StatusCode::CREATED, Json(json!({ "entry": entry }))))
}

async fn delete_faq(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    IdPath(id): IdPath,
) -> Result<StatusCode> {
    if state.store.delete_faq(admin.site_id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found("FAQ entry"))
    }
}

async fn assistant_settings(State(state): State<AppState>, AdminAuth(admin): AdminAuth) -> Result<Json<Value>> {
    let stored = state.store.assistant_settings(admin.site_id).await?;
    let settings = AssistantSettings::parse(&stored).unwrap_or_default();
    Ok(Json(json!({ "assistant": settings.redacted() })))
}

async fn set_assistant_settings(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    AppJson(mut body): AppJson<Value>,
) -> Result<Json<Value>> {
    // The key is never shown back, so a form that does not send it keeps the stored one.
    if body.get("api_key").is_none()
        && let Some(key) = state.store.assistant_settings(admin.site_id).await?.get("api_key").cloned()
        && let Some(map) = body.as_object_mut()
    {
        map.insert("api_key".into(), key);
    }
    let settings = AssistantSettings::parse(&body).map_err(Error::validation)?;
    state.store.set_assistant_settings(admin.site_id, &body).await?;
    Ok(Json(json!({ "assistant": settings.redacted() })))
}
