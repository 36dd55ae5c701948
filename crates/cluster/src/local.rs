//! In-process coordination for the embedded single-node mode.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::Result;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{Batch, Coordinator, Envelope};

/// One node is the whole cluster: there is nobody to publish to, presence is the
/// set of connected managers, limits and values live in memory.
pub struct LocalCoordinator {
    node: Uuid,
    state: Mutex<State>,
    // Never sent on: a single node receives no remote batches.
    incoming: broadcast::Sender<Arc<Batch>>,
}

#[derive(Default)]
struct State {
    present: HashSet<(Uuid, Uuid)>,
    away: HashSet<(Uuid, Uuid)>,
    windows: HashMap<String, (Instant, u64)>,
    values: HashMap<String, (Instant, String)>,
}

impl Default for LocalCoordinator {
    fn default() -> Self {
        Self { node: Uuid::new_v4(), state: Mutex::default(), incoming: broadcast::channel(1).0 }
    }
}

impl LocalCoordinator {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave it inconsistent (single inserts).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Coordinator for LocalCoordinator {
    fn node_id(&self) -> Uuid {
        self.node
    }
    async fn ping(&self) -> Result<()> {
        Ok(())
    }
    async fn publish(&self, _events: Vec<Envelope>) -> Result<()> {
        Ok(())
    }
    fn incoming(&self) -> broadcast::Receiver<Arc<Batch>> {
        self.incoming.subscribe()
    }
    async fn presence_refresh(&self, members: &[(Uuid, Uuid)]) -> Result<()> {
        self.state().present.extend(members.iter().copied());
        Ok(())
    }
    async fn presence_remove(&self, site_id: Uuid, manager_id: Uuid) -> Result<()> {
        self.state().present.remove(&(site_id, manager_id));
        Ok(())
    }
    async fn online_managers(&self, site_id: Uuid) -> Result<Vec<Uuid>> {
        let s = self.state();
        Ok(s.present
            .iter()
            .filter(|(site, m)| *site == site_id && !s.away.contains(&(*site, *m)))
            .map(|(_, m)| *m)
            .collect())
    }
    async fn set_away(&self, site_id: Uuid, manager_id: Uuid, away: bool) -> Result<()> {
        let mut s = self.state();
        if away {
            s.away.insert((site_id, manager_id));
        } else {
            s.away.remove(&(site_id, manager_id));
        }
        Ok(())
    }
    async fn sweep_presence(&self) -> Result<Vec<Uuid>> {
        Ok(Vec::new())
    }
    async fn rate_hit(&self, key: &str, limit: u64, window: Duration) -> Result<Option<u64>> {
        let now = Instant::now();
        let mut s = self.state();
        let entry = s.windows.entry(key.to_owned()).or_insert((now + window, 0));
        if entry.0 <= now {
            *entry = (now + window, 0);
        }
        entry.1 += 1;
        Ok((entry.1 > limit).then(|| entry.0.saturating_duration_since(now).as_secs().max(1)))
    }
    async fn rate_reset(&self, key: &str) -> Result<()> {
        self.state().windows.remove(key);
        Ok(())
    }
    async fn put_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool> {
        let now = Instant::now();
        let mut s = self.state();
        if s.values.get(key).is_some_and(|(exp, _)| *exp > now) {
            return Ok(false);
        }
        s.values.insert(key.to_owned(), (now + ttl, value.to_owned()));
        Ok(true)
    }
    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<()> {
        self.state().values.insert(key.to_owned(), (Instant::now() + ttl, value.to_owned()));
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let now = Instant::now();
        Ok(self.state().values.get(key).filter(|(exp, _)| *exp > now).map(|(_, v)| v.clone()))
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.state().values.remove(key);
        Ok(())
    }
    async fn shutdown(&self) {}
}
