//! A call's life: invited (ringing), answered (active), ended — each transition
//! stored in Postgres first, then in the shared state, then announced on `/call`.
//!
//! Transitions of one call are serialized by a cluster-wide lock, so an answer and a
//! hang-up racing on two nodes happen one after the other, and exactly one of
//! several concurrent enders (hang-up, timeout, disconnect, session close) writes
//! the end and announces it.

use domain::{Actor, Call, CallState, Error, Media, Result, Session, SessionStatus};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::record::{self, CallRecord, Party, call_key, session_key, with_lock};
use super::{Timings, messages, presence};
use crate::state::AppState;

/// Why a call ended, as sent in `call:ended {call_id, reason}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Declined,
    Hangup,
    Timeout,
    Disconnected,
    /// The session closed (an extension of the contract's reasons).
    SessionClosed,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declined => "declined",
            Self::Hangup => "hangup",
            Self::Timeout => "timeout",
            Self::Disconnected => "disconnected",
            Self::SessionClosed => "session_closed",
        }
    }
}

/// The session an actor calls in: it must be `active` and the actor one of its two
/// parties; anything else is `not_found` (a caller learns nothing of other sessions).
async fn active_session(state: &AppState, actor: &Actor, session_id: Option<Uuid>) -> Result<Session> {
    let record = match (actor, session_id) {
        (_, Some(id)) => state.store.session(id).await?,
        (Actor::Visitor(v), None) => state.store.open_session(v.id).await?,
        (Actor::Manager(_), None) => return Err(Error::validation("session_id is required")),
    };
    let s = record.ok_or_else(|| Error::not_found("session"))?.session;
    let is_party = match actor {
        Actor::Visitor(v) => s.visitor_id == v.id,
        Actor::Manager(m) => s.manager.as_ref().is_some_and(|p| p.id == m.id),
    };
    if is_party && s.status == SessionStatus::Active { Ok(s) } else { Err(Error::not_found("session")) }
}

pub async fn invite(state: &AppState, actor: &Actor, session_id: Option<Uuid>, media: Media) -> Result<Call> {
    let session = active_session(state, actor, session_id).await?;
    let manager_id = session.manager.as_ref().map(|m| m.id).ok_or_else(|| Error::not_found("session"))?;
    let locale = state.store.site(session.site_id).await?.map(|s| s.locale).unwrap_or_else(|| "en".into());
    let call = Call {
        id: Uuid::new_v4(),
        session_id: session.id,
        media,
        from: Party::of(actor).side,
        state: CallState::Ringing,
        created_at: chrono::Utc::now(),
    };
    let rec = CallRecord {
        call,
        site_id: session.site_id,
        visitor_id: session.visitor_id,
        manager_id,
        locale,
        answered_at: None,
    };
    let timings = Timings::of(state);
    let ttl = record::ttl(&rec, timings.ring_timeout);
    let coord = state.coord.as_ref();
    if !coord.put_if_absent(&session_key(session.id), &rec.call.id.to_string(), ttl).await? {
        return Err(Error::conflict("a call is already in progress in this session"));
    }
    // Stored first: a call that was announced is always in the history.
    let stored = async {
        state.store.create_call(&rec.call).await?;
        if let Err(e) = record::put_json(coord, &call_key(rec.call.id), &rec, ttl).await {
            let _ = state.store.update_call(rec.call.id, CallState::Ended, Some("failed")).await;
            return Err(e);
        }
        Ok(())
    };
    if let Err(e) = stored.await {
        let _ = coord.delete(&session_key(session.id)).await;
        return Err(e);
    }
    for p in [rec.visitor(), rec.manager()] {
        presence::track_call(state, p, rec.call.id, true).await;
    }
    state.fanout.emit("/call", vec![rec.callee().room()], "call:incoming", &json!({ "call": rec.call })).await;
    arm_ring_timer(state, rec.call.id, timings);
    Ok(rec.call)
}

