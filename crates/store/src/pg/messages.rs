//! The message log: batched appends with gap-free seq, and paging.

use std::collections::HashMap;

use domain::{Message, Result, SessionStatus};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::db_err;
use crate::plan::{LockedSession, now_micros, plan_batch};
use crate::rows::{MessageRow, convert};
use crate::{Appended, NewMessage};

pub async fn append_batch(pool: &PgPool, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let results = append_in(&mut tx, batch).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(results)
}

/// Appends inside the caller's transaction, in four statements whatever the batch size:
/// lock the sessions, find retried client_ids, then insert rows and bump `last_seq`.
pub async fn append_in(conn: &mut PgConnection, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
    let mut ids: Vec<Uuid> = batch.iter().map(|m| m.session_id).collect();
    ids.sort_unstable();
    ids.dedup();
    // Sorted ids: concurrent batches lock sessions in one order and cannot deadlock.
    let rows = sqlx::query!(
        "SELECT id, site_id, visitor_id, manager_id, status, last_seq FROM sessions
         WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        &ids
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    let mut sessions = HashMap::with_capacity(rows.len());
    for r in rows {
        let status = SessionStatus::parse(&r.status)
            .ok_or_else(|| domain::Error::internal_msg(format!("bad session status {}", r.status)))?;
        sessions.insert(
            r.id,
            LockedSession {
                site_id: r.site_id,
                visitor_id: r.visitor_id,
                manager_id: r.manager_id,
                status,
                last_seq: r.last_seq,
            },
        );
    }

    // Read after the locks: a concurrent insert of the same client_id has committed by now.
    let (retry_sessions, retry_ids): (Vec<Uuid>, Vec<String>) =
        batch.iter().filter_map(|m| m.client_id.clone().map(|c| (m.session_id, c))).unzip();
    let mut existing = HashMap::new();
    if !retry_ids.is_empty() {
        let rows = sqlx::query_as!(
            MessageRow,
            "SELECT m.id, m.session_id, m.seq, m.sender, m.author_id, m.author_name, m.kind, m.text, m.client_id, m.created_at
             FROM messages m JOIN unnest($1::uuid[], $2::text[]) AS k(session_id, client_id)
               ON m.session_id = k.session_id AND m.client_id = k.client_id",
            &retry_sessions,
            &retry_ids,
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
        for m in convert::<_, Message>(rows)? {
            if let Some(cid) = m.client_id.clone() {
                existing.insert((m.session_id, cid), m);
            }
        }
    }

    let plan = plan_batch(batch, &mut sessions, &existing, now_micros());
    if !plan.inserts.is_empty() {
        let ins = &plan.inserts;
        let col = |f: fn(&Message) -> Option<String>| ins.iter().map(f).collect::<Vec<_>>();
        let (up_ids, up_seq, up_preview): (Vec<Uuid>, Vec<i64>, Vec<Option<String>>) =
            plan.updates.iter().cloned().fold((vec![], vec![], vec![]), |mut acc, (id, seq, p)| {
                acc.0.push(id);
                acc.1.push(seq);
                acc.2.push(p);
                acc
            });
        sqlx::query!(
            "WITH ins AS (
                INSERT INTO messages (id, session_id, seq, sender, author_id, author_name, kind, text, client_id, created_at)
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::text[], $5::uuid[], $6::text[],
                                     $7::text[], $8::text[], $9::text[], $10::timestamptz[])
             )
             UPDATE sessions s SET last_seq = u.last_seq, preview = COALESCE(u.preview, s.preview)
             FROM unnest($11::uuid[], $12::int8[], $13::text[]) AS u(id, last_seq, preview)
             WHERE s.id = u.id",
            &ins.iter().map(|m| m.id).collect::<Vec<_>>(),
            &ins.iter().map(|m| m.session_id).collect::<Vec<_>>(),
            &ins.iter().map(|m| m.seq).collect::<Vec<_>>(),
            &ins.iter().map(|m| m.sender.as_str().to_owned()).collect::<Vec<_>>(),
            &ins.iter().map(|m| m.author.as_ref().map(|a| a.id)).collect::<Vec<_>>() as &[Option<Uuid>],
            &col(|m| m.author.as_ref().and_then(|a| a.name.clone())) as &[Option<String>],
            &ins.iter().map(|m| m.kind.clone()).collect::<Vec<_>>(),
            &ins.iter().map(|m| m.text.clone()).collect::<Vec<_>>(),
            &col(|m| m.client_id.clone()) as &[Option<String>],
            &ins.iter().map(|m| m.created_at).collect::<Vec<_>>(),
            &up_ids,
            &up_seq,
            &up_preview as &[Option<String>],
        )
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(plan.results)
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
