//! Inputs and outputs of the [`crate::Store`] that are not contract objects.

use domain::{Message, Person, QueueEntry, Role, Routing, SenderKind, Session};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewSite {
    pub name: String,
    pub origins: Vec<String>,
    pub routing: Routing,
    pub greeting: Option<String>,
    pub locale: String,
}

#[derive(Debug, Clone, Default)]
pub struct SitePatch {
    pub name: Option<String>,
    pub origins: Option<Vec<String>>,
    pub routing: Option<Routing>,
    pub greeting: Option<Option<String>>,
    pub locale: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewManager {
    pub site_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub max_chats: Option<i32>,
    pub password_hash: String,
}

#[derive(Debug, Clone, Default)]
pub struct VisitorProfile {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A session with what the server needs to route events about it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub session: Session,
    /// The visitor's latest text (the queue preview).
    pub preview: Option<String>,
}

impl SessionRecord {
    pub fn manager_id(&self) -> Option<Uuid> {
        self.session.manager.as_ref().map(|m| m.id)
    }
}

/// The result of a status change, with the system message it wrote (if any).
#[derive(Debug, Clone)]
pub struct Transition {
    pub session: Session,
    /// The manager that held the session before (set on close of an active session).
    pub previous_manager: Option<Uuid>,
    pub changed: bool,
    pub message: Option<Message>,
}

#[derive(Debug, Clone, Copy)]
pub enum Closer {
    Visitor(Uuid),
    Manager(Uuid),
    System,
}

/// A message to store. The store checks that the sender may write in the session
/// inside the same transaction that allocates its seq.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub session_id: Uuid,
    pub sender: SenderKind,
    /// The visitor or manager writing (id checked against the session); None for ai/system.
    pub author: Option<Person>,
    pub kind: String,
    pub text: String,
    pub client_id: Option<String>,
}

impl NewMessage {
    /// A text message written by a visitor or a manager.
    pub fn text(session_id: Uuid, sender: SenderKind, author: Person, text: String, client_id: Option<String>) -> Self {
        Self { session_id, sender, author: Some(author), kind: domain::kind::TEXT.to_owned(), text, client_id }
    }
}

/// A stored message and the parties to deliver it to.
#[derive(Debug, Clone)]
pub struct Appended {
    pub message: Message,
    pub site_id: Uuid,
    pub visitor_id: Uuid,
    pub manager_id: Option<Uuid>,
    /// True when `client_id` matched an already stored message (nothing new written).
    pub duplicate: bool,
    /// The session's status when the message was stored.
    pub status: domain::SessionStatus,
}

/// A queue entry with its session, for `queue:updated` and the visitors' positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub entry: QueueEntry,
    pub session: Session,
}

/// A note on a session that only managers see.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Note {
    pub id: Uuid,
    pub text: String,
    pub created_at: domain::Time,
}

/// A FAQ entry of a site's built-in assistant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FaqRecord {
    pub id: Uuid,
    pub questions: Vec<String>,
    pub answer: String,
}
