//! Socket.IO: the `/chat` and `/call` namespaces, their connect auth, and the one
//! helper through which every acknowledged event is parsed and answered.

mod chat;

use std::future::Future;
use std::sync::Arc;

use domain::{Actor, Error, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;

use crate::auth::{resolve, token_hash};
use crate::fanout::{manager_room, site_room, token_room, visitor_room};
use crate::state::AppState;

/// Who is behind a socket, set once by the connect middleware.
pub struct Identity {
    pub actor: Actor,
    pub token_hash: Vec<u8>,
    /// A visitor socket's open session, once known.
    pub open_session: crate::chat::OpenSessionCache,
}

/// Largest event payload we parse; bigger ones get `too_large` (packets up to
/// socketioxide's `max_payload`, 1 MiB, are read; only larger ones close the socket).
pub const MAX_EVENT_BYTES: usize = 72 * 1024;

pub fn register(io: &SocketIo, state: &AppState) {
    for ns in ["/chat", "/call"] {
        let mw_state = state.clone();
        let conn_state = state.clone();
        let middleware = move |s: SocketRef, TryData(auth): TryData<Value>| {
            let state = mw_state.clone();
            async move { authenticate(&state, &s, auth.ok()).await.map_err(|e| e.code.as_str()) }
        };
        let on_connect = move |s: SocketRef| {
            let state = conn_state.clone();
            // socketioxide sends CONNECT, then calls this closure and spawns the future it
            // returns. Handlers registered inside the future could miss an event the client
            // sends right after CONNECT (seen under load: an ack that never came), so the
            // socket is wired up here, inline; only the shared-state updates are async.
            let first_on_node = attach(&state, &s);
            async move { connected(state, s, first_on_node).await }
        };
        io.ns(ns, on_connect.with(middleware));
    }
}

/// The contract's handshake: a valid visitor or manager token, and for visitors an
/// allowed Origin. The error text is the contract code (see docs/contract.md: the
/// socketioxide parser can only send `{message}` in `connect_error`).
async fn authenticate(state: &AppState, s: &SocketRef, auth: Option<Value>) -> Result<()> {
    let token = auth.as_ref().and_then(|a| a.get("token")).and_then(Value::as_str).ok_or_else(Error::unauthorized)?;
    let actor = resolve(state, token).await?;
    if let Actor::Visitor(v) = &actor {
        let site = state.store.site(v.site_id).await?.ok_or_else(Error::unauthorized)?;
        crate::http::check_origin(&s.req_parts().headers, &site)?;
    }
    s.extensions.insert(Arc::new(Identity { actor, token_hash: token_hash(token), open_session: Default::default() }));
    Ok(())
}

/// The synchronous part of a connection: event and disconnect handlers, rooms, the
/// node's count of the manager's sockets. Returns whether this is the manager's first
/// `/chat` socket on this node (presence then goes to Redis, in [`connected`]).
fn attach(state: &AppState, s: &SocketRef) -> bool {
    let Some(id) = identity(s) else {
        s.clone().disconnect().unwrap_or_default();
        return false;
    };
    let ns = s.ns().to_owned();
    if ns == "/chat" {
        chat::register(s, state);
    } else {
        crate::calls::register(s, state);
    }
    let mut rooms = vec![token_room(&id.token_hash)];
    match &id.actor {
        Actor::Visitor(v) => rooms.push(visitor_room(v.id)),
        Actor::Manager(m) => {
            rooms.push(manager_room(m.id));
            rooms.push(site_room(m.site_id));
        }
    }
    s.join(rooms);
    metrics::gauge!("socketio_connections", "namespace" => ns.clone()).increment(1.0);
    let dc_state = state.clone();
    s.on_disconnect(move |s: SocketRef| {
        let state = dc_state.clone();
        async move {
            metrics::gauge!("socketio_connections", "namespace" => s.ns().to_owned()).decrement(1.0);
            let Some(id) = identity(&s) else { return };
            match (&id.actor, s.ns()) {
                (Actor::Manager(m), "/chat") => manager_offline(&state, m.site_id, m.id).await,
                (_, "/call") => crate::calls::party_left(&state, &id.actor).await,
                _ => {}
            }
        }
    });
    match (&id.actor, ns.as_str()) {
        (Actor::Manager(m), "/chat") => state.presence.connected(m.site_id, m.id),
        _ => false,
    }
}

/// The asynchronous part: presence in Redis and the call state of the party.
async fn connected(state: AppState, s: SocketRef, first_on_node: bool) {
    let Some(id) = identity(&s) else { return };
    match (&id.actor, s.ns()) {
        (Actor::Manager(m), "/chat") if first_on_node => manager_online(&state, m.site_id, m.id).await,
        (_, "/call") => crate::calls::party_joined(&state, &id.actor).await,
        _ => {}
    }
}

async fn manager_online(state: &AppState, site: uuid::Uuid, manager: uuid::Uuid) {
    if let Err(e) = state.coord.presence_refresh(&[(site, manager)]).await {
        tracing::warn!(error = %e, "presence update failed");
    }
    state.queue.touch(site);
}

async fn manager_offline(state: &AppState, site: uuid::Uuid, manager: uuid::Uuid) {
    if state.presence.disconnected(site, manager) {
        if let Err(e) = state.coord.presence_remove(site, manager).await {
            tracing::warn!(error = %e, "presence update failed");
        }
        state.queue.touch(site);
    }
}

pub fn identity(s: &SocketRef) -> Option<Arc<Identity>> {
    s.extensions.get::<Arc<Identity>>()
}

/// About how many bytes of JSON `v` was (strings and keys counted exactly, the rest
/// roughly): enough for a size limit, without serializing the payload again.
fn json_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(a) => 2 + a.iter().map(|x| json_size(x) + 1).sum::<usize>(),
        Value::Object(o) => 2 + o.iter().map(|(k, x)| k.len() + 4 + json_size(x)).sum::<usize>(),
    }
}

/// Parses an event payload into `T`, with the contract's size and type errors.
pub fn parse<T: DeserializeOwned>(data: Value) -> Result<T> {
    let size = json_size(&data);
    if size > MAX_EVENT_BYTES {
        return Err(Error::too_large(format!("the event payload is over {MAX_EVENT_BYTES} bytes")));
    }
    serde_json::from_value(data).map_err(|e| Error::validation(format!("invalid payload: {e}")))
}

/// Registers an acknowledged event: the handler's `Ok(value)` is sent as
/// `{ok: true, ...value}`, its error as `{ok: false, error}`.
pub fn on<F, Fut>(s: &SocketRef, state: &AppState, event: &'static str, handler: F)
where
    F: Fn(AppState, Arc<Identity>, Value) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Value>> + Send + 'static,
{
    let state = state.clone();
    s.on(event, move |s: SocketRef, TryData(data): TryData<Value>, ack: AckSender| {
        let (state, handler) = (state.clone(), handler.clone());
        async move {
            let result = match (identity(&s), data) {
                (None, _) => Err(Error::unauthorized()),
                (Some(_), Err(_)) => Err(Error::validation("the payload must be a JSON object")),
                (Some(id), Ok(data)) => handler(state, id, data).await,
            };
            let reply = match result {
                Ok(Value::Object(mut map)) => {
                    map.insert("ok".into(), Value::Bool(true));
                    Value::Object(map)
                }
                Ok(_) => serde_json::json!({ "ok": true }),
                Err(e) => {
                    if e.source.is_some() {
                        tracing::warn!(event, error = %e, "socket event failed");
                    }
                    e.ack()
                }
            };
            let _ = ack.send(&reply);
        }
    });
}
