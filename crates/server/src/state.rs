//! The shared state every handler reads: cheap handles behind one `Arc`, so a
//! socket's event handlers capture a single pointer each (idle sockets stay small).

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cluster::Coordinator;
use metrics_exporter_prometheus::PrometheusHandle;
use store::{MessageWriter, Store};

use crate::auth::PasswordHashing;
use crate::fanout::Fanout;
use crate::ice::IceConfig;
use crate::presence::Presence;
use crate::queue::QueueNotifier;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub coord: Arc<dyn Coordinator>,
    /// The batched path every chat message takes to the database.
    pub writer: MessageWriter,
    pub fanout: Fanout,
    pub presence: Presence,
    pub queue: QueueNotifier,
    pub hashing: PasswordHashing,
    /// Per-site assistant providers and FAQ indexes, kept between replies.
    pub assistants: assistant::Assistants,
    pub ice: IceConfig,
    pub settings: Arc<Settings>,
    pub metrics: Option<PrometheusHandle>,
    /// The embedded mode's demo site, the default of `/demo/`.
    pub demo_site_key: Option<String>,
    /// Set on SIGTERM: readiness fails so load balancers stop sending traffic.
    pub draining: AtomicBool,
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
