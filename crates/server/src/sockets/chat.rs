//! Namespace `/chat`: messages, sync, typing, accept/close, presence.

use std::sync::Arc;

use domain::{Actor, ClientId, Error, MessageText, Result, parse_uuid};
use serde::Deserialize;
use serde_json::{Value, json};
use socketioxide::extract::{SocketRef, TryData};
use uuid::Uuid;

use super::{Identity, on, parse};
use crate::chat;
use crate::state::AppState;

pub fn register(s: &SocketRef, state: &AppState) {
    on(s, state, "message:send", send);
    on(s, state, "messages:sync", sync);
    on(s, state, "session:accept", accept);
    on(s, state, "session:close", close);
    on(s, state, "presence:set", presence);
    let state = state.clone();
    s.on("typing", move |s: SocketRef, TryData(data): TryData<Value>| {
        let state = state.clone();
        async move {
            let (Some(id), Ok(data)) = (super::identity(&s), data) else { return };
            if let Ok(p) = parse::<TypingPayload>(data)
                && let Ok(session_id) = session_id(p.session_id.as_deref())
            {
                let _ = chat::typing(&state, &id.actor, session_id, p.typing).await;
            }
        }
    });
}

fn session_id(raw: Option<&str>) -> Result<Option<Uuid>> {
    raw.map(|r| parse_uuid(r, "session_id")).transpose()
}

#[derive(Deserialize)]
struct SendPayload {
    session_id: Option<String>,
    client_id: String,
    text: String,
}

async fn send(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let p: SendPayload = parse(data)?;
    let client_id = ClientId::parse(&p.client_id)?;
    let text = MessageText::parse(&p.text)?;
    let message = chat::send_message(
        &state,
        &id.actor,
        session_id(p.session_id.as_deref())?,
        client_id,
        text,
        Some(&id.open_session),
    )
    .await?;
    Ok(json!({ "message": message }))
}

#[derive(Deserialize)]
struct SyncPayload {
    session_id: Option<String>,
    after_seq: i64,
    limit: Option<i64>,
}

async fn sync(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let p: SyncPayload = parse(data)?;
    let (messages, has_more) =
        chat::history(&state, &id.actor, session_id(p.session_id.as_deref())?, p.after_seq, p.limit.unwrap_or(500))
            .await?;
    Ok(json!({ "messages": messages, "has_more": has_more }))
}

#[derive(Deserialize)]
struct TypingPayload {
    session_id: Option<String>,
    typing: bool,
}

#[derive(Deserialize)]
struct SessionPayload {
    session_id: Option<String>,
}

async fn accept(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let Actor::Manager(m) = &id.actor else { return Err(Error::forbidden("only managers accept sessions")) };
    let p: SessionPayload = parse(data)?;
    let sid = session_id(p.session_id.as_deref())?.ok_or_else(|| Error::validation("session_id is required"))?;
    Ok(json!({ "session": chat::accept(&state, m, sid).await? }))
}

async fn close(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let p: SessionPayload = parse(data)?;
    Ok(json!({ "session": chat::close(&state, &id.actor, session_id(p.session_id.as_deref())?).await? }))
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Online,
    Away,
}

#[derive(Deserialize)]
struct PresencePayload {
    status: Status,
}

async fn presence(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let Actor::Manager(m) = &id.actor else { return Err(Error::forbidden("only managers have a presence")) };
    let p: PresencePayload = parse(data)?;
    state.coord.set_away(m.site_id, m.id, matches!(p.status, Status::Away)).await?;
    state.queue.touch(m.site_id);
    Ok(json!({}))
}
