//! Row types as Postgres returns them, and their conversion to contract objects.
//! The SQLite store maps its rows (integer times, JSON lists) onto these, so the
//! conversion rules exist once.

use domain::{
    Error, Manager, Message, Person, Result, Role, Routing, SenderKind, Session, SessionStatus, Site, Time, Visitor,
};
use uuid::Uuid;

use crate::SessionRecord;

pub struct SiteRow {
    pub id: Uuid,
    pub name: String,
    pub key: String,
    pub origins: Vec<String>,
    pub routing: String,
    pub greeting: Option<String>,
    pub locale: String,
    pub created_at: Time,
}

impl TryFrom<SiteRow> for Site {
    type Error = Error;
    fn try_from(r: SiteRow) -> Result<Site> {
        Ok(Site {
            id: r.id,
            name: r.name,
            key: r.key,
            origins: r.origins,
            routing: Routing::parse(&r.routing).ok_or_else(|| bad("routing", &r.routing))?,
            greeting: r.greeting,
            locale: r.locale,
            created_at: r.created_at,
        })
    }
}

pub struct ManagerRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub max_chats: Option<i32>,
}

impl TryFrom<ManagerRow> for Manager {
    type Error = Error;
    fn try_from(r: ManagerRow) -> Result<Manager> {
        Ok(Manager {
            id: r.id,
            site_id: r.site_id,
            email: r.email,
            name: r.name,
            role: Role::parse(&r.role).ok_or_else(|| bad("role", &r.role))?,
            max_chats: r.max_chats,
        })
    }
}

/// A manager with its password hash (login only).
pub struct CredentialsRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub max_chats: Option<i32>,
    pub password_hash: String,
}

impl CredentialsRow {
    pub fn into_credentials(self) -> Result<(Manager, String)> {
        let r = self;
        let manager = ManagerRow {
            id: r.id,
            site_id: r.site_id,
            email: r.email,
            name: r.name,
            role: r.role,
            max_chats: r.max_chats,
        };
        Ok((manager.try_into()?, r.password_hash))
    }
}

pub struct VisitorRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl From<VisitorRow> for Visitor {
    fn from(r: VisitorRow) -> Visitor {
        Visitor { id: r.id, site_id: r.site_id, name: r.name, email: r.email }
    }
}

pub struct SessionRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub visitor_id: Uuid,
    pub status: String,
    pub manager_id: Option<Uuid>,
    pub manager_name: Option<String>,
    pub queue_position: Option<i64>,
    pub created_at: Time,
    pub requested_at: Option<Time>,
    pub accepted_at: Option<Time>,
    pub closed_at: Option<Time>,
    pub preview: Option<String>,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = Error;
    fn try_from(r: SessionRow) -> Result<SessionRecord> {
        let status = SessionStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?;
        Ok(SessionRecord {
            session: Session {
                id: r.id,
                site_id: r.site_id,
                visitor_id: r.visitor_id,
                status,
                manager: r.manager_id.map(|id| Person { id, name: r.manager_name }),
                queue_position: r.queue_position.filter(|_| status == SessionStatus::Waiting),
                created_at: r.created_at,
                requested_at: r.requested_at,
                accepted_at: r.accepted_at,
                closed_at: r.closed_at,
            },
            preview: r.preview,
        })
    }
}

pub struct MessageRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub seq: i64,
    pub sender: String,
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub kind: String,
    pub text: String,
    pub client_id: Option<String>,
    pub created_at: Time,
}

impl TryFrom<MessageRow> for Message {
    type Error = Error;
    fn try_from(r: MessageRow) -> Result<Message> {
        Ok(Message {
            id: r.id,
            session_id: r.session_id,
            seq: r.seq,
            sender: SenderKind::parse(&r.sender).ok_or_else(|| bad("sender", &r.sender))?,
            author: r.author_id.map(|id| Person { id, name: r.author_name }),
            kind: r.kind,
            text: r.text,
            client_id: r.client_id,
            created_at: r.created_at,
        })
    }
}

/// Converts a list of rows, failing on the first that breaks an invariant.
pub fn convert<R, T: TryFrom<R, Error = Error>>(rows: Vec<R>) -> Result<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

pub fn bad(column: &str, value: &str) -> Error {
    Error::internal_msg(format!("unexpected {column} value {value:?} in the database"))
}
