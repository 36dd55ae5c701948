//! Calls: WebRTC signaling inside active sessions (namespace `/call`).

use domain::Actor;
use socketioxide::extract::SocketRef;
use uuid::Uuid;

use crate::state::AppState;

pub fn register(_s: &SocketRef, _state: &AppState) {}

/// A party's `/call` socket connected (it may be back within the grace period).
pub async fn party_joined(_state: &AppState, _actor: &Actor) {}

/// A party's `/call` socket left.
pub async fn party_left(_state: &AppState, _actor: &Actor) {}

/// The session closed: its call, if any, ends.
pub async fn session_closed(_state: &AppState, _session_id: Uuid) {}
