//! Sessions and the queue. Every status change is one transaction that also
//! writes its system message, so a client never sees one without the other.

use domain::{Error, Manager, Person, QueueEntry, Result, SenderKind, Session, SessionStatus, kind, system_text};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{db_err, messages};
use crate::rows::{SessionRow, convert};
use crate::{Closer, NewMessage, Note, SessionRecord, Transition, Waiting};

pub async fn load(pool: &PgPool, id: Uuid) -> Result<Option<SessionRecord>> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    load_in(&mut conn, id).await
}

async fn load_in(conn: &mut PgConnection, id: Uuid) -> Result<Option<SessionRecord>> {
    sqlx::query_as!(
        SessionRow,
        r#"SELECT s.id, s.site_id, s.visitor_id, s.status, s.manager_id, m.name AS "manager_name?",
            (SELECT count(*) FROM sessions w
              WHERE s.status = 'waiting' AND w.site_id = s.site_id AND w.status = 'waiting'
                AND (w.requested_at, w.id) <= (s.requested_at, s.id)) AS "queue_position?",
            s.created_at, s.requested_at, s.accepted_at, s.closed_at, s.preview
          FROM sessions s LEFT JOIN managers m ON m.id = s.manager_id WHERE s.id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
    .map_err(db_err)?
    .map(SessionRecord::try_from)
    .transpose()
}

async fn must_load(conn: &mut PgConnection, id: Uuid) -> Result<SessionRecord> {
    load_in(conn, id).await?.ok_or_else(|| Error::internal_msg("session vanished inside its transaction"))
}

pub async fn open_of(pool: &PgPool, visitor_id: Uuid) -> Result<Option<SessionRecord>> {
    let id = sqlx::query_scalar!("SELECT id FROM sessions WHERE visitor_id = $1 AND status <> 'closed'", visitor_id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    match id {
        Some(id) => load(pool, id).await,
        None => Ok(None),
    }
}

/// Inserts an open session unless the visitor has one (the partial unique index
/// `sessions_one_open` decides races between nodes). Returns the open session's id.
async fn insert_open(conn: &mut PgConnection, site_id: Uuid, visitor_id: Uuid, waiting: bool) -> Result<(Uuid, bool)> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO sessions (id, site_id, visitor_id, status, requested_at)
         VALUES ($1, $2, $3, CASE WHEN $4 THEN 'waiting' ELSE 'ai' END, CASE WHEN $4 THEN now() END)
         ON CONFLICT (visitor_id) WHERE status <> 'closed' DO NOTHING RETURNING id",
        Uuid::now_v7(),
        site_id,
        visitor_id,
        waiting,
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar!("SELECT id FROM sessions WHERE visitor_id = $1 AND status <> 'closed'", visitor_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok((id, false))
}

pub async fn ensure_open(pool: &PgPool, site_id: Uuid, visitor_id: Uuid) -> Result<SessionRecord> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    let (id, _) = insert_open(&mut conn, site_id, visitor_id, false).await?;
    must_load(&mut conn, id).await
}

pub async fn request_manager(pool: &PgPool, site_id: Uuid, visitor_id: Uuid) -> Result<Transition> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let (id, created) = insert_open(&mut tx, site_id, visitor_id, true).await?;
    let moved = !created
        && sqlx::query!(
            "UPDATE sessions SET status = 'waiting', requested_at = now() WHERE id = $1 AND status = 'ai'",
            id
        )
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected()
            == 1;
    let changed = created || moved;
    let message = if changed { Some(system_message(&mut tx, id, kind::MANAGER_REQUESTED, None).await?) } else { None };
    let record = must_load(&mut tx, id).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(Transition { session: record.session, previous_manager: None, changed, message })
}

pub async fn accept(pool: &PgPool, session_id: Uuid, manager: &Manager) -> Result<Transition> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    // The manager's row lock serializes its concurrent accepts, so max_chats holds.
    lock_manager_with_room(&mut tx, manager.id)
        .await?
        .ok_or_else(|| Error::conflict("you already hold your maximum number of chats"))?;
    let claimed = claim(&mut tx, session_id, manager).await?;
    if !claimed {
        let exists = sqlx::query_scalar!(
            "SELECT status FROM sessions WHERE id = $1 AND site_id = $2",
            session_id,
            manager.site_id
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        return Err(match exists {
            None => Error::not_found("session"),
            Some(_) => Error::conflict("the session is no longer waiting: another manager was faster"),
        });
    }
    let transition = finish_claim(&mut tx, session_id, manager).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(transition)
}

