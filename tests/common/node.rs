//! Nodes under test: in-process on port 0, or as `switchboard` processes that a
//! test can SIGTERM or SIGKILL.

use std::collections::HashMap;
use std::process::Stdio;

use domain::{Role, Routing};
use server::Settings;
use server::startup::{Server, bind};
use store::{NewSite, Store, pg::PgStore};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{ORIGIN, TestEnv, post, test_env};

pub struct TestNode {
    pub url: String,
    pub shutdown: CancellationToken,
    pub handle: JoinHandle<()>,
}

impl TestNode {
    /// Drains the node (as SIGTERM does) and waits for it to stop.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.handle.await;
    }
}

fn vars(env: &TestEnv, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut v: HashMap<String, String> = [
        ("DATABASE_URL", env.database_url.as_str()),
        ("REDIS_URL", env.redis_url.as_str()),
        ("SWITCHBOARD_LISTEN", "127.0.0.1:0"),
        ("SWITCHBOARD__REDIS__PREFIX", env.prefix.as_str()),
        ("SWITCHBOARD__SERVER__ASSETS_DIR", env!("CARGO_MANIFEST_DIR")),
        ("SWITCHBOARD__SERVER__DRAIN_TIMEOUT_SECS", "5"),
        ("SWITCHBOARD__AUTH__HASH_CONCURRENCY", "2"),
        // Many tests run at once against one Postgres (100 connections by default).
        ("SWITCHBOARD__DATABASE__MAX_CONNECTIONS", "4"),
    ]
    .into_iter()
    .map(|(k, val)| (k.to_owned(), val.to_owned()))
    .collect();
    v.extend(extra.iter().map(|(k, val)| ((*k).to_owned(), (*val).to_owned())));
    v
}

/// Starts a node in this process on a free port.
pub async fn spawn_node(env: &TestEnv, extra: &[(&str, &str)]) -> TestNode {
    let settings = Settings::load_from(None, vars(env, extra)).expect("test settings are valid");
    let server = Server::build(settings).await.expect("node starts");
    let listener = bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let handle = tokio::spawn(async move {
        server.serve(listener, token).await.expect("node serves");
    });
    TestNode { url, shutdown, handle }
}

/// A `switchboard serve` process.
pub struct ProcessNode {
    pub url: String,
    pub child: tokio::process::Child,
}

impl ProcessNode {
    pub async fn start(env: &TestEnv, extra: &[(&str, &str)]) -> Self {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
        cmd.arg("serve").env_clear().envs(vars(env, extra)).env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).kill_on_drop(true);
        let mut child = cmd.spawn().expect("switchboard binary starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = loop {
            let line = lines.next_line().await.expect("read stdout").expect("node printed its address");
            if let Some(url) = line.strip_prefix("switchboard listening on ") {
                break url.trim().to_owned();
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { url, child }
    }

    pub fn signal(&self, sig: &str) {
        let pid = self.child.id().expect("running").to_string();
        std::process::Command::new("kill").args([sig, &pid]).status().expect("kill runs");
    }
}

/// n nodes sharing one test database and Redis prefix, with a site and an admin.
pub struct Cluster {
    pub env: TestEnv,
    pub nodes: Vec<TestNode>,
    pub store: PgStore,
    pub site_id: Uuid,
    pub site_key: String,
    pub admin_email: String,
    pub password: String,
}

pub async fn spawn_cluster(n: usize) -> Cluster {
    spawn_cluster_with(n, Routing::Manual, &[]).await
}

pub async fn spawn_cluster_with(n: usize, routing: Routing, extra: &[(&str, &str)]) -> Cluster {
    let env = test_env().await;
    let mut nodes = Vec::with_capacity(n);
    for _ in 0..n {
        nodes.push(spawn_node(&env, extra).await);
    }
    let store = PgStore::connect(&env.database_url, 2).await.expect("store");
    let mut cluster = Cluster {
        env,
        nodes,
        store,
        site_id: Uuid::nil(),
        site_key: String::new(),
        admin_email: String::new(),
        password: "correct-horse-1".into(),
    };
    let (id, key) = cluster.create_site("Test site", routing).await;
    cluster.site_id = id;
    cluster.site_key = key;
    cluster.admin_email = cluster.create_manager(id, Role::Admin, None).await.1;
    cluster
}

impl Cluster {
    pub fn url(&self, node: usize) -> &str {
        &self.nodes[node].url
    }

    pub async fn create_site(&self, name: &str, routing: Routing) -> (Uuid, String) {
        let site = self
            .store
            .create_site(NewSite {
                name: name.into(),
                origins: vec![ORIGIN.into()],
                routing,
                greeting: None,
                locale: "en".into(),
            })
            .await
            .expect("site");
        (site.id, site.key)
    }

    /// Creates a manager with [`Cluster::password`]; returns (id, email).
    pub async fn create_manager(&self, site: Uuid, role: Role, max_chats: Option<i32>) -> (Uuid, String) {
        super::new_manager(&self.store, site, &self.password, role, max_chats).await
    }

    /// Logs in on `node`; returns the token.
    pub async fn login(&self, node: usize, email: &str) -> String {
        super::login_as(self.url(node), email, &self.password).await
    }

    /// A new manager of the test site, logged in on `node`: (id, token).
    pub async fn manager(&self, node: usize) -> (Uuid, String) {
        let (id, email) = self.create_manager(self.site_id, Role::Manager, None).await;
        (id, self.login(node, &email).await)
    }

    /// A new visitor of `site_key` via `node`: (visitor id, token).
    pub async fn visitor_of(&self, node: usize, site_key: &str) -> (Uuid, String) {
        super::new_visitor(self.url(node), site_key).await
    }

    pub async fn visitor(&self, node: usize) -> (Uuid, String) {
        self.visitor_of(node, &self.site_key.clone()).await
    }
}
