//! relay, persisted, reconnect, login and signaling: pairs chatting at a fixed rate,
//! plus the preset's extra load, then the loss/duplicate verdict.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

use crate::cli::{Direction, Preset};
use crate::ctx::Ctx;
use crate::driver::{Driver, Schedule, sync};
use crate::pairs::{Party, Role, population};
use crate::presets::{Outcome, calls, login};
use crate::stats::Stats;
use crate::verify::{self, Ledger, Stored, verify};
use crate::watch::Watches;

pub async fn run(ctx: Arc<Ctx>, watches: &Watches, verify_history: bool, close: bool) -> anyhow::Result<Outcome> {
    let p = ctx.params.clone();
    let mut stats = Stats::default();
    let pop = population(&ctx, p.visitors, p.managers, &mut stats).await?;
    let connected = pop.visitors.len() + pop.managers.len();
    let visitors = pop.visitors.len();
    let ramp = pop.ramp.as_secs_f64();
    watches.mark();

    let start = Instant::now() + Duration::from_millis(500);
    let stop = start + Duration::from_secs_f64(p.duration);
    let until = stop + Duration::from_secs_f64(p.drain);
    let storm_at = (p.preset == Preset::Reconnect).then(|| start + Duration::from_secs_f64(p.duration / 2.0));

    let extra = match p.preset {
        Preset::Login => Some(tokio::spawn(login::flood(ctx.clone(), start, stop))),
        Preset::Signaling => {
            Some(tokio::spawn(calls::run(ctx.clone(), call_pairs(&pop.visitors, &pop.managers, p.calls), start, stop)))
        }
        _ => None,
    };

    let members = pop.members.clone();
    let visitor_rate = match p.direction {
        Direction::Visitor => p.rate,
        Direction::Manager => 0.0,
        Direction::Both => p.rate / 2.0,
    };
    let mut drivers = Vec::with_capacity(connected);
    for (group, rate, storm) in [(pop.visitors, visitor_rate, storm_at), (pop.managers, p.rate - visitor_rate, None)] {
        let n = group.len();
        let period = (rate > 0.0 && n > 0).then(|| Duration::from_secs_f64(n as f64 / rate));
        for (i, party) in group.into_iter().enumerate() {
            // Spread the senders evenly over one period so the rate is smooth.
            let first = start + period.map_or(Duration::ZERO, |d| d.mul_f64(i as f64 / n as f64));
            let schedule = Schedule { first, period, stop, until, storm_at: storm };
            drivers.push(tokio::spawn(Driver::new(ctx.clone(), party).run(schedule)));
        }
    }

    let drivers = settle(drivers, until + Duration::from_secs_f64(p.settle), &members).await?;
    let mut ledger = Ledger::default();
    let mut parties = Vec::with_capacity(drivers.len());
    for d in drivers {
        let d = d.finish();
        stats.merge(d.stats);
        ledger.merge(d.ledger);
        parties.push(d.party);
    }
    if let Some(extra) = extra {
        stats.merge(extra.await?);
    }

    let stored = if verify_history { Some(history(&parties, &mut stats).await) } else { None };
    let v = verify(&ledger, &members, stored.as_ref());
    // Which side loses tells a slow reader (managers hold many sessions) from a broken path.
    let managers: HashSet<u32> = parties.iter().filter(|p| p.role == Role::Manager).map(|p| p.idx).collect();
    for (receiver, keys) in verify::missing(&ledger.sent, &ledger.delivered, &members) {
        let side = if managers.contains(&receiver) { "lost_to_managers" } else { "lost_to_visitors" };
        stats.add(side, keys.len() as u64);
    }
    for (name, n) in [
        ("acked", v.acked),
        ("rejected", v.rejected),
        ("no_ack", v.no_ack),
        ("delivered", v.delivered),
        ("lost", v.lost),
        ("duplicated", v.duplicated),
        ("reordered", v.reordered),
        ("lost_in_store", v.lost_in_store),
        ("seq_gaps", v.seq_gaps),
        ("stored_duplicates", v.stored_duplicates),
    ] {
        stats.add(name, n);
    }
    if close {
        close_sessions(&ctx, &parties, &mut stats).await;
    }
    futures::future::join_all(parties.into_iter().map(|p| p.client.disconnect())).await;

    let mut figures = BTreeMap::new();
    figures.insert("connected".to_owned(), connected as f64);
    figures.insert("visitor_setups_per_s".to_owned(), visitors as f64 / ramp.max(0.001));
    figures.insert("acked_msgs_per_s".to_owned(), v.acked as f64 / p.duration);
    figures.insert("delivered_msgs_per_s".to_owned(), v.delivered as f64 / p.duration);
    let main_latency = match p.preset {
        Preset::Persisted => "ack",
        Preset::Reconnect => "reconnect",
        Preset::Signaling => "signal",
        _ => "delivery",
    };
    Ok(Outcome { stats, figures, main_latency })
}

