//! Storage: the [`Store`] seam and its Postgres implementation.
//!
//! Two implementations exist (Postgres here, SQLite in `store-sqlite` for the embedded
//! single-node mode), so the trait is the one place their behaviour is specified.
//! Everything the contract promises about persistence is enforced *inside* a store
//! transaction (seq without gaps, one open session per visitor, atomic claims), never
//! by a check-then-write in the caller.

mod model;
pub mod pg;
pub mod plan;
pub mod rows;
mod writer;

use async_trait::async_trait;
use domain::{Manager, Message, Result, Session, Site, Visitor};
use uuid::Uuid;

pub use model::*;
pub use writer::MessageWriter;

/// A widget key: public, unguessable enough that sites cannot be enumerated.
pub fn new_site_key() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    format!("pk_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Cheap liveness probe for `/readyz`.
    async fn ping(&self) -> Result<()>;

    // --- sites ---
    async fn create_site(&self, new: NewSite) -> Result<Site>;
    async fn site(&self, id: Uuid) -> Result<Option<Site>>;
    async fn site_by_key(&self, key: &str) -> Result<Option<Site>>;
    async fn update_site(&self, id: Uuid, patch: SitePatch) -> Result<Site>;
    /// Whether any site lists `origin`; answers CORS preflights, which carry no site.
    async fn origin_known(&self, origin: &str) -> Result<bool>;

    // --- managers and their tokens ---
    /// `conflict` when the email is taken (in any case).
    async fn create_manager(&self, new: NewManager) -> Result<Manager>;
    async fn manager(&self, id: Uuid) -> Result<Option<Manager>>;
    async fn managers(&self, site_id: Uuid) -> Result<Vec<Manager>>;
    /// The manager and its password hash, by email regardless of case.
    async fn manager_credentials(&self, email: &str) -> Result<Option<(Manager, String)>>;
    async fn insert_manager_token(&self, token_hash: &[u8], manager_id: Uuid) -> Result<()>;
    async fn manager_by_token(&self, token_hash: &[u8]) -> Result<Option<Manager>>;
    /// Revokes a token; every node refuses it from the next request on.
    async fn delete_manager_token(&self, token_hash: &[u8]) -> Result<()>;

    // --- visitors ---
    async fn visitor_by_token(&self, token_hash: &[u8]) -> Result<Option<Visitor>>;
    async fn create_visitor(&self, site_id: Uuid, token_hash: &[u8], profile: VisitorProfile) -> Result<Visitor>;
    async fn update_visitor(&self, id: Uuid, profile: VisitorProfile) -> Result<Visitor>;
    async fn visitor(&self, id: Uuid) -> Result<Option<Visitor>>;

    // --- sessions ---
    async fn session(&self, id: Uuid) -> Result<Option<SessionRecord>>;
    /// The visitor's open (not closed) session, if any.
    async fn open_session(&self, visitor_id: Uuid) -> Result<Option<SessionRecord>>;
    /// The visitor's open session, created in status `ai` when there is none.
    async fn ensure_open_session(&self, site_id: Uuid, visitor_id: Uuid) -> Result<SessionRecord>;
    /// Puts the visitor's open session (created if none) in the queue; idempotent
    /// while waiting; an `active` session is returned as it is. `changed` is true
    /// when this call moved it to `waiting`.
    async fn request_manager(&self, site_id: Uuid, visitor_id: Uuid) -> Result<Transition>;
    /// Atomic claim of a waiting session: `conflict` if taken or at `max_chats`.
    /// Writes the `manager_joined` system message in the same transaction.
    async fn accept(&self, session_id: Uuid, manager: &Manager) -> Result<Transition>;
    /// Closes an open session (writing `session_closed`); closing a closed one is a no-op.
    async fn close(&self, session_id: Uuid, by: Closer) -> Result<Transition>;
    /// Auto routing: assigns the oldest waiting session of the site to the best of
    /// `online` (fewest active sessions with room, ties to the longest idle).
    async fn assign_next(&self, site_id: Uuid, online: &[Uuid]) -> Result<Option<Transition>>;
    /// The site's waiting sessions, first come first served.
    async fn queue(&self, site_id: Uuid) -> Result<Vec<Waiting>>;
    /// (waiting, active) session counts of a site.
    async fn session_counts(&self, site_id: Uuid) -> Result<(i64, i64)>;
    async fn manager_sessions(&self, manager_id: Uuid) -> Result<Vec<Session>>;

    /// Notes for managers only (the assistant's handoff summary).
    async fn add_note(&self, session_id: Uuid, text: &str) -> Result<Note>;
    async fn notes(&self, session_id: Uuid) -> Result<Vec<Note>>;

    // --- calls ---
    async fn create_call(&self, call: &domain::Call) -> Result<()>;
    /// Records an answer (`answered`) or an end (`ended` with its reason).
    async fn update_call(&self, id: Uuid, state: domain::CallState, end_reason: Option<&str>) -> Result<()>;

    // --- assistant ---
    async fn faq_entries(&self, site_id: Uuid) -> Result<Vec<FaqRecord>>;
    async fn add_faq(&self, site_id: Uuid, questions: &[String], answer: &str) -> Result<FaqRecord>;
    /// False when there was no such entry on the site.
    async fn delete_faq(&self, site_id: Uuid, id: Uuid) -> Result<bool>;
    /// The site's assistant settings (JSON object; `{}` = built-in defaults).
    async fn assistant_settings(&self, site_id: Uuid) -> Result<serde_json::Value>;
    async fn set_assistant_settings(&self, site_id: Uuid, settings: &serde_json::Value) -> Result<()>;

    // --- messages ---
    /// Stores a batch in one transaction; each entry gets its own result so one bad
    /// message never fails its neighbours. Called by [`MessageWriter`].
    async fn append_batch(&self, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>>;
    async fn messages(&self, session_id: Uuid, after_seq: i64, limit: i64) -> Result<(Vec<Message>, bool)>;
}
