//! The objects of the contract, serialized exactly as clients see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub type Time = DateTime<Utc>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Ai,
    Waiting,
    Active,
    Closed,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ai => "ai",
            Self::Waiting => "waiting",
            Self::Active => "active",
            Self::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ai" => Self::Ai,
            "waiting" => Self::Waiting,
            "active" => Self::Active,
            "closed" => Self::Closed,
            _ => return None,
        })
    }
}

/// `{id, name}`: who wrote a message or holds a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: Uuid,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: Uuid,
    pub site_id: Uuid,
    pub visitor_id: Uuid,
    pub status: SessionStatus,
    pub manager: Option<Person>,
    pub queue_position: Option<i64>,
    pub created_at: Time,
    pub requested_at: Option<Time>,
    pub accepted_at: Option<Time>,
    pub closed_at: Option<Time>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    Visitor,
    Manager,
    Ai,
    System,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Manager => "manager",
            Self::Ai => "ai",
            Self::System => "system",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "visitor" => Self::Visitor,
            "manager" => Self::Manager,
            "ai" => Self::Ai,
            "system" => Self::System,
            _ => return None,
        })
    }
}

/// Message kinds the server writes. Clients must accept kinds they do not know.
pub mod kind {
    pub const TEXT: &str = "text";
    pub const MANAGER_JOINED: &str = "manager_joined";
    pub const SESSION_CLOSED: &str = "session_closed";
    pub const MANAGER_REQUESTED: &str = "manager_requested";
    pub const CALL_STARTED: &str = "call_started";
    pub const CALL_ENDED: &str = "call_ended";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    pub session_id: Uuid,
    pub seq: i64,
    pub sender: SenderKind,
    pub author: Option<Person>,
    pub kind: String,
    pub text: String,
    pub client_id: Option<String>,
    pub created_at: Time,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub session_id: Uuid,
    pub visitor: Person,
    pub requested_at: Time,
    pub position: i64,
    pub preview: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stats {
    pub waiting: i64,
    pub online_managers: i64,
    pub active_sessions: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    #[default]
    Manual,
    Auto,
}

impl Routing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Auto => "auto",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "manual" => Some(Self::Manual),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }
}

/// What the widget needs of its site; never secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub name: String,
    pub greeting: Option<String>,
    pub routing: Routing,
    pub locale: String,
}

/// A tenant: one website.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: Uuid,
    pub name: String,
    pub key: String,
    pub origins: Vec<String>,
    pub routing: Routing,
    pub greeting: Option<String>,
    pub locale: String,
    pub created_at: Time,
}

impl Site {
    pub fn settings(&self) -> Settings {
        Settings {
            name: self.name.clone(),
            greeting: self.greeting.clone(),
            routing: self.routing,
            locale: self.locale.clone(),
        }
    }
    /// Whether a browser at `origin` may use this site's visitor endpoints.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        self.origins.iter().any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "manager" => Some(Self::Manager),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manager {
    pub id: Uuid,
    pub site_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub max_chats: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visitor {
    pub id: Uuid,
    pub site_id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    Audio,
    Video,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    Ringing,
    Active,
    Ended,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: Uuid,
    pub session_id: Uuid,
    pub media: Media,
    pub from: SenderKind,
    pub state: CallState,
    pub created_at: Time,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// Who is acting: the authenticated party behind a request or a socket.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    Visitor(Visitor),
    Manager(Manager),
}

impl Actor {
    pub fn site_id(&self) -> Uuid {
        match self {
            Self::Visitor(v) => v.site_id,
            Self::Manager(m) => m.site_id,
        }
    }
}

/// The stored text of a system message, in the site's locale. Clients may render
/// system messages from `kind` alone; the text keeps transcripts readable.
pub fn system_text(kind: &str, locale: &str, who: Option<&str>) -> String {
    let ru = locale != "en";
    let who = who.unwrap_or(if ru { "Менеджер" } else { "A manager" });
    match (kind, ru) {
        (kind::MANAGER_JOINED, true) => format!("Подключился личный менеджер: {who}"),
        (kind::MANAGER_JOINED, false) => format!("{who} joined the chat"),
        (kind::SESSION_CLOSED, true) => "Диалог завершён".to_owned(),
        (kind::SESSION_CLOSED, false) => "The conversation was closed".to_owned(),
        (kind::MANAGER_REQUESTED, true) => "Вы в очереди: менеджер скоро подключится".to_owned(),
        (kind::MANAGER_REQUESTED, false) => "You are in the queue: a manager will join shortly".to_owned(),
        (other, _) => other.replace('_', " "),
    }
}
