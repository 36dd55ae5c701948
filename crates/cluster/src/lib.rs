//! Cluster coordination: what nodes share besides the database.
//!
//! The [`Coordinator`] seam has two implementations: [`RedisCoordinator`] for a
//! cluster (presence, rate limits and fan-out through Redis) and
//! [`LocalCoordinator`] for the embedded single-node mode. Nothing here is a source
//! of truth: Redis can be flushed or restarted and the system recovers from Postgres.

mod envelope;
mod local;
mod redis;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::Result;
use tokio::sync::broadcast;
use uuid::Uuid;

pub use envelope::{Batch, Envelope};
pub use local::LocalCoordinator;
pub use redis::{RedisCoordinator, RedisSettings};

/// How long a node's presence entries live without a heartbeat by default. A node
/// that dies takes its managers offline within this time.
pub const PRESENCE_TTL: Duration = Duration::from_secs(30);

#[async_trait]
pub trait Coordinator: Send + Sync + 'static {
    /// This node's id (random per process).
    fn node_id(&self) -> Uuid;
    async fn ping(&self) -> Result<()>;

    /// Sends events to every other node, in one message whatever the batch size.
    async fn publish(&self, events: Vec<Envelope>) -> Result<()>;
    /// Batches published by other nodes (never this node's own).
    fn incoming(&self) -> broadcast::Receiver<Arc<Batch>>;

    /// How long presence entries live without a refresh; heartbeats run at a third of it.
    fn presence_ttl(&self) -> Duration {
        PRESENCE_TTL
    }
    /// Marks (site, manager) pairs as connected to this node until now + TTL.
    async fn presence_refresh(&self, members: &[(Uuid, Uuid)]) -> Result<()>;
    /// This node has no socket of the manager left.
    async fn presence_remove(&self, site_id: Uuid, manager_id: Uuid) -> Result<()>;
    /// Managers connected on any live node whose status is `online`.
    async fn online_managers(&self, site_id: Uuid) -> Result<Vec<Uuid>>;
    async fn set_away(&self, site_id: Uuid, manager_id: Uuid, away: bool) -> Result<()>;
    /// Drops presence entries of dead nodes; returns the sites whose presence changed.
    async fn sweep_presence(&self) -> Result<Vec<Uuid>>;

    /// Counts one hit on `key` in a fixed window; `Some(retry_after_secs)` when over `limit`.
    async fn rate_hit(&self, key: &str, limit: u64, window: Duration) -> Result<Option<u64>>;
    async fn rate_reset(&self, key: &str) -> Result<()>;

    /// Small shared values with a lifetime (call state, AI reply claims).
    async fn put_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool>;
    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<()>;
    async fn get(&self, key: &str) -> Result<Option<String>>;
    async fn delete(&self, key: &str) -> Result<()>;

    async fn shutdown(&self);
}
