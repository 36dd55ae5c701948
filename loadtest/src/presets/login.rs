//! The login flood: `POST /manager/auth` at a fixed rate with the fixture's logins,
//! spread over the URLs, while the chat load runs.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use crate::ctx::Ctx;
use crate::stats::Stats;

pub async fn flood(ctx: Arc<Ctx>, start: Instant, stop: Instant) -> Stats {
    let mut stats = Stats::default();
    let rate = ctx.params.login_rate;
    if rate <= 0.0 || ctx.managers.is_empty() {
        return stats;
    }
    let gap = Duration::from_secs_f64(1.0 / rate);
    let mut tasks = JoinSet::new();
    let mut intended = start;
    let mut i = 0usize;
    while intended < stop {
        sleep_until(intended).await;
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let creds = &ctx.managers[i % ctx.managers.len()];
            let result = ctx.api.manager_auth(ctx.url(i), &creds.email, &creds.password).await;
            (intended.elapsed(), result.map(drop).map_err(|e| e.label()))
        });
        // Reap as we go so the set stays small.
        while let Some(done) = tasks.try_join_next() {
            record(&mut stats, done.expect("login task"));
        }
        i += 1;
        intended += gap;
    }
    // Logins still queued after the drain are abandoned: a flood the server cannot
    // absorb would otherwise hold the run for minutes.
    let deadline = stop + Duration::from_secs_f64(ctx.params.drain);
    while let Ok(Some(done)) = tokio::time::timeout_at(deadline, tasks.join_next()).await {
        record(&mut stats, done.expect("login task"));
    }
    stats.add("login_unanswered", tasks.len() as u64);
    tasks.abort_all();
    stats
}

/// Logins answered 429 are what a flood should get: counted, not errors.
fn record(stats: &mut Stats, (latency, result): (Duration, Result<(), String>)) {
    stats.record("login", latency);
    match result {
        Ok(()) => stats.count("login_ok"),
        Err(label) => stats.count(format!("login_{label}")),
    }
}
