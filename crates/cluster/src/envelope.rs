//! What travels between nodes: Socket.IO emits addressed to rooms.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One emit: `event` with `data` to every socket of `ns` in any of `rooms`.
///
/// `data` is JSON text, serialized once where the event is made: every node and every
/// socket reuses it instead of rebuilding and re-serializing a value tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub ns: String,
    pub rooms: Vec<String>,
    pub event: String,
    pub data: Box<serde_json::value::RawValue>,
}

/// Everything one node published at once. `node` lets a node skip its own batches:
/// it delivered them locally before publishing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch {
    pub node: Uuid,
    pub events: Vec<Envelope>,
}
