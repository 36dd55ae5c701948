//! Which managers have sockets on this node, mirrored into the coordinator with a
//! heartbeat so that a dead node's managers go offline within the presence TTL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cluster::Coordinator;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::queue::QueueNotifier;

#[derive(Clone, Default)]
pub struct Presence {
    /// (site, manager) → sockets on this node.
    local: Arc<Mutex<HashMap<(Uuid, Uuid), usize>>>,
}

impl Presence {
    fn local(&self) -> std::sync::MutexGuard<'_, HashMap<(Uuid, Uuid), usize>> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A manager socket connected; true if it is the manager's first on this node.
    pub fn connected(&self, site: Uuid, manager: Uuid) -> bool {
        let mut local = self.local();
        let n = local.entry((site, manager)).or_default();
        *n += 1;
        *n == 1
    }

    /// A manager socket left; true if it was the manager's last on this node.
    pub fn disconnected(&self, site: Uuid, manager: Uuid) -> bool {
        let mut local = self.local();
        match local.get_mut(&(site, manager)) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                local.remove(&(site, manager));
                true
            }
            None => false,
        }
    }

    pub fn members(&self) -> Vec<(Uuid, Uuid)> {
        self.local().keys().copied().collect()
    }
}

/// Refreshes this node's entries and sweeps dead nodes' entries every few seconds.
pub async fn heartbeat(presence: Presence, coord: Arc<dyn Coordinator>, queue: QueueNotifier, stop: CancellationToken) {
    let mut tick = tokio::time::interval(coord.presence_ttl() / 3);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = coord.presence_refresh(&presence.members()).await {
            tracing::warn!(error = %e, "presence heartbeat failed");
        }
        match coord.sweep_presence().await {
            Ok(sites) => sites.into_iter().for_each(|s| queue.touch(s)),
            Err(e) => tracing::warn!(error = %e, "presence sweep failed"),
        }
    }
}
