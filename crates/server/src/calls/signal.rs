//! The `/call` events: payloads checked for shape and size, then handed to the
//! call's life cycle or relayed unchanged to the other party.

use std::sync::Arc;

use domain::{Actor, CallState, Error, Media, Result, parse_uuid};
use serde::Deserialize;
use serde_json::{Value, json};
use socketioxide::extract::SocketRef;
use uuid::Uuid;

use super::lifecycle::{self, EndReason};
use super::record;
use crate::sockets::{Identity, on, parse};
use crate::state::AppState;

/// Largest SDP text relayed (a real offer with many codecs is 5–20 KiB).
pub const MAX_SDP_BYTES: usize = 64 * 1024;
/// Largest ICE candidate relayed, as JSON (a real one is ~200 bytes).
pub const MAX_CANDIDATE_BYTES: usize = 4 * 1024;

pub fn register(s: &SocketRef, state: &AppState) {
    on(s, state, "call:invite", invite);
    on(s, state, "call:accept", accept);
    on(s, state, "call:decline", decline);
    on(s, state, "call:end", end);
    on(s, state, "call:offer", |st, id, data| relay_sdp(st, id, data, "call:offer"));
    on(s, state, "call:answer", |st, id, data| relay_sdp(st, id, data, "call:answer"));
    on(s, state, "call:ice", ice);
}

#[derive(Deserialize)]
struct InvitePayload {
    session_id: Option<String>,
    media: Media,
}

#[derive(Deserialize)]
struct CallIdPayload {
    call_id: String,
}

#[derive(Deserialize)]
struct SdpPayload {
    call_id: String,
    sdp: Value,
}

#[derive(Deserialize)]
struct IcePayload {
    call_id: String,
    candidate: Value,
}

async fn invite(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let p: InvitePayload = parse(data)?;
    let session_id = p.session_id.as_deref().map(|s| parse_uuid(s, "session_id")).transpose()?;
    let call = lifecycle::invite(&state, &id.actor, session_id, p.media).await?;
    Ok(json!({ "call": call }))
}

async fn accept(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let p: CallIdPayload = parse(data)?;
    let call = lifecycle::accept(&state, &id.actor, parse_uuid(&p.call_id, "call_id")?).await?;
    Ok(json!({ "call": call }))
}

async fn decline(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let p: CallIdPayload = parse(data)?;
    let call_id = parse_uuid(&p.call_id, "call_id")?;
    lifecycle::finish(&state, call_id, EndReason::Declined, |rec| {
        if rec.party_of(&id.actor)? != rec.callee() {
            return Err(Error::conflict("only the called party declines; the caller ends the call"));
        }
        if rec.call.state != CallState::Ringing {
            return Err(Error::conflict("the call was already answered; end it instead"));
        }
        Ok(true)
    })
    .await?;
    Ok(json!({}))
}

async fn end(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let p: CallIdPayload = parse(data)?;
    let call_id = parse_uuid(&p.call_id, "call_id")?;
    lifecycle::finish(&state, call_id, EndReason::Hangup, |rec| rec.party_of(&id.actor).map(|_| true)).await?;
    Ok(json!({}))
}

/// `{type, sdp}` with a known type and an SDP text within the limit. Other fields
/// are relayed as they came.
fn check_sdp(sdp: &Value) -> Result<()> {
    let kind = sdp.get("type").and_then(Value::as_str);
    if !matches!(kind, Some("offer" | "answer" | "pranswer" | "rollback")) {
        return Err(Error::validation("sdp.type must be offer, answer, pranswer or rollback"));
    }
    let text = sdp.get("sdp").and_then(Value::as_str).ok_or_else(|| Error::validation("sdp.sdp must be a string"))?;
    if text.len() > MAX_SDP_BYTES {
        return Err(Error::too_large(format!("sdp.sdp is over {MAX_SDP_BYTES} bytes")));
    }
    Ok(())
}

/// An `RTCIceCandidateInit`: an object whose `candidate` is a string (empty for
/// end-of-candidates), within the limit as JSON.
fn check_candidate(c: &Value) -> Result<()> {
    if !c.get("candidate").is_some_and(Value::is_string) {
        return Err(Error::validation("candidate must be an object with a string candidate"));
    }
    let size = serde_json::to_vec(c).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > MAX_CANDIDATE_BYTES {
        return Err(Error::too_large(format!("candidate is over {MAX_CANDIDATE_BYTES} bytes")));
    }
    Ok(())
}

async fn relay_sdp(state: AppState, id: Arc<Identity>, data: Value, event: &'static str) -> Result<Value> {
    let p: SdpPayload = parse(data)?;
    check_sdp(&p.sdp)?;
    let call_id = parse_uuid(&p.call_id, "call_id")?;
    relay(&state, &id.actor, call_id, event, json!({ "call_id": call_id, "sdp": p.sdp })).await
}

async fn ice(state: AppState, id: Arc<Identity>, data: Value) -> Result<Value> {
    let p: IcePayload = parse(data)?;
    check_candidate(&p.candidate)?;
    let call_id = parse_uuid(&p.call_id, "call_id")?;
    relay(&state, &id.actor, call_id, "call:ice", json!({ "call_id": call_id, "candidate": p.candidate })).await
}

/// Sends `payload` to the other party of a call in progress (ringing or active:
/// trickled candidates may come early). Reads only the shared state: the hot path
/// of a call set-up never touches Postgres.
async fn relay(state: &AppState, actor: &Actor, call_id: Uuid, event: &str, payload: Value) -> Result<Value> {
    let rec = record::load(state.coord.as_ref(), call_id).await?.ok_or_else(|| Error::not_found("call"))?;
    let me = rec.party_of(actor)?;
    state.fanout.emit("/call", vec![rec.other(me).room()], event, &payload).await;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdp_and_candidate_shapes() {
        assert!(check_sdp(&json!({"type": "offer", "sdp": "v=0\r\n"})).is_ok());
        assert_eq!(
            check_sdp(&json!({"type": "bogus", "sdp": ""})).unwrap_err().code,
            domain::ErrorCode::ValidationFailed
        );
        assert_eq!(
            check_sdp(&json!({"type": "offer", "sdp": 5})).unwrap_err().code,
            domain::ErrorCode::ValidationFailed
        );
        assert_eq!(check_sdp(&json!("v=0")).unwrap_err().code, domain::ErrorCode::ValidationFailed);
        let big = "a".repeat(MAX_SDP_BYTES + 1);
        assert_eq!(check_sdp(&json!({"type": "offer", "sdp": big})).unwrap_err().code, domain::ErrorCode::TooLarge);
        assert!(check_candidate(&json!({"candidate": "", "sdpMid": null})).is_ok());
        assert_eq!(check_candidate(&json!({"sdpMid": "0"})).unwrap_err().code, domain::ErrorCode::ValidationFailed);
        let big = "a".repeat(MAX_CANDIDATE_BYTES);
        assert_eq!(check_candidate(&json!({"candidate": big})).unwrap_err().code, domain::ErrorCode::TooLarge);
    }
}