/// Some(()) if the manager may take one more session. A manager with a `max_chats`
/// has its row locked (so its concurrent accepts are counted one at a time); one
/// without is not locked at all: under a burst, 50 managers' accepts would otherwise
/// queue on their rows and hold pooled connections the requests need.
async fn lock_manager_with_room(conn: &mut PgConnection, manager_id: Uuid) -> Result<Option<()>> {
    let max = sqlx::query_scalar!("SELECT max_chats FROM managers WHERE id = $1", manager_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or_else(Error::unauthorized)?;
    if max.is_none() {
        return Ok(Some(()));
    }
    // Read again under the lock: the limit may have changed meanwhile.
    let max = sqlx::query_scalar!("SELECT max_chats FROM managers WHERE id = $1 FOR UPDATE", manager_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or_else(Error::unauthorized)?;
    let Some(max) = max else { return Ok(Some(())) };
    let active = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM sessions WHERE manager_id = $1 AND status = 'active'"#,
        manager_id
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok((active < i64::from(max)).then_some(()))
}

/// The atomic claim: only a session still `waiting` moves, so of two managers
/// racing on any nodes exactly one sees a row updated.
async fn claim(conn: &mut PgConnection, session_id: Uuid, manager: &Manager) -> Result<bool> {
    let n = sqlx::query!(
        "UPDATE sessions SET status = 'active', manager_id = $2, accepted_at = now()
         WHERE id = $1 AND site_id = $3 AND status = 'waiting'",
        session_id,
        manager.id,
        manager.site_id,
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?
    .rows_affected();
    Ok(n == 1)
}

async fn finish_claim(conn: &mut PgConnection, session_id: Uuid, manager: &Manager) -> Result<Transition> {
    let message = system_message(conn, session_id, kind::MANAGER_JOINED, Some(&manager.name)).await?;
    let record = must_load(conn, session_id).await?;
    // Last, just before the commit: this locks the manager's row, and the shorter it is
    // held the less the manager's other accepts wait.
    sqlx::query!("UPDATE managers SET last_assigned_at = clock_timestamp() WHERE id = $1", manager.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(Transition { session: record.session, previous_manager: None, changed: true, message: Some(message) })
}

pub async fn close(pool: &PgPool, session_id: Uuid, by: Closer) -> Result<Transition> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let row = sqlx::query!("SELECT status, visitor_id, manager_id FROM sessions WHERE id = $1 FOR UPDATE", session_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::not_found("session"))?;
    if let Closer::Visitor(v) = by
        && v != row.visitor_id
    {
        return Err(Error::not_found("session"));
    }
    if row.status == SessionStatus::Closed.as_str() {
        let record = must_load(&mut tx, session_id).await?;
        return Ok(Transition {
            session: record.session,
            previous_manager: row.manager_id,
            changed: false,
            message: None,
        });
    }
    sqlx::query!("UPDATE sessions SET status = 'closed', closed_at = now() WHERE id = $1", session_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    let message = system_message(&mut tx, session_id, kind::SESSION_CLOSED, None).await?;
    let record = must_load(&mut tx, session_id).await?;
    tx.commit().await.map_err(db_err)?;
    let previous_manager = if row.status == "active" { row.manager_id } else { None };
    Ok(Transition { session: record.session, previous_manager, changed: true, message: Some(message) })
}

pub async fn assign_next(pool: &PgPool, site_id: Uuid, online: &[Uuid]) -> Result<Option<Transition>> {
    if online.is_empty() {
        return Ok(None);
    }
    let mut tx = pool.begin().await.map_err(db_err)?;
    // Candidates in routing order; SKIP LOCKED lets concurrent routers pick others.
    let candidates = sqlx::query_scalar!(
        r#"SELECT m.id FROM managers m
           WHERE m.site_id = $1 AND m.id = ANY($2)
           ORDER BY (SELECT count(*) FROM sessions s WHERE s.manager_id = m.id AND s.status = 'active'),
                    m.last_assigned_at NULLS FIRST, m.id"#,
        site_id,
        online,
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    let Some(session_id) = sqlx::query_scalar!(
        "SELECT id FROM sessions WHERE site_id = $1 AND status = 'waiting'
         ORDER BY requested_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
        site_id
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?
    else {
        return Ok(None);
    };
    for manager_id in candidates {
        // Re-checked under the manager's lock: the count above may be stale.
        if lock_manager_with_room(&mut tx, manager_id).await?.is_none() {
            continue;
        }
        let Some(manager) = super::people::manager_in(&mut tx, manager_id).await? else { continue };
        if claim(&mut tx, session_id, &manager).await? {
            let transition = finish_claim(&mut tx, session_id, &manager).await?;
            tx.commit().await.map_err(db_err)?;
            return Ok(Some(transition));
        }
        break;
    }
    Ok(None)
}

pub async fn queue(pool: &PgPool, site_id: Uuid) -> Result<Vec<Waiting>> {
    let rows = sqlx::query!(
        r#"SELECT s.id, s.visitor_id, v.name AS "visitor_name?", s.requested_at AS "requested_at!", s.preview, s.created_at,
                  row_number() OVER (ORDER BY s.requested_at, s.id) AS "position!"
           FROM sessions s JOIN visitors v ON v.id = s.visitor_id
           WHERE s.site_id = $1 AND s.status = 'waiting'
           ORDER BY s.requested_at, s.id"#,
        site_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    Ok(rows
        .into_iter()
        .map(|r| Waiting {
            session: Session {
                id: r.id,
                site_id,
                visitor_id: r.visitor_id,
                status: SessionStatus::Waiting,
                manager: None,
                queue_position: Some(r.position),
                created_at: r.created_at,
                requested_at: Some(r.requested_at),
                accepted_at: None,
                closed_at: None,
            },
            entry: QueueEntry {
                session_id: r.id,
                visitor: Person { id: r.visitor_id, name: r.visitor_name },
                requested_at: r.requested_at,
                position: r.position,
                preview: r.preview,
            },
        })
        .collect())
}

pub async fn counts(pool: &PgPool, site_id: Uuid) -> Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE status = 'waiting') AS "waiting!",
                  count(*) FILTER (WHERE status = 'active') AS "active!"
           FROM sessions WHERE site_id = $1 AND status IN ('waiting', 'active')"#,
        site_id
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    Ok((r.waiting, r.active))
}

pub async fn of_manager(pool: &PgPool, manager_id: Uuid) -> Result<Vec<Session>> {
    let rows = sqlx::query_as!(
        SessionRow,
        r#"SELECT s.id, s.site_id, s.visitor_id, s.status, s.manager_id, m.name AS "manager_name?",
                  NULL::int8 AS "queue_position?", s.created_at, s.requested_at, s.accepted_at, s.closed_at, s.preview
           FROM sessions s JOIN managers m ON m.id = s.manager_id
           WHERE s.manager_id = $1 AND s.status = 'active' ORDER BY s.accepted_at, s.id"#,
        manager_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    let records: Vec<SessionRecord> = convert(rows)?;
    Ok(records.into_iter().map(|r| r.session).collect())
}

/// Writes a system message inside the caller's transaction (the session row is
/// already locked or freshly written by it).
async fn system_message(
    conn: &mut PgConnection,
    session_id: Uuid,
    kind: &str,
    who: Option<&str>,
) -> Result<domain::Message> {
    let locale = sqlx::query_scalar!(
        "SELECT st.locale FROM sessions s JOIN sites st ON st.id = s.site_id WHERE s.id = $1",
        session_id
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    let new = NewMessage {
        session_id,
        sender: SenderKind::System,
        author: None,
        kind: kind.to_owned(),
        text: system_text(kind, &locale, who),
        client_id: None,
    };
    let mut results = messages::append_in(conn, std::slice::from_ref(&new)).await?;
    results.pop().ok_or_else(|| Error::internal_msg("empty append result"))?.map(|a| a.message)
}

pub async fn add_note(pool: &PgPool, session_id: Uuid, text: &str) -> Result<Note> {
    sqlx::query_as!(
        Note,
        "INSERT INTO session_notes (id, session_id, text) VALUES ($1, $2, $3) RETURNING id, text, created_at",
        Uuid::now_v7(),
        session_id,
        text
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)
}

pub async fn notes(pool: &PgPool, session_id: Uuid) -> Result<Vec<Note>> {
    sqlx::query_as!(
        Note,
        "SELECT id, text, created_at FROM session_notes WHERE session_id = $1 ORDER BY created_at",
        session_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)
}
