//! Row types as SQLite returns them, and their conversion to contract objects.
//!
//! Times are INTEGER microseconds and lists are JSON text (see the migration); the
//! conversions here are the only place that knows. Each row is mapped onto the
//! Postgres store's row type, whose conversion to contract objects is shared.

use domain::{Error, Message, Result, Site, Time};
use store::SessionRecord;
use store::rows as shared;
pub use store::rows::{CredentialsRow, ManagerRow, VisitorRow, bad, convert};
use uuid::Uuid;

/// A time as stored: microseconds since the epoch (Postgres' precision).
pub fn micros(t: Time) -> i64 {
    t.timestamp_micros()
}

pub fn time(micros: i64) -> Result<Time> {
    chrono::DateTime::from_timestamp_micros(micros).ok_or_else(|| bad("time", &micros.to_string()))
}

fn time_opt(micros: Option<i64>) -> Result<Option<Time>> {
    micros.map(time).transpose()
}

/// A list stored as a JSON array of strings.
pub fn to_json_list(items: &[String]) -> String {
    serde_json::Value::from(items).to_string()
}

pub fn from_json_list(column: &str, text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|_| bad(column, text))
}

pub struct SiteRow {
    pub id: Uuid,
    pub name: String,
    pub key: String,
    pub origins: String,
    pub routing: String,
    pub greeting: Option<String>,
    pub locale: String,
    pub created_at: i64,
}

impl TryFrom<SiteRow> for Site {
    type Error = Error;
    fn try_from(r: SiteRow) -> Result<Site> {
        shared::SiteRow {
            origins: from_json_list("origins", &r.origins)?,
            created_at: time(r.created_at)?,
            id: r.id,
            name: r.name,
            key: r.key,
            routing: r.routing,
            greeting: r.greeting,
            locale: r.locale,
        }
        .try_into()
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
    pub created_at: i64,
    pub requested_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub preview: Option<String>,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = Error;
    fn try_from(r: SessionRow) -> Result<SessionRecord> {
        shared::SessionRow {
            created_at: time(r.created_at)?,
            requested_at: time_opt(r.requested_at)?,
            accepted_at: time_opt(r.accepted_at)?,
            closed_at: time_opt(r.closed_at)?,
            id: r.id,
            site_id: r.site_id,
            visitor_id: r.visitor_id,
            status: r.status,
            manager_id: r.manager_id,
            manager_name: r.manager_name,
            queue_position: r.queue_position,
            preview: r.preview,
        }
        .try_into()
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
    pub created_at: i64,
}

impl TryFrom<MessageRow> for Message {
    type Error = Error;
    fn try_from(r: MessageRow) -> Result<Message> {
        shared::MessageRow {
            created_at: time(r.created_at)?,
            id: r.id,
            session_id: r.session_id,
            seq: r.seq,
            sender: r.sender,
            author_id: r.author_id,
            author_name: r.author_name,
            kind: r.kind,
            text: r.text,
            client_id: r.client_id,
        }
        .try_into()
    }
}
