//! burst: N connected visitors request a manager within `--burst-window`; M managers
//! accept from `queue:updated` (each waiting session is tried by `--race` managers, so
//! accepts collide) or, on an `auto` site, the server assigns. Reports request and
//! assignment latency (from each request's intended time to the visitor's
//! `session:updated` with status `active`) and counts double claims.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde_json::json;
use sio_client::{Client, Error};
use tokio::time::{Instant, sleep_until};

use crate::api::Visitor;
use crate::ctx::{Ctx, socket_error_label};
use crate::pairs::{self, Party};
use crate::presets::Outcome;
use crate::stats::Stats;

pub async fn run(ctx: Arc<Ctx>) -> anyhow::Result<Outcome> {
    let p = ctx.params.clone();
    let mut stats = Stats::default();
    let managers: Vec<Party> =
        pairs::managers(&ctx, p.managers, &mut stats).await?.into_iter().map(|(p, _)| p).collect();
    let visitors = connect_visitors(&ctx, &mut stats).await;

    let burst = Instant::now() + Duration::from_millis(500);
    let until = burst + Duration::from_secs_f64(p.burst_window + p.duration);
    let m = managers.len();
    let manager_tasks: Vec<_> = managers
        .into_iter()
        .enumerate()
        .map(|(j, party)| tokio::spawn(manager(party, j, m, p.race, until, Duration::from_secs_f64(p.drain))))
        .collect();
    let gap = Duration::from_secs_f64(p.burst_window / visitors.len().max(1) as f64);
    let visitor_tasks: Vec<_> = visitors
        .into_iter()
        .enumerate()
        .map(|(i, (url, v, client))| {
            tokio::spawn(visitor(ctx.clone(), url, v, client, burst + gap.mul_f64(i as f64), until))
        })
        .collect();

    let mut assigned: HashMap<String, Instant> = HashMap::new();
    for t in visitor_tasks {
        let (local, session) = t.await?;
        stats.merge(local);
        if let Some((id, at)) = session {
            assigned.insert(id, at);
        }
    }
    let mut claims: HashMap<String, u32> = HashMap::new();
    for t in manager_tasks {
        let (local, accepted) = t.await?;
        stats.merge(local);
        for s in accepted {
            *claims.entry(s).or_default() += 1;
        }
    }
    stats.add("double_claims", claims.values().filter(|n| **n > 1).count() as u64);
    stats.add("assigned", assigned.len() as u64);

    let mut figures = BTreeMap::new();
    if let Some(last) = assigned.values().max() {
        let span = last.duration_since(burst).as_secs_f64().max(0.001);
        figures.insert("assignments_per_s".to_owned(), assigned.len() as f64 / span);
    }
    Ok(Outcome { stats, figures, main_latency: "assign" })
}

async fn connect_visitors(ctx: &Ctx, stats: &mut Stats) -> Vec<(String, Visitor, Client)> {
    let gap = Duration::from_secs_f64(1.0 / ctx.params.connect_rate.max(0.001));
    let start = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..ctx.params.visitors)
        .map(|i| async move {
            sleep_until(start + gap.mul_f64(i as f64)).await;
            let url = ctx.url(i).to_owned();
            let v = ctx.api.widget_session(&url, &ctx.site_key).await.map_err(|e| e.label())?;
            let client = ctx.connect(&url, "/chat", &v.token, true).await.map_err(|e| socket_error_label(&e))?;
            Ok::<_, String>((url, v, client))
        })
        .buffer_unordered(ctx.params.connect_rate.clamp(16.0, 512.0) as usize)
        .collect()
        .await;
    results.into_iter().filter_map(|r| r.map_err(|label| stats.count(label)).ok()).collect()
}

