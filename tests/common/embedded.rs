//! Embedded nodes (SQLite in a temporary data directory, in-process coordination),
//! in-process or as `switchboard` processes, and [`Backend`]: one node of either
//! kind with a test site, so the contract suite runs the same scenarios on both.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use domain::{Role, Routing};
use server::Settings;
use server::startup::{Server, bind};
use store::{NewSite, Store};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::node::{Cluster, TestNode, spawn_cluster_with};
use super::{ORIGIN, post};

/// A directory under the system's temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("switchboard-test-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The settings of an embedded node: no DATABASE_URL nor REDIS_URL, a data dir.
pub fn embedded_vars(data_dir: &Path, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut v: HashMap<String, String> = [
        ("SWITCHBOARD_LISTEN", "127.0.0.1:0"),
        ("SWITCHBOARD__EMBEDDED__DATA_DIR", data_dir.to_str().expect("utf-8 temp path")),
        ("SWITCHBOARD__SERVER__ASSETS_DIR", env!("CARGO_MANIFEST_DIR")),
        ("SWITCHBOARD__SERVER__DRAIN_TIMEOUT_SECS", "5"),
        ("SWITCHBOARD__AUTH__HASH_CONCURRENCY", "2"),
    ]
    .into_iter()
    .map(|(k, val)| (k.to_owned(), val.to_owned()))
    .collect();
    v.extend(extra.iter().map(|(k, val)| ((*k).to_owned(), (*val).to_owned())));
    v
}

/// An embedded node in this process, with a handle on its store.
pub struct EmbeddedNode {
    pub node: TestNode,
    pub store: Arc<dyn Store>,
    pub demo_site_key: Option<String>,
}

/// Starts an embedded node on `data_dir`; the error is the node's refusal to start.
pub async fn spawn_embedded(data_dir: &Path, extra: &[(&str, &str)]) -> Result<EmbeddedNode, domain::Error> {
    let settings = Settings::load_from(None, embedded_vars(data_dir, extra)).expect("test settings are valid");
    let backends = server::embedded::backends(&settings).await?;
    let (store, demo_site_key) = (backends.store.clone(), backends.demo_site_key.clone());
    let server = Server::assemble(settings, backends);
    let listener = bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let handle = tokio::spawn(async move {
        server.serve(listener, token).await.expect("node serves");
    });
    Ok(EmbeddedNode { node: TestNode { url, shutdown, handle }, store, demo_site_key })
}

/// A `switchboard` process in the embedded mode.
pub struct EmbeddedProcess {
    pub url: String,
    /// What it printed before it listened (the first start's welcome).
    pub banner: String,
    pub child: tokio::process::Child,
}

/// How a process that refused to start ended.
#[derive(Debug)]
pub struct Refusal {
    pub code: Option<i32>,
    pub stderr: String,
}

impl EmbeddedProcess {
    /// Runs the binary with exactly `vars` (plus PATH) and waits until it listens.
    pub async fn start(vars: HashMap<String, String>) -> Result<Self, Refusal> {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
        cmd.arg("serve").env_clear().envs(vars).env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child = cmd.spawn().expect("switchboard binary starts");
        let mut stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut banner = String::new();
        loop {
            match lines.next_line().await.expect("read stdout") {
                Some(line) => {
                    if let Some(url) = line.strip_prefix("switchboard listening on ") {
                        let url = url.trim().to_owned();
                        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                        // Keep draining stderr so the node never blocks on a full pipe.
                        tokio::spawn(async move { tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await });
                        return Ok(Self { url, banner, child });
                    }
                    banner.push_str(&line);
                    banner.push('\n');
                }
                None => {
                    let mut text = String::new();
                    let _ = stderr.read_to_string(&mut text).await;
                    let status = child.wait().await.expect("wait for exit");
                    return Err(Refusal { code: status.code(), stderr: text });
                }
            }
        }
    }

    /// SIGTERM, then waits for the process to exit (its data-dir lock goes with it).
    pub async fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("running").to_string();
        std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        self.child.wait().await.expect("exits")
    }
}

/// Reads `label  value` from the first start's welcome text.
pub fn banner_value<'a>(banner: &'a str, label: &str) -> Option<&'a str> {
    banner.lines().find_map(|l| l.trim().strip_prefix(label)).map(str::trim)
}

/// Keeps a backend's resources alive for the test.
enum Keep {
    Cluster(Box<Cluster>),
    Embedded { _node: EmbeddedNode, _dir: TempDir },
}

/// One node of either backend with a test site (allowing [`ORIGIN`]) and an admin.
pub struct Backend {
    pub name: &'static str,
    pub url: String,
    pub store: Arc<dyn Store>,
    pub site_id: Uuid,
    pub site_key: String,
    pub password: String,
    _keep: Keep,
}

impl Backend {
    /// An embedded node in a fresh data directory.
    pub async fn embedded(routing: Routing) -> Self {
        let dir = TempDir::new();
        let node = spawn_embedded(dir.path(), &[]).await.expect("embedded node starts");
        let (url, store) = (node.node.url.clone(), node.store.clone());
        Self::with_site("embedded", url, store, routing, Keep::Embedded { _node: node, _dir: dir }).await
    }

    /// A Postgres + Redis node (one node of `spawn_cluster`).
    pub async fn postgres(routing: Routing) -> Self {
        let cluster = spawn_cluster_with(1, routing, &[]).await;
        let (url, store) = (cluster.url(0).to_owned(), Arc::new(cluster.store.clone()) as Arc<dyn Store>);
        Self::with_site("postgres+redis", url, store, routing, Keep::Cluster(Box::new(cluster))).await
    }

    async fn with_site(name: &'static str, url: String, store: Arc<dyn Store>, routing: Routing, keep: Keep) -> Self {
        let site = store
            .create_site(NewSite {
                name: "Contract".into(),
                origins: vec![ORIGIN.into()],
                routing,
                greeting: None,
                locale: "en".into(),
            })
            .await
            .expect("site");
        Self { name, url, store, site_id: site.id, site_key: site.key, password: "correct-horse-1".into(), _keep: keep }
    }

    /// Creates a manager of the test site with [`Backend::password`]; returns (id, email).
    pub async fn create_manager(&self, role: Role, max_chats: Option<i32>) -> (Uuid, String) {
        super::new_manager(self.store.as_ref(), self.site_id, &self.password, role, max_chats).await
    }

    pub async fn login(&self, email: &str) -> String {
        super::login_as(&self.url, email, &self.password).await
    }

    /// A new manager, logged in: (id, token).
    pub async fn manager(&self, max_chats: Option<i32>) -> (Uuid, String) {
        let (id, email) = self.create_manager(Role::Manager, max_chats).await;
        (id, self.login(&email).await)
    }

    /// A new visitor of the test site: (visitor id, token).
    pub async fn visitor(&self) -> (Uuid, String) {
        super::new_visitor(&self.url, &self.site_key).await
    }
}
