//! Building a node from settings, serving it on a bound listener, and draining.

use std::future::IntoFuture;

use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cluster::{Coordinator, RedisCoordinator, RedisSettings};
use domain::{Error, Result};
use secrecy::ExposeSecret;
use socketioxide::SocketIo;
use store::pg::PgStore;
use store::{MessageWriter, Store};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::PasswordHashing;
use crate::fanout::Fanout;
use crate::ice::IceConfig;
use crate::presence::{Presence, heartbeat};
use crate::queue::QueueNotifier;
use crate::settings::Settings;
use crate::state::{AppState, Inner};

/// The storage and coordination backends a node runs on.
pub struct Backends {
    pub store: Arc<dyn Store>,
    pub coord: Arc<dyn Coordinator>,
    pub demo_site_key: Option<String>,
    /// First start of the embedded mode: the demo site and admin login, to print once.
    pub welcome: Option<String>,
}

/// Connects the backends the settings name, migrating the schema first.
pub async fn backends(settings: &Settings) -> Result<Backends> {
    match (&settings.database.url, &settings.redis.url) {
        (Some(db), Some(redis)) => {
            let pg = PgStore::connect(db.expose_secret(), settings.database.max_connections).await?;
            pg.migrate().await?;
            let coord = RedisCoordinator::connect(RedisSettings {
                url: redis.expose_secret().to_owned(),
                prefix: settings.redis.prefix.clone(),
                presence_ttl: Duration::from_secs(settings.redis.presence_ttl_secs.max(3)),
            })
            .await?;
            Ok(Backends { store: Arc::new(pg), coord: Arc::new(coord), demo_site_key: None, welcome: None })
        }
        _ => crate::embedded::backends(settings).await,
    }
}

pub struct Server {
    /// Printed by `serve` before it listens (see [`Backends::welcome`]).
    pub welcome: Option<String>,
    state: AppState,
    io: SocketIo,
    app: axum::Router,
    tasks: Vec<JoinHandle<()>>,
    writer_tasks: Vec<JoinHandle<()>>,
    stop_background: CancellationToken,
}

impl Server {
    pub async fn build(settings: Settings) -> Result<Self> {
        let b = backends(&settings).await?;
        Ok(Self::assemble(settings, b))
    }

    pub fn assemble(settings: Settings, mut b: Backends) -> Self {
        let welcome = b.welcome.take();
        let settings = Arc::new(settings);
        let (sio_layer, io) = SocketIo::builder()
            // Events up to 1 MiB are read and answered with an error ack when too big.
            .max_payload(1 << 20)
            // Packets queued per socket before emits to it fail: room for bursts.
            .max_buffer_size(1024)
            // Idle connections dominate memory: a small read buffer (it grows on demand).
            .ws_read_buffer_size(1024)
            .ping_interval(Duration::from_secs(25))
            .ping_timeout(Duration::from_secs(20))
            .build_layer();
        let (fanout, mut tasks) = Fanout::spawn(io.clone(), b.coord.clone());
        let queue = QueueNotifier::new(b.store.clone(), b.coord.clone(), fanout.clone());
        let stop_background = CancellationToken::new();
        let (writer, writer_tasks) = MessageWriter::spawn(
            b.store.clone(),
            settings.chat.writer_shards,
            settings.chat.writer_max_batch,
            stop_background.clone(),
        );
        let presence = Presence::default();
        tasks.push(tokio::spawn(heartbeat(presence.clone(), b.coord.clone(), queue.clone(), stop_background.clone())));
        let state = AppState::new(Inner {
            store: b.store,
            coord: b.coord,
            writer,
            fanout,
            presence,
            queue,
            hashing: PasswordHashing::new(settings.auth.hash_concurrency),
            assistants: assistant::Assistants::new().expect("the HTTP client for model providers builds"),
            ice: IceConfig::new(settings.ice.clone()),
            metrics: crate::telemetry::metrics_handle(),
            demo_site_key: b.demo_site_key,
            settings,
            draining: AtomicBool::new(false),
        });
        crate::sockets::register(&io, &state);
        let app = crate::http::router(state.clone()).layer(sio_layer);
        let app = crate::http::outer_layers(app, state.clone());
        Self { welcome, state, io, app, tasks, writer_tasks, stop_background }
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` fires, then drains: readiness fails at once, sockets
    /// close (clients reconnect to another node), requests in flight finish, queued
    /// messages are written, and everything stops within the drain timeout.
    pub async fn serve(self, listener: TcpListener, shutdown: CancellationToken) -> Result<()> {
        let Self { state, io, app, tasks, writer_tasks, stop_background, .. } = self;
        let drain = Duration::from_secs(state.settings.server.drain_timeout_secs);
        let signal_state = state.clone();
        let signalled = shutdown.clone();
        let grace = Duration::from_millis(signal_state.settings.server.drain_grace_ms);
        let closing = async move {
            signalled.cancelled().await;
            signal_state.start_draining();
            tracing::info!("draining: readiness is now 503, closing sockets");
            io.close().await;
            // Keep answering (readiness 503, refused handshakes) a moment so load
            // balancers notice before the listener closes.
            tokio::time::sleep(grace).await;
        };
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        // Small websocket frames (an ack, then an event) must not wait for the peer's
        // delayed ACK: without TCP_NODELAY that stall was ~40 ms on every second write.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
        });
        let mut served = tokio::spawn(axum::serve(listener, service).with_graceful_shutdown(closing).into_future());
        tokio::select! {
            result = &mut served => result.map_err(Error::internal)?.map_err(Error::internal)?,
            _ = shutdown.cancelled() => match tokio::time::timeout(drain, &mut served).await {
                Ok(result) => result.map_err(Error::internal)?.map_err(Error::internal)?,
                Err(_) => {
                    served.abort();
                    tracing::warn!("drain timeout: connections still open were dropped");
                }
            },
        }
        stop_background.cancel();
        // The namespaces' handlers hold the state (and the state holds the io): drop
        // them so pools and tasks are released when a node stops inside a process.
        for ns in ["/chat", "/call"] {
            state.fanout.io().delete_ns(ns);
        }
        for (site, manager) in state.presence.members() {
            let _ = state.coord.presence_remove(site, manager).await;
        }
        // The writers stopped taking messages with `stop_background`; wait for the queued.
        let coord = state.coord.clone();
        let store = state.store.clone();
        drop(state);
        for t in writer_tasks {
            let _ = tokio::time::timeout(drain, t).await;
        }
        for t in tasks {
            t.abort();
        }
        coord.shutdown().await;
        drop(store);
        tracing::info!("stopped");
        Ok(())
    }
}

/// Binds `addr` (port 0 allowed).
pub async fn bind(addr: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| Error::validation(format!("cannot listen on {addr}: {e}")))
}
