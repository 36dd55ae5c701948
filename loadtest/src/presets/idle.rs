//! idle: open N visitor connections at a fixed rate and hold them. Reports the connect
//! rate and errors and, with `--server-pid`, the servers' RSS growth per connection.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

use crate::ctx::{Ctx, socket_error_label};
use crate::presets::Outcome;
use crate::stats::Stats;
use crate::watch::Watches;

/// Time for the servers' allocators to settle after the ramp before RSS is read.
const SETTLE: Duration = Duration::from_secs(2);

pub async fn run(ctx: Arc<Ctx>, watches: &Watches) -> anyhow::Result<Outcome> {
    let n = ctx.params.visitors;
    let gap = Duration::from_secs_f64(1.0 / ctx.params.connect_rate.max(0.001));
    let start = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            let ctx = ctx.clone();
            let intended = start + gap.mul_f64(i as f64);
            async move {
                tokio::time::sleep_until(intended).await;
                let url = ctx.url(i);
                let visitor = ctx.api.widget_session(url, &ctx.site_key).await.map_err(|e| e.label())?;
                let client =
                    ctx.connect(url, "/chat", &visitor.token, true).await.map_err(|e| socket_error_label(&e))?;
                Ok::<_, String>((client, intended.elapsed()))
            }
        })
        .buffer_unordered(ctx.params.connect_rate.clamp(16.0, 512.0) as usize)
        .collect()
        .await;
    let ramp = start.elapsed().as_secs_f64();
    let mut stats = Stats::default();
    let mut clients = Vec::with_capacity(n);
    for r in results {
        match r {
            Ok((client, latency)) => {
                stats.record("connect", latency);
                clients.push(client);
            }
            Err(label) => stats.count(label),
        }
    }
    tokio::time::sleep(SETTLE).await;
    watches.mark();
    let mut figures = BTreeMap::new();
    let rss = watches.rss_kb();
    if !rss.is_empty() && !clients.is_empty() {
        let grown: i64 = rss.iter().map(|(start, now)| *now as i64 - *start as i64).sum();
        figures.insert("server_rss_kb_per_conn".to_owned(), grown as f64 / clients.len() as f64);
    }
    tokio::time::sleep(Duration::from_secs_f64(ctx.params.duration)).await;

    let dropped = clients.iter().filter(|c| !c.is_connected()).count();
    stats.add("socket_dropped_while_idle", dropped as u64);
    figures.insert("connected".to_owned(), clients.len() as f64);
    figures.insert("connects_per_s".to_owned(), clients.len() as f64 / ramp.max(0.001));
    futures::stream::iter(clients).for_each_concurrent(256, |c| c.disconnect()).await;
    Ok(Outcome { stats, figures, main_latency: "connect" })
}
