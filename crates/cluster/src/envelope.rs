//! What travels between nodes: Socket.IO emits addressed to rooms.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One emit: `event` with `data` to every socket of `ns` in any of `rooms`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub ns: String,
    pub rooms: Vec<String>,
    pub event: String,
    pub data: serde_json::Value,
}

/// Everything one node published at once. `node` lets a node skip its own batches:
/// it delivered them locally before publishing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch {
    pub node: Uuid,
    pub events: Vec<Envelope>,
}