pub async fn accept(state: &AppState, actor: &Actor, call_id: Uuid) -> Result<Call> {
    with_lock(state.coord.as_ref(), &call_key(call_id), async || {
        let mut rec = record::load(state.coord.as_ref(), call_id).await?.ok_or_else(|| Error::not_found("call"))?;
        let me = rec.party_of(actor)?;
        if me != rec.callee() {
            return Err(Error::conflict("only the called party answers a call"));
        }
        if rec.call.state != CallState::Ringing {
            return Err(Error::conflict("the call was already answered"));
        }
        // The session may have closed on a node that could not end the call.
        active_session(state, actor, Some(rec.call.session_id)).await.map_err(|e| match e.code {
            domain::ErrorCode::NotFound => Error::not_found("call"),
            _ => e,
        })?;
        state.store.update_call(call_id, CallState::Active, None).await?;
        rec.call.state = CallState::Active;
        rec.answered_at = Some(chrono::Utc::now());
        let coord = state.coord.as_ref();
        record::put_json(coord, &call_key(call_id), &rec, record::ACTIVE_TTL).await?;
        coord.put(&session_key(rec.call.session_id), &call_id.to_string(), record::ACTIVE_TTL).await?;
        // Both parties: the callee's other tabs stop ringing.
        state.fanout.emit("/call", rec.rooms(), "call:accepted", &json!({ "call": rec.call })).await;
        messages::started(state, &rec).await;
        Ok(rec.call)
    })
    .await
}

/// Ends the call with `reason` if `allowed` says so (`Ok(false)`: leave it alone,
/// silently). Returns whether this call of `finish` ended it.
pub async fn finish(
    state: &AppState,
    call_id: Uuid,
    reason: EndReason,
    allowed: impl FnOnce(&CallRecord) -> Result<bool>,
) -> Result<bool> {
    let coord = state.coord.as_ref();
    let ended = with_lock(coord, &call_key(call_id), async || {
        let Some(rec) = record::load(coord, call_id).await? else {
            return Err(Error::not_found("call"));
        };
        if !allowed(&rec)? {
            return Ok(None);
        }
        state.store.update_call(call_id, CallState::Ended, Some(reason.as_str())).await?;
        coord.delete(&call_key(call_id)).await?;
        let session = session_key(rec.call.session_id);
        if coord.get(&session).await?.as_deref() == Some(call_id.to_string().as_str()) {
            coord.delete(&session).await?;
        }
        state.fanout.emit("/call", rec.rooms(), "call:ended", &json!({ "call_id": call_id, "reason": reason })).await;
        messages::ended(state, &rec, reason).await;
        Ok(Some(rec))
    })
    .await?;
    let Some(rec) = ended else { return Ok(false) };
    for p in [rec.visitor(), rec.manager()] {
        presence::track_call(state, p, call_id, false).await;
    }
    Ok(true)
}

/// Ends a call from a timer or a hook, where nobody waits for the outcome.
pub async fn finish_quietly(
    state: &AppState,
    call_id: Uuid,
    reason: EndReason,
    allowed: impl FnOnce(&CallRecord) -> bool,
) {
    match finish(state, call_id, reason, |r| Ok(allowed(r))).await {
        Ok(_) => {}
        Err(e) if e.code == domain::ErrorCode::NotFound => {}
        Err(e) => {
            tracing::warn!(error = %e, call = %call_id, reason = reason.as_str(), "call not ended")
        }
    }
}

/// The ring timeout runs on the node that invited. If that node dies, the ringing
/// state expires with its TTL (ring timeout + slack) and the session is free again,
/// but nobody is told `call:ended` and the stored call stays `ringing`.
fn arm_ring_timer(state: &AppState, call_id: Uuid, timings: Timings) {
    let state = state.clone();
    tokio::spawn(async move {
        tokio::time::sleep(timings.ring_timeout).await;
        finish_quietly(&state, call_id, EndReason::Timeout, |r| r.call.state == CallState::Ringing).await;
    });
}
