//! Redis coordination for a cluster of nodes.
//!
//! Fan-out uses one pub/sub channel per deployment (`{prefix}events`) carrying whole
//! batches: a node's message writer publishes once per database batch, not once per
//! message, and every node picks out the rooms it has sockets in. We subscribe with
//! our own client instead of socketioxide's Redis adapter so that (1) batching is
//! ours and (2) we re-subscribe ourselves after a Redis restart, which the adapter
//! does not survive (see shared/NOTES.md).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::{Error, Result};
use fred::clients::SubscriberClient;
use fred::prelude::*;
use fred::types::{Expiration, SetOptions};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::{Batch, Coordinator, Envelope};

#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: String,
    /// Prepended to every key and channel, so deployments or tests can share a Redis.
    pub prefix: String,
    pub presence_ttl: Duration,
}

pub struct RedisCoordinator {
    node: Uuid,
    prefix: String,
    presence_ttl: Duration,
    client: Client,
    subscriber: SubscriberClient,
    incoming: broadcast::Sender<Arc<Batch>>,
    tasks: Vec<JoinHandle<()>>,
}

fn redis_err(e: fred::error::Error) -> Error {
    Error::unavailable(e)
}

fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64
}

impl RedisCoordinator {
    pub async fn connect(settings: RedisSettings) -> Result<Self> {
        let config = Config::from_url(&settings.url).map_err(|e| Error::validation(format!("REDIS_URL: {e}")))?;
        let mut builder = Builder::from_config(config);
        builder
            // Retry forever, quickly: a restarted Redis is picked up within seconds.
            .set_policy(ReconnectPolicy::new_exponential(0, 50, 1_000, 2))
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(2);
                c.internal_command_timeout = Duration::from_secs(2);
                c.max_command_attempts = 2;
                c.tcp.nodelay = Some(true);
            })
            // While Redis is down, commands fail within this time (→ `unavailable`)
            // instead of queueing until it returns.
            .with_performance_config(|p| {
                p.default_command_timeout = Duration::from_secs(2);
                // fred hands pub/sub messages over a broadcast channel of 32 by default;
                // under load the receiver lags and whole fan-out batches were dropped.
                p.broadcast_channel_capacity = 16 * 1024;
            });
        let client = builder.build().map_err(redis_err)?;
        let subscriber = builder.build_subscriber_client().map_err(redis_err)?;
        client.init().await.map_err(redis_err)?;
        subscriber.init().await.map_err(redis_err)?;

        let node = Uuid::new_v4();
        let channel = format!("{}events", settings.prefix);
        let (incoming, _) = broadcast::channel(4096);
        subscriber.subscribe(channel.clone()).await.map_err(redis_err)?;

        let mut tasks = Vec::new();
        tasks.push(spawn_receiver(&subscriber, node, incoming.clone()));
        tasks.push(spawn_resubscriber(&subscriber, channel));
        let mut reconnects = client.reconnect_rx();
        tasks.push(tokio::spawn(async move {
            while reconnects.recv().await.is_ok() {
                metrics::counter!("redis_reconnects_total", "client" => "commands").increment(1);
                tracing::info!("redis reconnected");
            }
        }));

        Ok(Self {
            node,
            prefix: settings.prefix,
            presence_ttl: settings.presence_ttl,
            client,
            subscriber,
            incoming,
            tasks,
        })
    }

    fn key(&self, parts: &[&str]) -> String {
        let mut k = self.prefix.clone();
        k.push_str(&parts.join(":"));
        k
    }
}

