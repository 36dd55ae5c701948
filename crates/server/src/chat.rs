//! Chat operations shared by REST and Socket.IO: each one stores first, then
//! announces what changed to whoever must see it, on whatever node they are.

use domain::{
    Actor, ClientId, Error, ErrorCode, Manager, Message, MessageText, Person, Result, SenderKind, Session,
    SessionStatus, Visitor,
};
use serde_json::json;
use store::{Appended, Closer, NewMessage, Transition};
use uuid::Uuid;

use crate::fanout::{Fanout, manager_room, visitor_room};
use crate::queue::QueueNotifier;
use crate::state::AppState;

/// Rooms of the two parties of a session.
fn parties(visitor_id: Uuid, manager_id: Option<Uuid>) -> Vec<String> {
    let mut rooms = vec![visitor_room(visitor_id)];
    rooms.extend(manager_id.map(manager_room));
    rooms
}

/// Announces a status change: `session:updated` to both parties (and the manager
/// who just lost the session), its system message, and the queue.
pub async fn announce(fanout: &Fanout, queue: &QueueNotifier, t: &Transition) {
    if !t.changed {
        return;
    }
    let s = &t.session;
    let manager = s.manager.as_ref().map(|m| m.id);
    let mut rooms = parties(s.visitor_id, manager);
    rooms.extend(t.previous_manager.filter(|p| Some(*p) != manager).map(manager_room));
    fanout.emit("/chat", rooms.clone(), "session:updated", &json!({ "session": s })).await;
    if let Some(m) = &t.message {
        fanout.emit("/chat", rooms, "message:new", &json!({ "message": m })).await;
    }
    queue.touch(s.site_id);
}

pub async fn deliver(state: &AppState, a: &Appended) {
    state
        .fanout
        .emit("/chat", parties(a.visitor_id, a.manager_id), "message:new", &json!({ "message": a.message }))
        .await;
}

/// Remembers a socket's open session, so a visitor's messages without `session_id`
/// cost no extra query each. A stale entry (the session closed) is corrected on use.
pub type OpenSessionCache = std::sync::Mutex<Option<Uuid>>;

fn cached(cache: Option<&OpenSessionCache>) -> Option<Uuid> {
    cache.and_then(|c| *c.lock().unwrap_or_else(|e| e.into_inner()))
}

fn remember(cache: Option<&OpenSessionCache>, id: Uuid) {
    if let Some(c) = cache {
        *c.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
    }
}

pub async fn send_message(
    state: &AppState,
    actor: &Actor,
    session_id: Option<Uuid>,
    client_id: ClientId,
    text: MessageText,
    cache: Option<&OpenSessionCache>,
) -> Result<Message> {
    let message = |session_id, sender, author| {
        NewMessage::text(session_id, sender, author, text.as_str().to_owned(), Some(client_id.as_str().to_owned()))
    };
    let appended = match actor {
        Actor::Visitor(v) => {
            let chat = &state.settings.chat;
            let window = std::time::Duration::from_secs(chat.visitor_rate_window_secs);
            if let Some(retry) = state.coord.rate_hit(&format!("msg:{}", v.id), chat.visitor_rate_limit, window).await?
            {
                return Err(Error::rate_limited(retry));
            }
            let author = Person { id: v.id, name: v.name.clone() };
            let open = async || -> Result<Uuid> {
                let id = state.store.ensure_open_session(v.site_id, v.id).await?.session.id;
                remember(cache, id);
                Ok(id)
            };
            match session_id.or_else(|| cached(cache)) {
                Some(id) => match state.writer.append(message(id, SenderKind::Visitor, author.clone())).await {
                    // The remembered session closed meanwhile: writing opens a new one.
                    Err(e) if e.code == ErrorCode::Conflict && session_id.is_none() => {
                        state.writer.append(message(open().await?, SenderKind::Visitor, author)).await?
                    }
                    other => other?,
                },
                None => state.writer.append(message(open().await?, SenderKind::Visitor, author)).await?,
            }
        }
        Actor::Manager(m) => {
            let id = session_id.ok_or_else(|| Error::validation("session_id is required"))?;
            let author = Person { id: m.id, name: Some(m.name.clone()) };
            state.writer.append(message(id, SenderKind::Manager, author)).await?
        }
    };
    if !appended.duplicate {
        deliver(state, &appended).await;
        if appended.message.sender == SenderKind::Visitor && appended.status == SessionStatus::Ai {
            crate::assistant::on_visitor_message(state, &appended);
        }
    }
    Ok(appended.message)
}

