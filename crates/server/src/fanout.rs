//! Delivery of server events to sockets on every node.
//!
//! An event is emitted to this node's sockets at once and queued for the other
//! nodes; a publisher task sends whatever has queued as one Redis message. Delivery
//! across nodes is at most once: everything that matters is stored first and
//! clients fill gaps by `seq` with `messages:sync`.

use std::sync::Arc;

use cluster::{Batch, Coordinator, Envelope};
use serde::Serialize;
use socketioxide::SocketIo;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

/// Room of every socket of one visitor, one manager, one site's managers, one token.
pub fn visitor_room(id: uuid::Uuid) -> String {
    format!("v:{id}")
}
pub fn manager_room(id: uuid::Uuid) -> String {
    format!("m:{id}")
}
pub fn site_room(id: uuid::Uuid) -> String {
    format!("site:{id}")
}
pub fn token_room(hash: &[u8]) -> String {
    format!("t:{}", hex::encode(&hash[..12]))
}

/// A control event: disconnect the sockets in the rooms instead of emitting.
pub const DISCONNECT: &str = "_disconnect";

#[derive(Clone)]
pub struct Fanout {
    io: SocketIo,
    outbox: mpsc::UnboundedSender<Envelope>,
}

impl Fanout {
    pub fn spawn(io: SocketIo, coord: Arc<dyn Coordinator>) -> (Self, Vec<JoinHandle<()>>) {
        let (outbox, rx) = mpsc::unbounded_channel();
        let publisher = tokio::spawn(publish_loop(coord.clone(), rx));
        let receiver = tokio::spawn(receive_loop(io.clone(), coord.incoming()));
        (Self { io, outbox }, vec![publisher, receiver])
    }

    /// Emits `event` to the rooms of `ns` on every node.
    pub async fn emit(&self, ns: &str, rooms: Vec<String>, event: &str, data: &impl Serialize) {
        let data = match serde_json::value::to_raw_value(data) {
            Ok(d) => d,
            Err(e) => return tracing::error!(error = %e, event, "unserializable event"),
        };
        let envelope = Envelope { ns: ns.to_owned(), rooms, event: event.to_owned(), data };
        deliver(&self.io, &envelope).await;
        let _ = self.outbox.send(envelope);
    }

    /// Disconnects the sockets in `rooms` (both namespaces) on every node.
    pub async fn disconnect(&self, rooms: Vec<String>) {
        for ns in ["/chat", "/call"] {
            self.emit(ns, rooms.clone(), DISCONNECT, &()).await;
        }
    }

    pub fn io(&self) -> &SocketIo {
        &self.io
    }
}

async fn deliver(io: &SocketIo, e: &Envelope) {
    let Some(ns) = io.of(&e.ns) else { return };
    let op = ns.to(e.rooms.clone());
    if e.event == DISCONNECT {
        let _ = op.disconnect().await;
    } else if let Err(err) = op.emit(&e.event, &e.data).await {
        // A socket's queue is full (a stalled client): it will resync by seq.
        metrics::counter!("fanout_emit_errors_total").increment(1);
        tracing::warn!(error = %err, event = e.event, "local emit failed");
    }
}

async fn publish_loop(coord: Arc<dyn Coordinator>, mut rx: mpsc::UnboundedReceiver<Envelope>) {
    let mut batch = Vec::with_capacity(512);
    while rx.recv_many(&mut batch, 512).await > 0 {
        if let Err(e) = coord.publish(std::mem::take(&mut batch)).await {
            // Redis is down: the events are lost for other nodes, never the data.
            metrics::counter!("fanout_publish_errors_total").increment(1);
            tracing::warn!(error = %e, "fan-out publish failed");
        }
    }
}

async fn receive_loop(io: SocketIo, mut rx: broadcast::Receiver<Arc<Batch>>) {
    loop {
        match rx.recv().await {
            Ok(batch) => {
                for e in &batch.events {
                    deliver(&io, e).await;
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                metrics::counter!("fanout_batches_skipped_total").increment(n);
                tracing::warn!(skipped = n, "fan-out delivery lagged");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
