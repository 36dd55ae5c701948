//! The batched message path.
//!
//! Every message of a node goes through a few writer tasks that each take whatever
//! has queued up (up to `max_batch`) and store it in one transaction. Under load this
//! turns thousands of small transactions into a few large ones (Postgres does ~6k
//! single-row commits/s on one connection but >100k rows/s batched); when idle a
//! batch is one message and adds no delay. Messages are sharded by session so a
//! session's messages from one node keep their order.

use std::sync::Arc;

use domain::{Error, Result};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{Appended, NewMessage, Store};

struct Job {
    message: NewMessage,
    reply: oneshot::Sender<Result<Appended>>,
}

/// Handle to the writer tasks; cheap to clone. The tasks stop when `stop` fires (or
/// every clone is dropped), after storing what was already queued.
#[derive(Clone)]
pub struct MessageWriter {
    shards: Arc<[mpsc::Sender<Job>]>,
}

impl MessageWriter {
    pub fn spawn(
        store: Arc<dyn Store>,
        shards: usize,
        max_batch: usize,
        stop: CancellationToken,
    ) -> (Self, Vec<JoinHandle<()>>) {
        let shards = shards.max(1);
        let mut senders = Vec::with_capacity(shards);
        let mut handles = Vec::with_capacity(shards);
        for _ in 0..shards {
            // Bounded: a slow database pushes back on senders instead of growing memory.
            let (tx, rx) = mpsc::channel(max_batch * 8);
            senders.push(tx);
            handles.push(tokio::spawn(run_shard(store.clone(), rx, max_batch.max(1), stop.clone())));
        }
        (Self { shards: senders.into() }, handles)
    }

    /// Stores one message (batched with its neighbours) and returns it with its seq.
    pub async fn append(&self, message: NewMessage) -> Result<Appended> {
        let shard = (message.session_id.as_u128() % self.shards.len() as u128) as usize;
        let (reply, rx) = oneshot::channel();
        self.shards[shard]
            .send(Job { message, reply })
            .await
            .map_err(|_| Error::new(domain::ErrorCode::Unavailable, "the node is shutting down"))?;
        rx.await.map_err(|_| Error::internal_msg("message writer stopped"))?
    }
}

async fn run_shard(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>, max_batch: usize, stop: CancellationToken) {
    let mut jobs = Vec::with_capacity(max_batch);
    loop {
        let n = tokio::select! {
            n = rx.recv_many(&mut jobs, max_batch) => n,
            _ = stop.cancelled(), if !rx.is_closed() => {
                // Refuse new messages (senders get `unavailable`), keep what is queued.
                rx.close();
                continue;
            }
        };
        if n == 0 {
            return;
        }
        // Moved out of the jobs, not cloned: the messages are only read from here on.
        let (batch, replies): (Vec<NewMessage>, Vec<_>) = jobs.drain(..).map(|j| (j.message, j.reply)).unzip();
        metrics::histogram!("message_batch_size").record(batch.len() as f64);
        let started = std::time::Instant::now();
        let stored = store.append_batch(&batch).await;
        metrics::histogram!("message_batch_seconds").record(started.elapsed().as_secs_f64());
        match stored {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    if matches!(&result, Ok(a) if !a.duplicate) {
                        metrics::counter!("messages_persisted_total").increment(1);
                    }
                    let _ = reply.send(result);
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, size = batch.len(), "message batch failed");
                for reply in replies {
                    let _ = reply.send(Err(copy_error(&err)));
                }
            }
        }
    }
}

/// The batch failed as a whole: each sender gets the same code and message.
fn copy_error(err: &Error) -> Error {
    Error { retry_after: err.retry_after, ..Error::new(err.code, err.message.clone()) }
}
