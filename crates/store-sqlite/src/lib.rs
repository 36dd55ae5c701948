//! The embedded [`Store`]: SQLite through sqlx, one file in a data directory.
//!
//! It keeps the Postgres store's semantics (see `store::Store`) with SQLite's means:
//! every write runs on the one connection of a write pool inside `BEGIN IMMEDIATE`,
//! so write transactions are serialized as a whole. That is what Postgres' row locks
//! give the other store (seq without gaps, atomic claims, `max_chats`), and the
//! batch rules themselves are shared (`store::plan`). Reads go to a separate pool:
//! in WAL mode they never wait for the writer.

mod assistant;
mod calls;
mod error;
mod lock;
mod messages;
mod people;
mod rows;
mod seed;
mod sessions;
mod sites;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::{Error, Manager, Message, Result, Session, Site, Visitor};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqlitePool, Transaction};
use store::*;
use uuid::Uuid;

pub use error::db_err;
pub use lock::DataDirLock;
pub use seed::DemoSeed;

/// The database file inside the data directory.
pub const DB_FILE: &str = "switchboard.db";

#[derive(Clone)]
pub struct SqliteStore {
    /// One connection: write transactions run one at a time.
    write: SqlitePool,
    read: SqlitePool,
    /// Held while any clone lives: no second node may open the same data directory.
    _lock: Arc<DataDirLock>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating it if needed) the database in `data_dir`, after taking the
    /// directory's lock. Fails with a clear message when another node holds it.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| Error::validation(format!("cannot create the data directory {}: {e}", data_dir.display())))?;
        let lock = DataDirLock::acquire(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(db_err)?
            .filename(&path)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across process crashes in WAL mode; only a power loss
            // may drop the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Readers and the writer meet only at checkpoints; wait instead of failing.
            .busy_timeout(Duration::from_secs(5));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            // Writers queue here; past this they answer `unavailable`.
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone().create_if_missing(true))
            .await
            .map_err(db_err)?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(options.read_only(true));
        Ok(Self { write, read, _lock: Arc::new(lock), path })
    }

    /// Applies pending migrations (the lock makes this node the only one migrating).
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations").run(&self.write).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => db_err(e),
            other => Error::internal(other),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes both pools (named apart from `Store::close`, which closes a session).
    pub async fn close_pools(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// A write transaction. IMMEDIATE takes SQLite's write lock at once, so a
    /// transaction that reads before it writes never sees its reads go stale.
    async fn begin(&self) -> Result<Transaction<'static, sqlx::Sqlite>> {
        self.write.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await.map(|_| ()).map_err(db_err)
    }

    async fn create_site(&self, new: NewSite) -> Result<Site> {
        let mut tx = self.begin().await?;
        let site = sites::create(&mut tx, new).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(site)
    }
    async fn site(&self, id: Uuid) -> Result<Option<Site>> {
        sites::by_id(&mut *self.read.acquire().await.map_err(db_err)?, id).await
    }
    async fn site_by_key(&self, key: &str) -> Result<Option<Site>> {
        sites::by_key(&self.read, key).await
    }
    async fn update_site(&self, id: Uuid, patch: SitePatch) -> Result<Site> {
        let mut tx = self.begin().await?;
        let site = sites::update(&mut tx, id, patch).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(site)
    }
    async fn origin_known(&self, origin: &str) -> Result<bool> {
        sites::origin_known(&self.read, origin).await
    }

    async fn create_manager(&self, new: NewManager) -> Result<Manager> {
        let mut tx = self.begin().await?;
        let manager = people::create_manager(&mut tx, new).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(manager)
    }
    async fn manager(&self, id: Uuid) -> Result<Option<Manager>> {
        people::manager_in(&mut *self.read.acquire().await.map_err(db_err)?, id).await
    }
    async fn managers(&self, site_id: Uuid) -> Result<Vec<Manager>> {
        people::managers(&self.read, site_id).await
    }
    async fn manager_credentials(&self, email: &str) -> Result<Option<(Manager, String)>> {
        people::manager_credentials(&self.read, email).await
    }
    async fn insert_manager_token(&self, token_hash: &[u8], manager_id: Uuid) -> Result<()> {
        people::insert_token(&self.write, token_hash, manager_id).await
    }
    async fn manager_by_token(&self, token_hash: &[u8]) -> Result<Option<Manager>> {
        people::manager_by_token(&self.read, token_hash).await
    }
    async fn delete_manager_token(&self, token_hash: &[u8]) -> Result<()> {
        people::delete_token(&self.write, token_hash).await
    }

    async fn visitor_by_token(&self, token_hash: &[u8]) -> Result<Option<Visitor>> {
        people::visitor_by_token(&self.read, token_hash).await
    }
    async fn create_visitor(&self, site_id: Uuid, token_hash: &[u8], profile: VisitorProfile) -> Result<Visitor> {
        people::create_visitor(&self.write, site_id, token_hash, profile).await
    }
    async fn update_visitor(&self, id: Uuid, profile: VisitorProfile) -> Result<Visitor> {
        people::update_visitor(&self.write, id, profile).await
    }
    async fn visitor(&self, id: Uuid) -> Result<Option<Visitor>> {
        people::visitor(&self.read, id).await
    }

    async fn session(&self, id: Uuid) -> Result<Option<SessionRecord>> {
        sessions::load(&mut *self.read.acquire().await.map_err(db_err)?, id).await
    }
    async fn open_session(&self, visitor_id: Uuid) -> Result<Option<SessionRecord>> {
        sessions::open_of(&mut *self.read.acquire().await.map_err(db_err)?, visitor_id).await
    }
    async fn ensure_open_session(&self, site_id: Uuid, visitor_id: Uuid) -> Result<SessionRecord> {
        let mut tx = self.begin().await?;
        let record = sessions::ensure_open(&mut tx, site_id, visitor_id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }
    async fn request_manager(&self, site_id: Uuid, visitor_id: Uuid) -> Result<Transition> {
        let mut tx = self.begin().await?;
        let transition = sessions::request_manager(&mut tx, site_id, visitor_id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(transition)
    }
    async fn accept(&self, session_id: Uuid, manager: &Manager) -> Result<Transition> {
        let mut tx = self.begin().await?;
        let transition = sessions::accept(&mut tx, session_id, manager).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(transition)
    }
    async fn close(&self, session_id: Uuid, by: Closer) -> Result<Transition> {
        let mut tx = self.begin().await?;
        let transition = sessions::close(&mut tx, session_id, by).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(transition)
    }
    async fn assign_next(&self, site_id: Uuid, online: &[Uuid]) -> Result<Option<Transition>> {
        if online.is_empty() {
            return Ok(None);
        }
        let mut tx = self.begin().await?;
        let transition = sessions::assign_next(&mut tx, site_id, online).await?;
        if transition.is_some() {
            tx.commit().await.map_err(db_err)?;
        }
        Ok(transition)
    }
    async fn queue(&self, site_id: Uuid) -> Result<Vec<Waiting>> {
        sessions::queue(&self.read, site_id).await
    }
    async fn session_counts(&self, site_id: Uuid) -> Result<(i64, i64)> {
        sessions::counts(&self.read, site_id).await
    }
    async fn manager_sessions(&self, manager_id: Uuid) -> Result<Vec<Session>> {
        sessions::of_manager(&self.read, manager_id).await
    }

    async fn add_note(&self, session_id: Uuid, text: &str) -> Result<Note> {
        sessions::add_note(&self.write, session_id, text).await
    }
    async fn notes(&self, session_id: Uuid) -> Result<Vec<Note>> {
        sessions::notes(&self.read, session_id).await
    }

    async fn create_call(&self, call: &domain::Call) -> Result<()> {
        calls::create(&self.write, call).await
    }
    async fn update_call(&self, id: Uuid, state: domain::CallState, end_reason: Option<&str>) -> Result<()> {
        calls::update(&self.write, id, state, end_reason).await
    }

    async fn faq_entries(&self, site_id: Uuid) -> Result<Vec<FaqRecord>> {
        assistant::entries(&self.read, site_id).await
    }
    async fn add_faq(&self, site_id: Uuid, questions: &[String], answer: &str) -> Result<FaqRecord> {
        let mut conn = self.write.acquire().await.map_err(db_err)?;
        assistant::add(&mut conn, site_id, questions, answer).await
    }
    async fn delete_faq(&self, site_id: Uuid, id: Uuid) -> Result<bool> {
        assistant::delete(&self.write, site_id, id).await
    }
    async fn assistant_settings(&self, site_id: Uuid) -> Result<serde_json::Value> {
        assistant::settings(&self.read, site_id).await
    }
    async fn set_assistant_settings(&self, site_id: Uuid, settings: &serde_json::Value) -> Result<()> {
        assistant::set_settings(&self.write, site_id, settings).await
    }

    async fn append_batch(&self, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
        let mut tx = self.begin().await?;
        let results = messages::append_in(&mut tx, batch).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(results)
    }
    async fn messages(&self, session_id: Uuid, after_seq: i64, limit: i64) -> Result<(Vec<Message>, bool)> {
        messages::page(&self.read, session_id, after_seq, limit).await
    }
}
