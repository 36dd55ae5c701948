//! Bringing up the chat presets' population: managers logged in and connected, then
//! visitors ramped in at a fixed connect rate, each requesting a manager who accepts.
//!
//! Visitor i belongs to manager j = i mod M. Manager j connects to URL j+1 and its
//! visitors to URL j (mod the URL count), so with two nodes every pair talks across nodes.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::bail;
use futures::StreamExt;
use sio_client::Client;
use tokio::time::Instant;

use crate::api::{ApiError, Manager};
use crate::ctx::{Ctx, socket_error_label};
use crate::fixture::Credentials;
use crate::stats::Stats;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Visitor,
    Manager,
}

/// One connected participant of the chat presets.
pub struct Party {
    /// Unique in the run; managers are 0..M, visitors M.. .
    pub idx: u32,
    pub role: Role,
    pub url: String,
    pub token: String,
    pub client: Client,
    /// The sessions it takes part in, in the order it sends into them.
    pub sessions: Vec<String>,
}

pub struct Population {
    pub managers: Vec<Party>,
    pub visitors: Vec<Party>,
    /// Session id → the parties in it (visitor, manager).
    pub members: HashMap<String, Vec<u32>>,
    /// From the first visitor's intended start to the last one set up.
    pub ramp: Duration,
}

/// Logs managers in (a few at a time: each login is an argon2 hash) and connects them
/// to `/chat`; returns them with their REST identities.
pub async fn managers(ctx: &Ctx, count: usize, stats: &mut Stats) -> anyhow::Result<Vec<(Party, Manager)>> {
    if count == 0 || ctx.managers.len() < count {
        bail!("{count} managers needed, {} logins available (see `loadtest setup`)", ctx.managers.len());
    }
    let logins = futures::stream::iter(ctx.managers[..count].iter().enumerate())
        .map(|(j, creds)| async move {
            let url = ctx.url(j + 1).to_owned();
            let me = sign_in(ctx, &url, creds).await?;
            let client = ctx
                .connect(&url, "/chat", &me.token, false)
                .await
                .map_err(|e| ApiError::Transport(format!("manager socket: {e} ({})", socket_error_label(&e))))?;
            let idx = u32::try_from(j).expect("few managers");
            let party = Party { idx, role: Role::Manager, url, token: me.token.clone(), client, sessions: Vec::new() };
            Ok::<_, ApiError>((party, me))
        })
        .buffered(4)
        .collect::<Vec<_>>()
        .await;
    let mut out = Vec::with_capacity(count);
    for login in logins {
        match login {
            Ok(m) => out.push(m),
            Err(e) => {
                stats.count(format!("manager_setup_{}", e.label()));
                bail!("manager login or connect failed: {e}");
            }
        }
    }
    Ok(out)
}

/// The stored token when it still works, else a login.
async fn sign_in(ctx: &Ctx, url: &str, creds: &Credentials) -> Result<Manager, ApiError> {
    if let Some(token) = &creds.token {
        match ctx.api.me(url, token).await {
            Err(ApiError::Status(401, _)) => {}
            known => return known,
        }
    }
    ctx.api.manager_auth(url, &creds.email, &creds.password).await
}

/// Sets up `pairs` visitors, each in an active session with a manager.
pub async fn population(
    ctx: &Ctx,
    pairs: usize,
    manager_count: usize,
    stats: &mut Stats,
) -> anyhow::Result<Population> {
    let managers = managers(ctx, manager_count, stats).await?;
    let by_id: HashMap<&str, usize> = managers.iter().enumerate().map(|(j, (_, m))| (m.id.as_str(), j)).collect();
    let m = managers.len();
    let start = Instant::now();
    let gap = Duration::from_secs_f64(1.0 / ctx.params.connect_rate.max(0.001));
    let results: Vec<_> = futures::stream::iter(0..pairs)
        .map(|i| {
            let intended = start + gap * u32::try_from(i).expect("pairs fit u32");
            let (j, by_id, managers) = (i % m, &by_id, &managers);
            async move {
                tokio::time::sleep_until(intended).await;
                let idx = u32::try_from(m + i).expect("pairs fit u32");
                pair(ctx, idx, j, intended, managers, by_id).await
            }
        })
        .buffer_unordered(ctx.params.connect_rate.clamp(16.0, 512.0) as usize)
        .collect()
        .await;

    let mut population = Population {
        managers: Vec::with_capacity(m),
        visitors: Vec::with_capacity(pairs),
        members: HashMap::new(),
        ramp: start.elapsed(),
    };
    let mut managers: Vec<Party> = managers.into_iter().map(|(p, _)| p).collect();
    for result in results {
        match result {
            Ok((visitor, j, local)) => {
                stats.merge(local);
                let session = visitor.sessions[0].clone();
                managers[j].sessions.push(session.clone());
                population.members.insert(session, vec![visitor.idx, managers[j].idx]);
                population.visitors.push(visitor);
            }
            Err((label, local)) => {
                stats.merge(local);
                stats.count(label);
                stats.count("pair_setup_failed");
            }
        }
    }
    population.managers = managers;
    Ok(population)
}

type PairResult = Result<(Party, usize, Stats), (String, Stats)>;

/// One visitor: widget session, socket, request, accept. Latencies from `intended`.
async fn pair(
    ctx: &Ctx,
    idx: u32,
    j: usize,
    intended: Instant,
    managers: &[(Party, Manager)],
    by_id: &HashMap<&str, usize>,
) -> PairResult {
    let mut stats = Stats::default();
    let url = ctx.url(j).to_owned();
    let visitor = match ctx.api.widget_session(&url, &ctx.site_key).await {
        Ok(v) => v,
        Err(e) => return Err((e.label(), stats)),
    };
    let client = match ctx.connect(&url, "/chat", &visitor.token, true).await {
        Ok(c) => c,
        Err(e) => return Err((socket_error_label(&e), stats)),
    };
    stats.record("connect", intended.elapsed());
    let session = match ctx.api.request_manager(&url, &visitor.token).await {
        Ok(s) => s,
        Err(e) => return Err((e.label(), stats)),
    };
    let Some(session_id) = session["id"].as_str().map(str::to_owned) else {
        return Err(("request_without_session".to_owned(), stats));
    };
    // An `auto` site may have assigned someone already: that manager is the peer.
    let j = match session["manager"]["id"].as_str().and_then(|id| by_id.get(id)) {
        Some(assigned) => *assigned,
        None => {
            let (manager, me) = &managers[j];
            if let Err(e) = ctx.api.accept(&manager.url, &me.token, &session_id).await {
                return Err((format!("accept_{}", e.label()), stats));
            }
            j
        }
    };
    stats.record("setup", intended.elapsed());
    let party = Party { idx, role: Role::Visitor, url, token: visitor.token, client, sessions: vec![session_id] };
    Ok((party, j, stats))
}
