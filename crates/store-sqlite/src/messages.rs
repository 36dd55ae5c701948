//! The message log: batched appends with gap-free seq, and paging.
//!
//! The rules of a batch are `store::plan`'s, shared with Postgres; this module
//! only loads what they need and writes what they decide. SQLite statements are
//! cheap in-process calls, so a batch is a few prepared statements per message
//! inside one transaction (the commit, not the statements, is the cost batching saves).

use std::collections::HashMap;

use domain::{Message, Result};
use sqlx::{SqliteConnection, SqlitePool};
use store::plan::{LockedSession, now_micros, plan_batch};
use store::{Appended, NewMessage};
use uuid::Uuid;

use crate::error::db_err;
use crate::rows::{MessageRow, convert, micros};

/// Appends inside the caller's write transaction (so no other writer runs between
/// reading `last_seq` and bumping it).
pub async fn append_in(conn: &mut SqliteConnection, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
    let mut ids: Vec<Uuid> = batch.iter().map(|m| m.session_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut sessions = HashMap::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query!(
            r#"SELECT site_id AS "site_id: Uuid", visitor_id AS "visitor_id: Uuid", manager_id AS "manager_id?: Uuid",
                      status, last_seq
               FROM sessions WHERE id = ?1"#,
            id
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        if let Some(r) = row {
            sessions.insert(id, LockedSession::from_row(r.site_id, r.visitor_id, r.manager_id, &r.status, r.last_seq)?);
        }
    }

    let mut existing = HashMap::new();
    for m in batch {
        let Some(cid) = m.client_id.as_deref() else {
            continue;
        };
        let row = sqlx::query_as!(
            MessageRow,
            // The nullability SQLite's planner reports for this lookup is not reliable: say it.
            r#"SELECT id AS "id!: Uuid", session_id AS "session_id!: Uuid", seq AS "seq!", sender AS "sender!",
                      author_id AS "author_id?: Uuid", author_name AS "author_name?", kind AS "kind!", text AS "text!",
                      client_id AS "client_id?", created_at AS "created_at!"
               FROM messages WHERE session_id = ?1 AND client_id = ?2"#,
            m.session_id,
            cid
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        if let Some(row) = row {
            existing.insert((m.session_id, cid.to_owned()), Message::try_from(row)?);
        }
    }

    let plan = plan_batch(batch, &mut sessions, &existing, now_micros());
    for m in &plan.inserts {
        let (sender, author_id) = (m.sender.as_str(), m.author.as_ref().map(|a| a.id));
        let (author_name, at) = (m.author.as_ref().and_then(|a| a.name.as_deref()), micros(m.created_at));
        sqlx::query!(
            "INSERT INTO messages (id, session_id, seq, sender, author_id, author_name, kind, text, client_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            m.id,
            m.session_id,
            m.seq,
            sender,
            author_id,
            author_name,
            m.kind,
            m.text,
            m.client_id,
            at,
        )
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    for (id, last_seq, preview) in &plan.updates {
        sqlx::query!(
            "UPDATE sessions SET last_seq = ?2, preview = COALESCE(?3, preview) WHERE id = ?1",
            id,
            last_seq,
            preview
        )
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(plan.results)
}

pub async fn page(pool: &SqlitePool, session_id: Uuid, after_seq: i64, limit: i64) -> Result<(Vec<Message>, bool)> {
    let fetch = limit + 1;
    let rows = sqlx::query_as!(
        MessageRow,
        r#"SELECT id AS "id: Uuid", session_id AS "session_id: Uuid", seq, sender, author_id AS "author_id?: Uuid",
                  author_name, kind, text, client_id, created_at
           FROM messages WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"#,
        session_id,
        after_seq,
        fetch,
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    let mut messages: Vec<Message> = convert(rows)?;
    let has_more = messages.len() as i64 > limit;
    messages.truncate(limit as usize);
    Ok((messages, has_more))
}