/// Requests at `intended`; returns the session id and when it became active.
async fn visitor(
    ctx: Arc<Ctx>,
    url: String,
    v: Visitor,
    mut client: Client,
    intended: Instant,
    until: Instant,
) -> (Stats, Option<(String, Instant)>) {
    let mut stats = Stats::default();
    sleep_until(intended).await;
    let session = match ctx.api.request_manager(&url, &v.token).await {
        Ok(s) => s,
        Err(e) => {
            stats.count(format!("request_{}", e.label()));
            return (stats, None);
        }
    };
    stats.record("request", intended.elapsed());
    let id = session["id"].as_str().unwrap_or_default().to_owned();
    let mut active = (session["status"] == "active").then(Instant::now);
    while active.is_none() && Instant::now() < until {
        match client.next_event_timed().await {
            Ok((name, arg, at)) if name == "session:updated" => {
                active = (arg["session"]["status"] == "active").then_some(at);
            }
            Ok(_) | Err(Error::Timeout) => {}
            Err(e) => {
                stats.count(format!("request_{}", socket_error_label(&e)));
                break;
            }
        }
    }
    client.disconnect().await;
    let Some(at) = active else {
        stats.count("request_unassigned");
        return (stats, None);
    };
    stats.record("assign", at.duration_since(intended));
    (stats, Some((id, at)))
}

/// Whether manager `j` of `m` is among the `race` managers that try `session`.
fn tries(session: &str, j: usize, m: usize, race: usize) -> bool {
    let mut h = DefaultHasher::new();
    session.hash(&mut h);
    let first = (h.finish() % m as u64) as usize;
    (0..race.min(m)).any(|r| (first + r) % m == j)
}

/// Accepts the waiting sessions it is responsible for until `until`, then waits up to
/// `drain` for the answers in flight; returns the sessions it won.
async fn manager(
    mut party: Party,
    j: usize,
    m: usize,
    race: usize,
    until: Instant,
    drain: Duration,
) -> (Stats, Vec<String>) {
    let mut stats = Stats::default();
    let mut tried = HashSet::new();
    let mut won = Vec::new();
    let mut acks = FuturesUnordered::new();
    loop {
        tokio::select! {
            event = party.client.next_event() => match event {
                Ok((name, arg)) if name == "queue:updated" => {
                    for entry in arg["waiting"].as_array().into_iter().flatten() {
                        let Some(session) = entry["session_id"].as_str() else { continue };
                        if tries(session, j, m, race) && tried.insert(session.to_owned()) {
                            let ack = party.client.emit_ack_detached("session:accept", json!({"session_id": session}));
                            let session = session.to_owned();
                            acks.push(async move { (session, ack.await) });
                        }
                    }
                }
                Ok(_) | Err(Error::Timeout) => {}
                Err(e) => {
                    stats.count(format!("accept_{}", socket_error_label(&e)));
                    break;
                }
            },
            Some((session, result)) = acks.next(), if !acks.is_empty() => {
                record_accept(&mut stats, &mut won, session, result);
            }
            () = sleep_until(until) => break,
        }
    }
    while let Ok(Some((session, result))) = tokio::time::timeout_at(until + drain, acks.next()).await {
        record_accept(&mut stats, &mut won, session, result);
    }
    stats.add("accept_unanswered", acks.len() as u64);
    party.client.disconnect().await;
    (stats, won)
}

fn record_accept(stats: &mut Stats, won: &mut Vec<String>, session: String, result: Result<serde_json::Value, Error>) {
    match result {
        Ok(ack) if ack["ok"] == true => {
            stats.count("accept_ok");
            won.push(session);
        }
        Ok(ack) if ack["error"]["code"] == "conflict" => stats.count("accept_lost_race"),
        Ok(ack) => stats.count(format!("accept_error_{}", ack["error"]["code"].as_str().unwrap_or("unknown"))),
        Err(e) => stats.count(format!("accept_{}", socket_error_label(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::tries;

    #[test]
    fn each_session_is_tried_by_race_managers() {
        for race in 1..=3 {
            for s in ["a", "b", "c", "d"] {
                assert_eq!((0..5).filter(|j| tries(s, *j, 5, race)).count(), race);
            }
        }
        assert_eq!((0..2).filter(|j| tries("x", *j, 2, 5)).count(), 2);
    }
}
