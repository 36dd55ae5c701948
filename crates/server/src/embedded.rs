//! The embedded single-node mode: SQLite storage and in-process coordination.
//!
//! Chosen when neither `DATABASE_URL` nor `REDIS_URL` is set, so that a newcomer's
//! first `cargo run` works with nothing installed. The first start seeds a demo site
//! (origins of localhost), its FAQ and an admin whose generated password is printed
//! once; later starts find the same site again and keep all data.

use std::net::SocketAddr;
use std::sync::Arc;

use cluster::LocalCoordinator;
use domain::{Result, Routing, Site};
use rand::distr::{Alphanumeric, SampleString};
use store::{NewSite, SitePatch, Store};
use store_sqlite::{DemoSeed, SqliteStore};

use crate::auth::PasswordHashing;
use crate::settings::Settings;
use crate::startup::Backends;

/// The seeded admin's login.
pub const DEMO_ADMIN_EMAIL: &str = "admin@localhost";
/// The seeded site's name and language (its FAQ is the assistant's Russian demo set).
pub const DEMO_SITE_NAME: &str = "Demo";
const DEMO_LOCALE: &str = "ru";

/// Opens the data directory (refusing one another node holds), migrates, and seeds
/// the demo site on the first start.
pub async fn backends(settings: &Settings) -> Result<Backends> {
    let data_dir = &settings.embedded.data_dir;
    let store = SqliteStore::open(data_dir).await?;
    store.migrate().await?;
    let listen: Option<SocketAddr> = settings.server.listen.parse().ok();
    let port = listen.map(|a| a.port()).filter(|p| *p != 0);
    let (demo, welcome) = match store.demo_site().await? {
        Some(site) => (keep_origins_current(&store, site, port).await?, None),
        None => {
            let (site, password) = seed(&store, port).await?;
            (site, Some(welcome_text(settings, listen, &password)))
        }
    };
    tracing::info!(data_dir = %data_dir.display(), demo_site = %demo.id, "embedded mode: SQLite and in-process coordination");
    Ok(Backends {
        store: Arc::new(store),
        coord: Arc::new(LocalCoordinator::default()),
        demo_site_key: Some(demo.key),
        welcome,
    })
}

/// The origins the demo page is served from: localhost by name and by address,
/// with the node's port, and the same on the default port (a proxy on :80).
fn demo_origins(port: Option<u16>) -> Vec<String> {
    let mut origins = Vec::with_capacity(4);
    if let Some(port) = port {
        origins.push(format!("http://localhost:{port}"));
        origins.push(format!("http://127.0.0.1:{port}"));
    }
    origins.push("http://localhost".to_owned());
    origins.push("http://127.0.0.1".to_owned());
    origins
}

/// Creates the demo site, its FAQ and its admin in one transaction; returns the
/// site and the admin's generated password.
async fn seed(store: &SqliteStore, port: Option<u16>) -> Result<(Site, String)> {
    let password = Alphanumeric.sample_string(&mut rand::rng(), 20);
    let hash = PasswordHashing::new(1).hash(&password).await?;
    let faq = ::assistant::demo_faq(::assistant::Locale::parse(DEMO_LOCALE))
        .into_iter()
        .map(|e| (e.questions, e.answer))
        .collect();
    let (site, _admin) = store
        .seed_demo(DemoSeed {
            site: NewSite {
                name: DEMO_SITE_NAME.to_owned(),
                origins: demo_origins(port),
                routing: Routing::Manual,
                greeting: None,
                locale: DEMO_LOCALE.to_owned(),
            },
            faq,
            admin_email: DEMO_ADMIN_EMAIL.to_owned(),
            admin_name: "Admin".to_owned(),
            admin_password_hash: hash,
        })
        .await?;
    Ok((site, password))
}

/// A later start on another port: the demo page's new origin must be allowed too.
async fn keep_origins_current(store: &SqliteStore, site: Site, port: Option<u16>) -> Result<Site> {
    let missing: Vec<String> = demo_origins(port).into_iter().filter(|o| !site.origins.contains(o)).collect();
    if missing.is_empty() {
        return Ok(site);
    }
    let mut origins = site.origins;
    origins.extend(missing);
    store.update_site(site.id, SitePatch { origins: Some(origins), ..SitePatch::default() }).await
}

/// Shown once, on the first start: the password exists nowhere else. Returned to the
/// caller, which prints it (`serve` on stdout; CLI commands on stderr, so that their
/// JSON stays alone on stdout).
fn welcome_text(settings: &Settings, listen: Option<SocketAddr>, password: &str) -> String {
    let base = match listen {
        Some(a) if a.port() != 0 => {
            let host = if a.ip().is_unspecified() || a.ip().is_loopback() {
                "localhost".to_owned()
            } else {
                a.ip().to_string()
            };
            let host = if host.contains(':') { format!("[{host}]") } else { host };
            format!("http://{host}:{}", a.port())
        }
        _ => String::from("http://<this node>"),
    };
    format!(
        "\nSwitchboard runs in the embedded single-node mode (data in {dir}).\n\
         First start: a demo site and an admin were created.\n\
         \n  demo page      {base}/demo/\n  manager panel  {base}/admin/\n\
         \n  admin email     {DEMO_ADMIN_EMAIL}\n  admin password  {password}\n\
         \nThe password is shown only this once: keep it.\n",
        dir = settings.embedded.data_dir.display(),
    )
}
