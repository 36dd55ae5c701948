//! Queue notifications and auto routing.
//!
//! Any change that can move a site's queue or stats calls [`QueueNotifier::touch`]
//! after it committed. Touches within 100 ms are coalesced (the contract allows it),
//! then one snapshot is read from the store and sent: `queue:updated` to the site's
//! managers and `session:updated` to each waiting visitor whose position moved. On
//! `auto` sites the same pass first assigns waiting sessions to managers with room.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cluster::Coordinator;
use domain::{Result, Routing, Stats};
use serde_json::json;
use store::Store;
use uuid::Uuid;

use crate::fanout::{Fanout, site_room, visitor_room};

const COALESCE: Duration = Duration::from_millis(100);

#[derive(Clone)]
pub struct QueueNotifier(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    coord: Arc<dyn Coordinator>,
    fanout: Fanout,
    /// Sites with a flush scheduled.
    pending: Mutex<HashSet<Uuid>>,
    /// The positions this node last announced, per site, so unchanged ones are not resent.
    announced: Mutex<HashMap<Uuid, HashMap<Uuid, i64>>>,
}

impl QueueNotifier {
    pub fn new(store: Arc<dyn Store>, coord: Arc<dyn Coordinator>, fanout: Fanout) -> Self {
        Self(Arc::new(Inner { store, coord, fanout, pending: Mutex::default(), announced: Mutex::default() }))
    }

    /// Schedules a queue/stats announcement (and routing) for the site.
    pub fn touch(&self, site_id: Uuid) {
        if !lock(&self.0.pending).insert(site_id) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(COALESCE).await;
            lock(&this.0.pending).remove(&site_id);
            if let Err(e) = this.flush(site_id).await {
                tracing::warn!(error = %e, %site_id, "queue announcement failed");
            }
        });
    }

    async fn flush(&self, site_id: Uuid) -> Result<()> {
        let inner = &self.0;
        let online = inner.coord.online_managers(site_id).await?;
        if let Some(site) = inner.store.site(site_id).await?
            && site.routing == Routing::Auto
        {
            self.route(site_id, &online).await?;
        }
        let waiting = inner.store.queue(site_id).await?;
        let (_, active) = inner.store.session_counts(site_id).await?;
        let stats =
            Stats { waiting: waiting.len() as i64, online_managers: online.len() as i64, active_sessions: active };
        let entries: Vec<_> = waiting.iter().map(|w| &w.entry).collect();
        inner
            .fanout
            .emit("/chat", vec![site_room(site_id)], "queue:updated", &json!({ "waiting": entries, "stats": stats }))
            .await;

        let moved: Vec<_> = {
            let mut announced = lock(&inner.announced);
            let before = announced.remove(&site_id).unwrap_or_default();
            let now: HashMap<Uuid, i64> = waiting.iter().map(|w| (w.session.id, w.entry.position)).collect();
            let moved =
                waiting.iter().filter(|w| before.get(&w.session.id) != Some(&w.entry.position)).cloned().collect();
            if !now.is_empty() {
                announced.insert(site_id, now);
            }
            moved
        };
        for w in moved {
            inner
                .fanout
                .emit(
                    "/chat",
                    vec![visitor_room(w.session.visitor_id)],
                    "session:updated",
                    &json!({ "session": w.session }),
                )
                .await;
        }
        Ok(())
    }

    /// Auto routing: hand the oldest waiting sessions to online managers with room.
    /// Returns whether anything was assigned.
    async fn route(&self, site_id: Uuid, online: &[Uuid]) -> Result<bool> {
        let mut assigned = false;
        while let Some(t) = self.0.store.assign_next(site_id, online).await? {
            crate::chat::announce(&self.0.fanout, self, &t).await;
            assigned = true;
        }
        Ok(assigned)
    }

    /// Routes now (not after the coalescing delay) if the site routes `auto`, so a
    /// request can be answered with its session already active.
    pub async fn route_now(&self, site_id: Uuid) -> Result<bool> {
        match self.0.store.site(site_id).await? {
            Some(site) if site.routing == Routing::Auto => {
                let online = self.0.coord.online_managers(site_id).await?;
                self.route(site_id, &online).await
            }
            _ => Ok(false),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
