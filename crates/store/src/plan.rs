//! The rules of a message batch, shared by both stores.
//!
//! A store locks the sessions of a batch, loads the messages whose `client_id`
//! already exists, and hands both here; this decides, message by message, whether
//! it may be written, whether it is a retry, and which seq it gets. Keeping the
//! rules free of SQL means Postgres and SQLite cannot disagree on them.

use std::collections::HashMap;

use domain::{Error, Message, Result, SenderKind, SessionStatus, Time};
use uuid::Uuid;

use crate::{Appended, NewMessage};

/// A session row as seen under its lock.
#[derive(Debug, Clone)]
pub struct LockedSession {
    pub site_id: Uuid,
    pub visitor_id: Uuid,
    pub manager_id: Option<Uuid>,
    pub status: SessionStatus,
    pub last_seq: i64,
}

impl LockedSession {
    /// From a session row's columns, `status` as stored.
    pub fn from_row(
        site_id: Uuid,
        visitor_id: Uuid,
        manager_id: Option<Uuid>,
        status: &str,
        last_seq: i64,
    ) -> Result<Self> {
        let status = SessionStatus::parse(status).ok_or_else(|| crate::rows::bad("status", status))?;
        Ok(Self { site_id, visitor_id, manager_id, status, last_seq })
    }
}

#[derive(Debug, Default)]
pub struct Plan {
    pub results: Vec<Result<Appended>>,
    /// New rows, in seq order per session.
    pub inserts: Vec<Message>,
    /// (session, new last_seq, new preview if a visitor wrote).
    pub updates: Vec<(Uuid, i64, Option<String>)>,
}

/// Checks that `sender` may write in a session in its current state.
pub fn authorize(message: &NewMessage, s: &LockedSession) -> Result<()> {
    let author = message.author.as_ref().map(|a| a.id);
    match message.sender {
        SenderKind::Visitor if author != Some(s.visitor_id) => Err(Error::not_found("session")),
        SenderKind::Manager if author.is_none() || author != s.manager_id => Err(Error::not_found("session")),
        SenderKind::Visitor if s.status == SessionStatus::Closed => Err(Error::conflict("the session is closed")),
        SenderKind::Manager if s.status != SessionStatus::Active => Err(Error::conflict("the session is not active")),
        // Once a session leaves `ai`, a late assistant reply must not be stored.
        SenderKind::Ai if s.status != SessionStatus::Ai => Err(Error::conflict("the session left AI mode")),
        _ => Ok(()),
    }
}

pub fn plan_batch(
    batch: &[NewMessage],
    sessions: &mut HashMap<Uuid, LockedSession>,
    existing: &HashMap<(Uuid, String), Message>,
    now: Time,
) -> Plan {
    let mut plan = Plan::default();
    // Retries inside one batch: (session, client_id) → index into plan.inserts.
    let mut pending: HashMap<(Uuid, &str), usize> = HashMap::new();
    let mut touched: HashMap<Uuid, Option<String>> = HashMap::new();

    for m in batch {
        let Some(s) = sessions.get_mut(&m.session_id) else {
            plan.results.push(Err(Error::not_found("session")));
            continue;
        };
        if let Err(e) = authorize(m, s) {
            plan.results.push(Err(e));
            continue;
        }
        let deliver = |message: Message, duplicate| Appended {
            message,
            site_id: s.site_id,
            visitor_id: s.visitor_id,
            manager_id: s.manager_id,
            duplicate,
            status: s.status,
        };
        if let Some(cid) = m.client_id.as_deref() {
            if let Some(stored) = existing.get(&(m.session_id, cid.to_owned())) {
                plan.results.push(Ok(deliver(stored.clone(), true)));
                continue;
            }
            if let Some(&i) = pending.get(&(m.session_id, cid)) {
                plan.results.push(Ok(deliver(plan.inserts[i].clone(), true)));
                continue;
            }
            pending.insert((m.session_id, cid), plan.inserts.len());
        }
        s.last_seq += 1;
        let message = Message {
            id: Uuid::now_v7(),
            session_id: m.session_id,
            seq: s.last_seq,
            sender: m.sender,
            author: m.author.clone(),
            kind: m.kind.clone(),
            text: m.text.clone(),
            client_id: m.client_id.clone(),
            created_at: now,
        };
        let preview = touched.entry(m.session_id).or_default();
        if m.sender == SenderKind::Visitor {
            *preview = Some(preview_of(&m.text));
        }
        plan.results.push(Ok(deliver(message.clone(), false)));
        plan.inserts.push(message);
    }
    plan.updates = touched.into_iter().map(|(id, preview)| (id, sessions[&id].last_seq, preview)).collect();
    plan
}

/// The queue shows the start of the visitor's latest message.
fn preview_of(text: &str) -> String {
    text.chars().take(140).collect()
}

/// Postgres keeps microseconds; the time we return must equal the one read back later.
pub fn now_micros() -> Time {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