/// A session as its visitor or a manager of its site may see it; else `not_found`.
pub async fn visible_session(state: &AppState, actor: &Actor, session_id: Uuid) -> Result<Session> {
    let record = state.store.session(session_id).await?.ok_or_else(|| Error::not_found("session"))?;
    let s = record.session;
    let allowed = match actor {
        Actor::Visitor(v) => s.visitor_id == v.id,
        Actor::Manager(m) => s.site_id == m.site_id,
    };
    if allowed { Ok(s) } else { Err(Error::not_found("session")) }
}

pub async fn history(
    state: &AppState,
    actor: &Actor,
    session_id: Option<Uuid>,
    after_seq: i64,
    limit: i64,
) -> Result<(Vec<Message>, bool)> {
    if !(1..=500).contains(&limit) {
        return Err(Error::validation("limit must be between 1 and 500"));
    }
    if after_seq < 0 {
        return Err(Error::validation("after_seq must not be negative"));
    }
    let session_id = match (session_id, actor) {
        (Some(id), _) => id,
        (None, Actor::Visitor(v)) => match state.store.open_session(v.id).await? {
            Some(r) => r.session.id,
            None => return Ok((Vec::new(), false)),
        },
        (None, Actor::Manager(_)) => return Err(Error::validation("session_id is required")),
    };
    visible_session(state, actor, session_id).await?;
    state.store.messages(session_id, after_seq, limit).await
}

pub async fn request_manager(state: &AppState, v: &Visitor) -> Result<Session> {
    let t = state.store.request_manager(v.site_id, v.id).await?;
    if t.changed
        && let Some(site) = state.store.site(v.site_id).await?
        && let Err(e) = crate::assistant::handoff_note(state, &site, t.session.id).await
    {
        // The note helps managers; its failure must not fail the request.
        tracing::warn!(error = %e, "handoff note failed");
    }
    announce(&state.fanout, &state.queue, &t).await;
    if !t.changed {
        return Ok(t.session);
    }
    // On an `auto` site route now, so the reply can already say `active`. The queue's
    // own routing pass may win that race; either way, answer with the session as it is.
    state.queue.route_now(v.site_id).await?;
    visible_session(state, &Actor::Visitor(v.clone()), t.session.id).await
}

pub async fn accept(state: &AppState, m: &Manager, session_id: Uuid) -> Result<Session> {
    let t = state.store.accept(session_id, m).await?;
    announce(&state.fanout, &state.queue, &t).await;
    Ok(t.session)
}

pub async fn close(state: &AppState, actor: &Actor, session_id: Option<Uuid>) -> Result<Session> {
    let (id, by) = match (actor, session_id) {
        (Actor::Visitor(v), Some(id)) => (id, Closer::Visitor(v.id)),
        (Actor::Visitor(v), None) => {
            let open = state.store.open_session(v.id).await?.ok_or_else(|| Error::not_found("open session"))?;
            (open.session.id, Closer::Visitor(v.id))
        }
        (Actor::Manager(m), Some(id)) => {
            visible_session(state, actor, id).await?;
            (id, Closer::Manager(m.id))
        }
        (Actor::Manager(_), None) => return Err(Error::validation("session_id is required")),
    };
    let t = state.store.close(id, by).await?;
    announce(&state.fanout, &state.queue, &t).await;
    crate::calls::session_closed(state, id).await;
    Ok(t.session)
}

/// Relays a typing indicator to the other party (never stored).
pub async fn typing(state: &AppState, actor: &Actor, session_id: Option<Uuid>, typing: bool) -> Result<()> {
    let (session, sender, to) = match actor {
        Actor::Visitor(v) => {
            let s = match session_id {
                Some(id) => visible_session(state, actor, id).await?,
                None => state.store.open_session(v.id).await?.ok_or_else(|| Error::not_found("open session"))?.session,
            };
            let to = s.manager.as_ref().map(|m| manager_room(m.id));
            (s, "visitor", to)
        }
        Actor::Manager(m) => {
            let id = session_id.ok_or_else(|| Error::validation("session_id is required"))?;
            let s = visible_session(state, actor, id).await?;
            if s.manager.as_ref().map(|x| x.id) != Some(m.id) {
                return Err(Error::not_found("session"));
            }
            let to = Some(visitor_room(s.visitor_id));
            (s, "manager", to)
        }
    };
    if let Some(room) = to {
        state
            .fanout
            .emit(
                "/chat",
                vec![room],
                "typing",
                &json!({ "session_id": session.id, "sender": sender, "typing": typing }),
            )
            .await;
    }
    Ok(())
}
