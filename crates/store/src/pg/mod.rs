//! The Postgres store: the cluster's source of truth.

mod append;
mod assistant;
mod calls;
mod messages;
mod people;
mod sessions;
mod sites;

use std::time::Duration;

use async_trait::async_trait;
use domain::{Error, Manager, Message, Result, Session, Site, Visitor};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

use crate::*;

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Sessions' state as last read by the message path (see `append`).
    sessions: std::sync::Arc<append::SessionCache>,
}

impl PgStore {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            // Fail fast when Postgres is down: callers answer `unavailable` instead of hanging.
            .acquire_timeout(Duration::from_secs(3))
            // The default pings every connection before handing it out: one more round
            // trip per transaction on the message path. Broken connections surface as
            // errors (`unavailable`) and are replaced by the pool anyway.
            .test_before_acquire(false)
            .connect(url)
            .await
            .map_err(db_err)?;
        Ok(Self::from_pool(pool))
    }

    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool, sessions: Default::default() }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies pending migrations. sqlx holds a Postgres advisory lock while it
    /// migrates, so nodes starting together apply each migration exactly once.
    /// Migrations newer than this binary are tolerated: during a rolling upgrade (or a
    /// rollback) the previous release keeps running on the expanded schema.
    pub async fn migrate(&self) -> Result<()> {
        let mut migrator = sqlx::migrate!("./migrations");
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => db_err(e),
            other => Error::internal(other),
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Maps a driver error: connectivity problems are `unavailable` (retryable, nothing
/// written), everything else is `internal` with the cause kept for the logs.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    metrics::counter!("store_errors_total").increment(1);
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => Error::unavailable(e),
        sqlx::Error::Database(ref d) if d.code().is_some_and(|c| c.starts_with("08") || c == "57P01") => {
            Error::unavailable(e)
        }
        other => Error::internal(other),
    }
}

