//! Sessions, the queue and message history over REST.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::{Actor, ClientId, MessageText, Result};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppJson, AppQuery, IdPath};
use crate::auth::{AnyAuth, ManagerAuth, VisitorAuth};
use crate::chat;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/manager/request", post(request))
        .route("/manager/queue", get(queue))
        .route("/manager/sessions", get(my_sessions))
        .route("/manager/sessions/{id}", get(session_detail))
        .route("/manager/sessions/{id}/accept", post(accept))
        .route("/manager/sessions/{id}/close", post(close))
        .route("/sessions/{id}/messages", get(messages))
        .route("/call/ice-servers", get(ice_servers))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    message: Option<String>,
}

async fn request(
    State(state): State<AppState>,
    VisitorAuth(v): VisitorAuth,
    body: Option<AppJson<RequestBody>>,
) -> Result<Json<Value>> {
    let body = body.map(|b| b.0).unwrap_or_default();
    let text = body.message.as_deref().map(MessageText::parse).transpose()?;
    let mut session = chat::request_manager(&state, &v).await?;
    if let Some(text) = text {
        let client_id = ClientId::parse(&format!("request-{}", session.id.simple()))?;
        chat::send_message(&state, &Actor::Visitor(v.clone()), Some(session.id), client_id, text, None).await?;
        session = chat::visible_session(&state, &Actor::Visitor(v), session.id).await?;
    }
    Ok(Json(json!({ "session": session })))
}

async fn queue(State(state): State<AppState>, ManagerAuth(m): ManagerAuth) -> Result<Json<Value>> {
    let waiting = state.store.queue(m.site_id).await?;
    let (_, active) = state.store.session_counts(m.site_id).await?;
    let online = state.coord.online_managers(m.site_id).await?;
    let entries: Vec<_> = waiting.into_iter().map(|w| w.entry).collect();
    Ok(Json(json!({
        "waiting": entries,
        "stats": domain::Stats { waiting: entries.len() as i64, online_managers: online.len() as i64, active_sessions: active },
    })))
}

async fn my_sessions(State(state): State<AppState>, ManagerAuth(m): ManagerAuth) -> Result<Json<Value>> {
    Ok(Json(json!({ "sessions": state.store.manager_sessions(m.id).await? })))
}

async fn session_detail(
    State(state): State<AppState>,
    ManagerAuth(m): ManagerAuth,
    IdPath(id): IdPath,
) -> Result<Json<Value>> {
    let session = chat::visible_session(&state, &Actor::Manager(m), id).await?;
    let visitor = state.store.visitor(session.visitor_id).await?;
    Ok(Json(json!({ "session": session, "visitor": visitor, "notes": state.store.notes(id).await? })))
}

async fn accept(State(state): State<AppState>, ManagerAuth(m): ManagerAuth, IdPath(id): IdPath) -> Result<Json<Value>> {
    Ok(Json(json!({ "session": chat::accept(&state, &m, id).await? })))
}

async fn close(State(state): State<AppState>, ManagerAuth(m): ManagerAuth, IdPath(id): IdPath) -> Result<Json<Value>> {
    Ok(Json(json!({ "session": chat::close(&state, &Actor::Manager(m), Some(id)).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    after_seq: Option<i64>,
    limit: Option<i64>,
}

async fn messages(
    State(state): State<AppState>,
    AnyAuth(actor): AnyAuth,
    IdPath(id): IdPath,
    AppQuery(p): AppQuery<Page>,
) -> Result<Json<Value>> {
    let (messages, has_more) =
        chat::history(&state, &actor, Some(id), p.after_seq.unwrap_or(0), p.limit.unwrap_or(100)).await?;
    Ok(Json(json!({ "messages": messages, "has_more": has_more })))
}

async fn ice_servers(State(state): State<AppState>, AnyAuth(actor): AnyAuth) -> Result<Json<Value>> {
    let subject = match &actor {
        Actor::Visitor(v) => v.id,
        Actor::Manager(m) => m.id,
    };
    Ok(Json(json!({ "ice_servers": state.ice.servers(&subject.to_string()) })))
}