/// Delivers other nodes' batches to this node's listeners.
fn spawn_receiver(
    subscriber: &SubscriberClient,
    node: Uuid,
    incoming: broadcast::Sender<Arc<Batch>>,
) -> JoinHandle<()> {
    let mut rx = subscriber.message_rx();
    tokio::spawn(async move {
        loop {
            let message = match rx.recv().await {
                Ok(m) => m,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    // Clients recover missed messages by seq (`messages:sync`).
                    metrics::counter!("fanout_batches_skipped_total").increment(n);
                    tracing::warn!(skipped = n, "fan-out receiver lagged");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let Some(bytes) = message.value.as_bytes() else { continue };
            match serde_json::from_slice::<Batch>(bytes) {
                Ok(batch) if batch.node != node => {
                    let _ = incoming.send(Arc::new(batch));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "undecodable fan-out batch"),
            }
        }
    })
}

/// After Redis comes back the subscription is gone; take it again ourselves.
fn spawn_resubscriber(subscriber: &SubscriberClient, channel: String) -> JoinHandle<()> {
    let mut reconnects = subscriber.reconnect_rx();
    let subscriber = subscriber.clone();
    tokio::spawn(async move {
        while reconnects.recv().await.is_ok() {
            metrics::counter!("redis_reconnects_total", "client" => "subscriber").increment(1);
            let mut delay = Duration::from_millis(50);
            while let Err(e) = subscriber.subscribe(channel.clone()).await {
                tracing::warn!(error = %e, "re-subscribing to fan-out failed, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(1));
            }
            tracing::info!(%channel, "re-subscribed to fan-out after reconnect");
        }
    })
}

#[async_trait]
impl Coordinator for RedisCoordinator {
    fn node_id(&self) -> Uuid {
        self.node
    }

    async fn ping(&self) -> Result<()> {
        self.client.ping::<Value>(None).await.map(|_| ()).map_err(redis_err)
    }

    async fn publish(&self, events: Vec<Envelope>) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let n = events.len() as u64;
        let payload = serde_json::to_vec(&Batch { node: self.node, events }).map_err(Error::internal)?;
        let channel = format!("{}events", self.prefix);
        self.client.publish::<Value, _, _>(channel, payload.as_slice()).await.map_err(redis_err)?;
        metrics::counter!("fanout_published_total").increment(n);
        Ok(())
    }

    fn incoming(&self) -> broadcast::Receiver<Arc<Batch>> {
        self.incoming.subscribe()
    }

    fn presence_ttl(&self) -> Duration {
        self.presence_ttl
    }

    async fn presence_refresh(&self, members: &[(Uuid, Uuid)]) -> Result<()> {
        if members.is_empty() {
            return Ok(());
        }
        let expiry = now_ms() + self.presence_ttl.as_millis() as f64;
        let pipe = self.client.pipeline();
        let sites_key = self.key(&["presence_sites"]);
        for (site, manager) in members {
            let member = format!("{manager}|{}", self.node);
            let _: () = pipe
                .zadd(self.key(&["presence", &site.to_string()]), None, None, false, false, (expiry, member))
                .await
                .map_err(redis_err)?;
            let _: () = pipe.sadd(&sites_key, site.to_string()).await.map_err(redis_err)?;
        }
        pipe.all::<Value>().await.map_err(redis_err)?;
        Ok(())
    }

    async fn presence_remove(&self, site_id: Uuid, manager_id: Uuid) -> Result<()> {
        let member = format!("{manager_id}|{}", self.node);
        self.client
            .zrem::<Value, _, _>(self.key(&["presence", &site_id.to_string()]), member)
            .await
            .map_err(redis_err)?;
        Ok(())
    }

    async fn online_managers(&self, site_id: Uuid) -> Result<Vec<Uuid>> {
        let site = site_id.to_string();
        let pipe = self.client.pipeline();
        let _: () = pipe
            .zrangebyscore(self.key(&["presence", &site]), now_ms(), "+inf", false, None)
            .await
            .map_err(redis_err)?;
        let _: () = pipe.smembers(self.key(&["away", &site])).await.map_err(redis_err)?;
        let (members, away): (Vec<String>, Vec<String>) = pipe.all().await.map_err(redis_err)?;
        let away: HashSet<String> = away.into_iter().collect();
        let mut online: Vec<Uuid> = members
            .iter()
            .filter_map(|m| m.split_once('|'))
            .filter(|(manager, _)| !away.contains(*manager))
            .filter_map(|(manager, _)| Uuid::parse_str(manager).ok())
            .collect();
        online.sort_unstable();
        online.dedup();
        Ok(online)
    }

    async fn set_away(&self, site_id: Uuid, manager_id: Uuid, away: bool) -> Result<()> {
        let key = self.key(&["away", &site_id.to_string()]);
        if away {
            self.client.sadd::<Value, _, _>(key, manager_id.to_string()).await.map_err(redis_err)?;
        } else {
            self.client.srem::<Value, _, _>(key, manager_id.to_string()).await.map_err(redis_err)?;
        }
        Ok(())
    }

    async fn sweep_presence(&self) -> Result<Vec<Uuid>> {
        let sites: Vec<String> = self.client.smembers(self.key(&["presence_sites"])).await.map_err(redis_err)?;
        let mut changed = Vec::new();
        let now = now_ms();
        for site in sites {
            let removed: i64 =
                self.client.zremrangebyscore(self.key(&["presence", &site]), "-inf", now).await.map_err(redis_err)?;
            if removed > 0
                && let Ok(id) = Uuid::parse_str(&site)
            {
                changed.push(id);
            }
        }
        Ok(changed)
    }

    async fn rate_hit(&self, key: &str, limit: u64, window: Duration) -> Result<Option<u64>> {
        let key = self.key(&["rl", key]);
        let pipe = self.client.pipeline();
        let window_ms = window.as_millis() as i64;
        let _: () =
            pipe.set(&key, 0, Some(Expiration::PX(window_ms)), Some(SetOptions::NX), false).await.map_err(redis_err)?;
        let _: () = pipe.incr(&key).await.map_err(redis_err)?;
        let _: () = pipe.pttl(&key).await.map_err(redis_err)?;
        let (_, count, ttl): (Value, u64, i64) = pipe.all().await.map_err(redis_err)?;
        Ok((count > limit).then(|| (ttl.max(1) as u64).div_ceil(1000)))
    }

    async fn rate_reset(&self, key: &str) -> Result<()> {
        self.client.del::<Value, _>(self.key(&["rl", key])).await.map_err(redis_err)?;
        Ok(())
    }

    async fn put_if_absent(&self, key: &str, value: &str, ttl: Duration) -> Result<bool> {
        let set: Option<String> = self
            .client
            .set(
                self.key(&["kv", key]),
                value,
                Some(Expiration::PX(ttl.as_millis() as i64)),
                Some(SetOptions::NX),
                false,
            )
            .await
            .map_err(redis_err)?;
        Ok(set.is_some())
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<()> {
        self.client
            .set::<Value, _, _>(
                self.key(&["kv", key]),
                value,
                Some(Expiration::PX(ttl.as_millis() as i64)),
                None,
                false,
            )
            .await
            .map_err(redis_err)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<String>> {
        self.client.get(self.key(&["kv", key])).await.map_err(redis_err)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.client.del::<Value, _>(self.key(&["kv", key])).await.map_err(redis_err)?;
        Ok(())
    }

    async fn shutdown(&self) {
        for t in &self.tasks {
            t.abort();
        }
        let _ = self.subscriber.quit().await;
        let _ = self.client.quit().await;
    }
}