/// True when the error is a unique violation of the named constraint or index.
pub(crate) fn is_unique_violation(e: &sqlx::Error, constraint: &str) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23505") && d.constraint() == Some(constraint))
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ()).map_err(db_err)
    }

    async fn create_site(&self, new: NewSite) -> Result<Site> {
        sites::create(&self.pool, new).await
    }
    async fn site(&self, id: Uuid) -> Result<Option<Site>> {
        sites::by_id(&self.pool, id).await
    }
    async fn site_by_key(&self, key: &str) -> Result<Option<Site>> {
        sites::by_key(&self.pool, key).await
    }
    async fn update_site(&self, id: Uuid, patch: SitePatch) -> Result<Site> {
        sites::update(&self.pool, id, patch).await
    }
    async fn origin_known(&self, origin: &str) -> Result<bool> {
        sites::origin_known(&self.pool, origin).await
    }

    async fn create_manager(&self, new: NewManager) -> Result<Manager> {
        people::create_manager(&self.pool, new).await
    }
    async fn manager(&self, id: Uuid) -> Result<Option<Manager>> {
        people::manager(&self.pool, id).await
    }
    async fn managers(&self, site_id: Uuid) -> Result<Vec<Manager>> {
        people::managers(&self.pool, site_id).await
    }
    async fn manager_credentials(&self, email: &str) -> Result<Option<(Manager, String)>> {
        people::manager_credentials(&self.pool, email).await
    }
    async fn insert_manager_token(&self, token_hash: &[u8], manager_id: Uuid) -> Result<()> {
        people::insert_token(&self.pool, token_hash, manager_id).await
    }
    async fn manager_by_token(&self, token_hash: &[u8]) -> Result<Option<Manager>> {
        people::manager_by_token(&self.pool, token_hash).await
    }
    async fn delete_manager_token(&self, token_hash: &[u8]) -> Result<()> {
        people::delete_token(&self.pool, token_hash).await
    }

    async fn visitor_by_token(&self, token_hash: &[u8]) -> Result<Option<Visitor>> {
        people::visitor_by_token(&self.pool, token_hash).await
    }
    async fn create_visitor(&self, site_id: Uuid, token_hash: &[u8], profile: VisitorProfile) -> Result<Visitor> {
        people::create_visitor(&self.pool, site_id, token_hash, profile).await
    }
    async fn update_visitor(&self, id: Uuid, profile: VisitorProfile) -> Result<Visitor> {
        people::update_visitor(&self.pool, id, profile).await
    }
    async fn visitor(&self, id: Uuid) -> Result<Option<Visitor>> {
        people::visitor(&self.pool, id).await
    }

    async fn session(&self, id: Uuid) -> Result<Option<SessionRecord>> {
        sessions::load(&self.pool, id).await
    }
    async fn open_session(&self, visitor_id: Uuid) -> Result<Option<SessionRecord>> {
        sessions::open_of(&self.pool, visitor_id).await
    }
    async fn ensure_open_session(&self, site_id: Uuid, visitor_id: Uuid) -> Result<SessionRecord> {
        sessions::ensure_open(&self.pool, site_id, visitor_id).await
    }
    async fn request_manager(&self, site_id: Uuid, visitor_id: Uuid) -> Result<Transition> {
        sessions::request_manager(&self.pool, site_id, visitor_id).await
    }
    async fn accept(&self, session_id: Uuid, manager: &Manager) -> Result<Transition> {
        sessions::accept(&self.pool, session_id, manager).await
    }
    async fn close(&self, session_id: Uuid, by: Closer) -> Result<Transition> {
        sessions::close(&self.pool, session_id, by).await
    }
    async fn assign_next(&self, site_id: Uuid, online: &[Uuid]) -> Result<Option<Transition>> {
        sessions::assign_next(&self.pool, site_id, online).await
    }
    async fn queue(&self, site_id: Uuid) -> Result<Vec<Waiting>> {
        sessions::queue(&self.pool, site_id).await
    }
    async fn session_counts(&self, site_id: Uuid) -> Result<(i64, i64)> {
        sessions::counts(&self.pool, site_id).await
    }
    async fn manager_sessions(&self, manager_id: Uuid) -> Result<Vec<Session>> {
        sessions::of_manager(&self.pool, manager_id).await
    }

    async fn add_note(&self, session_id: Uuid, text: &str) -> Result<Note> {
        sessions::add_note(&self.pool, session_id, text).await
    }
    async fn notes(&self, session_id: Uuid) -> Result<Vec<Note>> {
        sessions::notes(&self.pool, session_id).await
    }

    async fn create_call(&self, call: &domain::Call) -> Result<()> {
        calls::create(&self.pool, call).await
    }
    async fn update_call(&self, id: Uuid, state: domain::CallState, end_reason: Option<&str>) -> Result<()> {
        calls::update(&self.pool, id, state, end_reason).await
    }

    async fn faq_entries(&self, site_id: Uuid) -> Result<Vec<FaqRecord>> {
        assistant::entries(&self.pool, site_id).await
    }
    async fn add_faq(&self, site_id: Uuid, questions: &[String], answer: &str) -> Result<FaqRecord> {
        assistant::add(&self.pool, site_id, questions, answer).await
    }
    async fn delete_faq(&self, site_id: Uuid, id: Uuid) -> Result<bool> {
        assistant::delete(&self.pool, site_id, id).await
    }
    async fn assistant_settings(&self, site_id: Uuid) -> Result<serde_json::Value> {
        assistant::settings(&self.pool, site_id).await
    }
    async fn set_assistant_settings(&self, site_id: Uuid, settings: &serde_json::Value) -> Result<()> {
        assistant::set_settings(&self.pool, site_id, settings).await
    }

    async fn append_batch(&self, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
        append::append_batch(&self.pool, &self.sessions, batch).await
    }
    async fn messages(&self, session_id: Uuid, after_seq: i64, limit: i64) -> Result<(Vec<Message>, bool)> {
        messages::page(&self.pool, session_id, after_seq, limit).await
    }
}
