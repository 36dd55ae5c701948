//! The message log: batched appends with gap-free seq, and paging.

use std::collections::HashMap;

use domain::{Message, Result};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{append, db_err};
use crate::plan::{LockedSession, now_micros, plan_batch};
use crate::rows::{MessageRow, convert};
use crate::{Appended, NewMessage};

pub async fn append_batch(pool: &PgPool, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let results = append_in(&mut tx, batch).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(results)
}

/// A session row as the batch rules need it.
pub(super) struct SessionStateRow {
    pub id: Uuid,
    pub site_id: Uuid,
    pub visitor_id: Uuid,
    pub manager_id: Option<Uuid>,
    pub status: String,
    pub last_seq: i64,
}

/// Keyed by session id, ready for [`plan_batch`].
pub(super) fn session_states(rows: Vec<SessionStateRow>) -> Result<HashMap<Uuid, LockedSession>> {
    rows.into_iter()
        .map(|r| Ok((r.id, LockedSession::from_row(r.site_id, r.visitor_id, r.manager_id, &r.status, r.last_seq)?)))
        .collect()
}

/// Appends inside the caller's transaction, in four statements whatever the batch size:
/// lock the sessions, find retried client_ids, then insert rows and bump `last_seq`.
/// This is the pessimistic path: `append::append_batch` tries without a transaction
/// first and falls back to it.
pub async fn append_in(conn: &mut PgConnection, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
    let mut ids: Vec<Uuid> = batch.iter().map(|m| m.session_id).collect();
    ids.sort_unstable();
    ids.dedup();
    // Sorted ids: concurrent batches lock sessions in one order and cannot deadlock.
    let rows = sqlx::query_as!(
        SessionStateRow,
        "SELECT id, site_id, visitor_id, manager_id, status, last_seq FROM sessions
         WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        &ids
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    let mut sessions = session_states(rows)?;
    // Read after the locks: a concurrent insert of the same client_id has committed by now.
    let existing = stored_client_ids(&mut *conn, batch.iter()).await?;

    let before = sessions.clone();
    let plan = plan_batch(batch, &mut sessions, &existing, now_micros());
    let previews = plan.updates.iter().map(|(id, _, preview)| (*id, preview.clone())).collect();
    // The optimistic path's statement: under these locks it writes every session, at
    // the seqs planned here.
    let outcomes = append::write(&mut *conn, &plan.inserts, &before, &previews).await.map_err(db_err)?;
    if !outcomes.values().all(|o| matches!(o, append::Outcome::Written(_))) {
        return Err(domain::Error::internal_msg("a session changed under its row lock"));
    }
    Ok(plan.results)
}

/// The stored messages whose (session, client_id) one of `batch` repeats.
pub(super) async fn stored_client_ids<'a>(
    conn: impl sqlx::PgExecutor<'_>,
    batch: impl Iterator<Item = &'a NewMessage>,
) -> Result<HashMap<(Uuid, String), Message>> {
    let (sessions, ids): (Vec<Uuid>, Vec<String>) =
        batch.filter_map(|m| m.client_id.clone().map(|c| (m.session_id, c))).unzip();
    let mut existing = HashMap::new();
    if ids.is_empty() {
        return Ok(existing);
    }
    let rows = sqlx::query_as!(
        MessageRow,
        // LATERAL + LIMIT (never flattened into a join): one index probe per client_id,
        // never a hash of the whole messages table.
        "SELECT m.id, m.session_id, m.seq, m.sender, m.author_id, m.author_name, m.kind, m.text, m.client_id, m.created_at
         FROM unnest($1::uuid[], $2::text[]) AS k(session_id, client_id) CROSS JOIN LATERAL (
             SELECT * FROM messages m WHERE m.session_id = k.session_id AND m.client_id = k.client_id LIMIT 1
         ) m",
        &sessions,
        &ids,
    )
    .fetch_all(conn)
    .await
    .map_err(db_err)?;
    for m in convert::<_, Message>(rows)? {
        if let Some(cid) = m.client_id.clone() {
            existing.insert((m.session_id, cid), m);
        }
    }
    Ok(existing)
}

pub async fn page(pool: &PgPool, session_id: Uuid, after_seq: i64, limit: i64) -> Result<(Vec<Message>, bool)> {
    let rows = sqlx::query_as!(
        MessageRow,
        "SELECT id, session_id, seq, sender, author_id, author_name, kind, text, client_id, created_at
         FROM messages WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        session_id,
        after_seq,
        limit + 1,
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    let mut messages: Vec<Message> = convert(rows)?;
    let has_more = messages.len() as i64 > limit;
    messages.truncate(limit as usize);
    Ok((messages, has_more))
}
