//! Which parties still have `/call` sockets, across nodes, and the reconnect grace
//! period: a party whose last socket left (on every node) and that is not back
//! within the grace period ends its calls with reason `disconnected`; a party that
//! comes back in time gets `call:state {call}` for each call it is in.
//!
//! Each node knows its own sockets (socketioxide's local rooms); the cluster view is
//! the [`PartyState`] in the coordinator, listing the nodes that hold a socket of
//! the party. A node that crashes cannot remove itself from that list, so its
//! parties look connected until they reconnect elsewhere and leave again, or the
//! state expires: their calls then end by hang-up, session close or TTL instead.

use uuid::Uuid;

use super::Timings;
use super::lifecycle::{EndReason, finish_quietly};
use super::record::{self, PARTY_TTL, Party, PartyState, party_key, with_lock};
use crate::state::AppState;

/// This node's connected `/call` sockets of the party. A socket that is
/// disconnecting is still in its rooms while its disconnect handler runs.
fn local_sockets(state: &AppState, p: Party) -> usize {
    let Some(ns) = state.fanout.io().of("/call") else {
        return 0;
    };
    ns.within(p.room()).sockets().into_iter().filter(|s| s.connected()).count()
}

/// Read-modify-write of a party's state under its lock; `f` returns a value for
/// the caller. The key is dropped when the party has neither calls nor sockets.
async fn update<T>(state: &AppState, p: Party, f: impl FnOnce(&mut PartyState) -> T) -> domain::Result<T> {
    let coord = state.coord.as_ref();
    let key = party_key(p.id);
    with_lock(coord, &key, async || {
        let mut ps: PartyState = record::get_json(coord, &key).await?.unwrap_or_default();
        let out = f(&mut ps);
        if ps.calls.is_empty() && ps.nodes.is_empty() {
            coord.delete(&key).await?;
        } else {
            record::put_json(coord, &key, &ps, PARTY_TTL).await?;
        }
        Ok(out)
    })
    .await
}

/// Adds or removes a call of the party's list (on invite and on end).
pub async fn track_call(state: &AppState, p: Party, call_id: Uuid, add: bool) {
    let result = update(state, p, |ps| {
        ps.calls.retain(|c| *c != call_id);
        if add {
            ps.calls.push(call_id);
        }
    })
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, call = %call_id, "party call list not updated");
    }
}

pub async fn joined(state: &AppState, p: Party) -> domain::Result<()> {
    let node = state.coord.node_id();
    let known: Option<PartyState> = record::get_json(state.coord.as_ref(), &party_key(p.id)).await?;
    // Most connects change nothing in the cluster view: skip the lock then.
    let calls = match known {
        Some(ps) if ps.nodes.contains(&node) && ps.away.is_none() => ps.calls,
        _ => {
            update(state, p, |ps| {
                if !ps.nodes.contains(&node) {
                    ps.nodes.push(node);
                }
                ps.away = None;
                ps.calls.clone()
            })
            .await?
        }
    };
    // Back within the grace period (or a new tab): the call as it stands now.
    for id in calls {
        if let Some(rec) = record::load(state.coord.as_ref(), id).await? {
            state.fanout.emit("/call", vec![p.room()], "call:state", &serde_json::json!({ "call": rec.call })).await;
        }
    }
    Ok(())
}

pub async fn left(state: &AppState, p: Party) -> domain::Result<()> {
    if local_sockets(state, p) > 0 {
        return Ok(());
    }
    let node = state.coord.node_id();
    let away = update(state, p, |ps| {
        ps.nodes.retain(|n| *n != node);
        ps.away = (ps.nodes.is_empty() && !ps.calls.is_empty()).then(Uuid::new_v4);
        ps.away
    })
    .await?;
    if let Some(token) = away {
        arm_grace_timer(state, p, token);
    }
    Ok(())
}

/// Runs on the node the party left last; if that node stops first, the party's
/// calls end by other means (see the module comment).
fn arm_grace_timer(state: &AppState, p: Party, token: Uuid) {
    let state = state.clone();
    let grace = Timings::of(&state).grace;
    tokio::spawn(async move {
        tokio::time::sleep(grace).await;
        let ps: Option<PartyState> = match record::get_json(state.coord.as_ref(), &party_key(p.id)).await {
            Ok(ps) => ps,
            Err(e) => {
                return tracing::warn!(error = %e, "party state unreadable after the grace period");
            }
        };
        // Back in time, or left again later (that departure has its own timer).
        let Some(ps) = ps.filter(|ps| ps.away == Some(token) && ps.nodes.is_empty()) else {
            return;
        };
        for id in ps.calls {
            finish_quietly(&state, id, EndReason::Disconnected, |_| true).await;
        }
    });
}