/// Waits for the drivers, then lets them collect their last acks and, once those are
/// in, the deliveries still missing (all by `deadline`).
async fn settle(
    running: Vec<tokio::task::JoinHandle<Driver>>,
    deadline: Instant,
    members: &HashMap<String, Vec<u32>>,
) -> anyhow::Result<Vec<Driver>> {
    let mut drivers = Vec::with_capacity(running.len());
    for d in running {
        drivers.push(d.await?);
    }
    let acks: Vec<_> = drivers.into_iter().map(|d| tokio::spawn(d.settle(HashSet::new(), deadline))).collect();
    let mut drivers = Vec::with_capacity(acks.len());
    for d in acks {
        drivers.push(d.await?);
    }
    let mut missing = verify::missing(
        drivers.iter().flat_map(|d| &d.ledger.sent),
        drivers.iter().flat_map(|d| &d.ledger.delivered),
        members,
    );
    let late: Vec<_> = drivers
        .into_iter()
        .map(|d| {
            let mine = missing.remove(&d.party.idx).unwrap_or_default();
            tokio::spawn(d.settle(mine, deadline))
        })
        .collect();
    let mut drivers = Vec::with_capacity(late.len());
    for d in late {
        drivers.push(d.await?);
    }
    Ok(drivers)
}

/// The first `n` pairs, to place calls in.
fn call_pairs(visitors: &[Party], managers: &[Party], n: usize) -> Vec<calls::CallPair> {
    let manager_of = |session: &str| managers.iter().find(|m| m.sessions.iter().any(|s| s == session));
    visitors
        .iter()
        .take(n)
        .filter_map(|v| {
            let m = manager_of(&v.sessions[0])?;
            Some(calls::CallPair {
                session: v.sessions[0].clone(),
                visitor: (v.url.clone(), v.token.clone()),
                manager: (m.url.clone(), m.token.clone()),
            })
        })
        .collect()
}

/// Every session's stored history, read by its visitor (32 sessions at a time).
async fn history(parties: &[Party], stats: &mut Stats) -> HashMap<String, Vec<Stored>> {
    let visitors = parties.iter().filter(|p| p.role == Role::Visitor);
    let fetched: Vec<_> = futures::stream::iter(visitors)
        .map(|v| async move { (v.sessions[0].clone(), sync(&v.client, &v.sessions[0], 0).await) })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut out = HashMap::new();
    for (session, result) in fetched {
        match result {
            Ok(messages) => {
                out.insert(session, messages.iter().filter_map(Stored::from_json).collect());
            }
            Err(label) => stats.count(format!("sync_{label}")),
        }
    }
    out
}

async fn close_sessions(ctx: &Ctx, parties: &[Party], stats: &mut Stats) {
    let managers = parties.iter().filter(|p| p.role == Role::Manager);
    let jobs = managers.flat_map(|m| m.sessions.iter().map(move |s| (m, s)));
    let results: Vec<_> = futures::stream::iter(jobs)
        .map(|(m, s)| ctx.api.close(&m.url, &m.token, s))
        .buffer_unordered(16)
        .collect()
        .await;
    for e in results.into_iter().filter_map(Result::err) {
        stats.count(format!("close_{}", e.label()));
    }
}
