//! The live state of calls, shared by every node through the coordinator's KV store
//! (Postgres keeps the history; this is what signaling reads on its hot path).
//!
//! Keys (under the deployment's Redis prefix):
//! - `call:<call_id>`: the [`CallRecord`] as JSON;
//! - `call:session:<session_id>`: the call id, claimed with `put_if_absent` so a
//!   session has one call at a time whichever node each party is on;
//! - `call:party:<visitor_or_manager_id>`: the [`PartyState`] (its calls, the nodes
//!   it has `/call` sockets on);
//! - `call:lock:…`: short locks that serialize read-modify-writes of the above.
//!
//! Every key has a TTL, so state left behind by a node that died mid-call expires.

use std::time::Duration;

use cluster::Coordinator;
use domain::{Actor, Call, Error, Result, SenderKind, Time};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fanout::{manager_room, visitor_room};

/// How long an answered call's state lives without an update. Long calls are
/// rare; a call whose nodes all died is forgotten after this.
pub const ACTIVE_TTL: Duration = Duration::from_secs(12 * 3600);
/// Extra lifetime of a ringing call's state past the ring timeout: if the node
/// that armed the timer dies, the session is free for a new call once this expires.
pub const RINGING_SLACK: Duration = Duration::from_secs(30);
/// Lifetime of a party's connection state without an update.
pub const PARTY_TTL: Duration = Duration::from_secs(24 * 3600);
/// A lock is released by its holder within milliseconds; the TTL only covers a
/// holder that died.
const LOCK_TTL: Duration = Duration::from_secs(10);
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// One side of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party {
    pub side: SenderKind,
    pub id: Uuid,
}

impl Party {
    pub fn of(actor: &Actor) -> Self {
        match actor {
            Actor::Visitor(v) => Self { side: SenderKind::Visitor, id: v.id },
            Actor::Manager(m) => Self { side: SenderKind::Manager, id: m.id },
        }
    }

    /// The room every socket of the party is in (both namespaces).
    pub fn room(&self) -> String {
        match self.side {
            SenderKind::Manager => manager_room(self.id),
            _ => visitor_room(self.id),
        }
    }
}

/// A call in progress (ringing or active) as every node sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallRecord {
    pub call: Call,
    pub site_id: Uuid,
    pub visitor_id: Uuid,
    pub manager_id: Uuid,
    /// The site's locale, for the system messages written when it ends.
    pub locale: String,
    pub answered_at: Option<Time>,
}

impl CallRecord {
    pub fn visitor(&self) -> Party {
        Party { side: SenderKind::Visitor, id: self.visitor_id }
    }
    pub fn manager(&self) -> Party {
        Party { side: SenderKind::Manager, id: self.manager_id }
    }
    pub fn callee(&self) -> Party {
        if self.call.from == SenderKind::Manager { self.visitor() } else { self.manager() }
    }
    /// The actor's side of this call; `not_found` for anyone else, who must learn
    /// nothing about it.
    pub fn party_of(&self, actor: &Actor) -> Result<Party> {
        let p = Party::of(actor);
        if p == self.visitor() || p == self.manager() { Ok(p) } else { Err(Error::not_found("call")) }
    }
    pub fn other(&self, p: Party) -> Party {
        if p == self.visitor() { self.manager() } else { self.visitor() }
    }
    pub fn rooms(&self) -> Vec<String> {
        vec![self.visitor().room(), self.manager().room()]
    }
}

/// What the cluster knows of one party's `/call` connections.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PartyState {
    /// Calls in progress the party is in (one per session).
    pub calls: Vec<Uuid>,
    /// Nodes holding at least one `/call` socket of the party.
    pub nodes: Vec<Uuid>,
    /// Set when the party's last socket left; the grace timer armed then ends the
    /// party's calls only if this is still the same (no reconnect, no newer leave).
    pub away: Option<Uuid>,
}

pub fn call_key(id: Uuid) -> String {
    format!("call:{id}")
}
pub fn session_key(id: Uuid) -> String {
    format!("call:session:{id}")
}
pub fn party_key(id: Uuid) -> String {
    format!("call:party:{id}")
}

/// The call's state lifetime for its current state.
pub fn ttl(rec: &CallRecord, ring_timeout: Duration) -> Duration {
    match rec.call.state {
        domain::CallState::Ringing => ring_timeout + RINGING_SLACK,
        _ => ACTIVE_TTL,
    }
}

pub async fn get_json<T: DeserializeOwned>(coord: &dyn Coordinator, key: &str) -> Result<Option<T>> {
    match coord.get(key).await? {
        None => Ok(None),
        Some(raw) => {
            serde_json::from_str(&raw).map(Some).map_err(|e| Error::internal_msg(format!("corrupt {key}: {e}")))
        }
    }
}

pub async fn put_json<T: Serialize>(coord: &dyn Coordinator, key: &str, value: &T, ttl: Duration) -> Result<()> {
    let raw = serde_json::to_string(value).map_err(Error::internal)?;
    coord.put(key, &raw, ttl).await
}

pub async fn load(coord: &dyn Coordinator, id: Uuid) -> Result<Option<CallRecord>> {
    get_json(coord, &call_key(id)).await
}

/// Runs `f` holding the cluster-wide lock `name`, released whatever `f` returns.
///
/// The coordinator has no compare-and-set, so the few read-modify-writes of call
/// and party state take a short lock (`put_if_absent` with a TTL). Contention is
/// between the two parties of one call at most, so waiting by polling is cheap.
pub async fn with_lock<T>(coord: &dyn Coordinator, name: &str, f: impl AsyncFnOnce() -> Result<T>) -> Result<T> {
    let key = format!("call:lock:{name}");
    let token = Uuid::new_v4().to_string();
    let deadline = tokio::time::Instant::now() + LOCK_WAIT;
    let mut pause = Duration::from_millis(2);
    while !coord.put_if_absent(&key, &token, LOCK_TTL).await? {
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::new(domain::ErrorCode::Unavailable, "the call is busy, retry shortly"));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
    let result = f().await;
    // Only our own lock: one that expired and was taken by another holder stays.
    match coord.get(&key).await {
        Ok(Some(v)) if v == token => {
            if let Err(e) = coord.delete(&key).await {
                tracing::warn!(error = %e, key, "call lock not released; it expires");
            }
        }
        Ok(_) => tracing::warn!(key, "call lock expired while held"),
        Err(e) => tracing::warn!(error = %e, key, "call lock not released; it expires"),
    }
    result
}
