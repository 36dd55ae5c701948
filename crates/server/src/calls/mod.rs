//! Calls: WebRTC signaling inside active sessions (namespace `/call`).
//!
//! - [`signal`]: the client events, their payload checks, the relay of SDP and ICE;
//! - [`lifecycle`]: invite → answer → end, stored in Postgres, announced on `/call`,
//!   with the ring timeout;
//! - [`presence`]: which parties still have `/call` sockets, the reconnect grace
//!   period, `call:state` for a party that comes back;
//! - [`record`]: the shared state in the coordinator, so a call invited on one
//!   node is answered, relayed and ended on any other;
//! - [`messages`]: the `call_started` / `call_ended` system messages in the chat.
//!
//! Beyond the contract's events: `call:accepted` and `call:ended` go to both
//! parties (the other tabs of the one who acted stop ringing); `call:ended` may
//! carry reason `timeout` (nobody answered within the ring timeout) or
//! `session_closed`; and a party whose `/call` socket connects while it is in a call
//! (a reconnect within the grace period, or a new tab) gets `call:state {call}`.
//!
//! Timers (ring timeout, grace period) run on the node that armed them; see
//! [`lifecycle`] and [`presence`] for what happens when that node dies.

mod lifecycle;
mod messages;
mod presence;
mod record;
mod signal;

use std::time::Duration;

use domain::Actor;
use socketioxide::extract::SocketRef;
use uuid::Uuid;

pub use lifecycle::EndReason;
pub use signal::{MAX_CANDIDATE_BYTES, MAX_SDP_BYTES};

use crate::state::AppState;

/// The call timers, from the `[calls]` settings.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub ring_timeout: Duration,
    pub grace: Duration,
}

impl Timings {
    pub fn of(state: &AppState) -> Self {
        let c = &state.settings.calls;
        Self {
            ring_timeout: Duration::from_secs(c.ring_timeout_secs),
            grace: Duration::from_secs(c.reconnect_grace_secs),
        }
    }
}

/// Registers the `/call` event handlers on a new socket.
pub fn register(s: &SocketRef, state: &AppState) {
    signal::register(s, state);
}

/// A party's `/call` socket connected (it may be back within the grace period).
pub async fn party_joined(state: &AppState, actor: &Actor) {
    if let Err(e) = presence::joined(state, record::Party::of(actor)).await {
        tracing::warn!(error = %e, "call presence not recorded on connect");
    }
}

/// A party's `/call` socket left.
pub async fn party_left(state: &AppState, actor: &Actor) {
    if let Err(e) = presence::left(state, record::Party::of(actor)).await {
        tracing::warn!(error = %e, "call presence not recorded on disconnect");
    }
}

/// The session closed: its call, if any, ends (reason `session_closed`).
pub async fn session_closed(state: &AppState, session_id: Uuid) {
    let call = match state.coord.get(&record::session_key(session_id)).await {
        Ok(call) => call.and_then(|c| c.parse::<Uuid>().ok()),
        Err(e) => {
            return tracing::warn!(error = %e, session = %session_id, "call of a closed session not ended");
        }
    };
    if let Some(call_id) = call {
        lifecycle::finish_quietly(state, call_id, EndReason::SessionClosed, |_| true).await;
    }
}
