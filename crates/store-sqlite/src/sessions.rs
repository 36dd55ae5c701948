//! Sessions and the queue. Every status change runs in one write transaction (the
//! caller's, begun IMMEDIATE on the single writer connection) that also writes its
//! system message, so a client never sees one without the other. With writes
//! serialized, what Postgres needs row locks for (the claim race, `max_chats`) is a
//! read followed by a write here.

use domain::{Error, Manager, Person, QueueEntry, Result, SenderKind, Session, SessionStatus, kind, system_text};
use sqlx::{SqliteConnection, SqlitePool};
use store::plan::now_micros;
use store::{Closer, NewMessage, Note, SessionRecord, Transition, Waiting};
use uuid::Uuid;

use crate::error::db_err;
use crate::messages;
use crate::rows::{SessionRow, convert, micros, time};

pub async fn load(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<SessionRecord>> {
    sqlx::query_as!(
        SessionRow,
        r#"SELECT s.id AS "id: Uuid", s.site_id AS "site_id: Uuid", s.visitor_id AS "visitor_id: Uuid", s.status,
            s.manager_id AS "manager_id?: Uuid", m.name AS "manager_name?: String",
            (SELECT count(*) FROM sessions w
              WHERE s.status = 'waiting' AND w.site_id = s.site_id AND w.status = 'waiting'
                AND (w.requested_at, w.id) <= (s.requested_at, s.id)) AS "queue_position?: i64",
            s.created_at, s.requested_at AS "requested_at?: i64", s.accepted_at AS "accepted_at?: i64",
            s.closed_at AS "closed_at?: i64", s.preview AS "preview?: String"
          FROM sessions s LEFT JOIN managers m ON m.id = s.manager_id WHERE s.id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
    .map_err(db_err)?
    .map(SessionRecord::try_from)
    .transpose()
}

async fn must_load(conn: &mut SqliteConnection, id: Uuid) -> Result<SessionRecord> {
    load(conn, id).await?.ok_or_else(|| Error::internal_msg("session vanished inside its transaction"))
}

async fn open_id(conn: &mut SqliteConnection, visitor_id: Uuid) -> Result<Option<Uuid>> {
    sqlx::query_scalar!(
        r#"SELECT id AS "id: Uuid" FROM sessions WHERE visitor_id = ?1 AND status <> 'closed'"#,
        visitor_id
    )
    .fetch_optional(conn)
    .await
    .map_err(db_err)
}

pub async fn open_of(conn: &mut SqliteConnection, visitor_id: Uuid) -> Result<Option<SessionRecord>> {
    match open_id(conn, visitor_id).await? {
        Some(id) => load(conn, id).await,
        None => Ok(None),
    }
}

/// The visitor's open session, inserted unless there is one (the partial unique
/// index `sessions_one_open` is the rule; the serialized writer means the check
/// and the insert cannot interleave). Returns its id and whether it was created.
async fn insert_open(
    conn: &mut SqliteConnection,
    site_id: Uuid,
    visitor_id: Uuid,
    waiting: bool,
) -> Result<(Uuid, bool)> {
    if let Some(id) = open_id(conn, visitor_id).await? {
        return Ok((id, false));
    }
    let (id, now) = (Uuid::now_v7(), micros(now_micros()));
    let (status, requested_at) = if waiting { ("waiting", Some(now)) } else { ("ai", None) };
    sqlx::query!(
        "INSERT INTO sessions (id, site_id, visitor_id, status, requested_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        id,
        site_id,
        visitor_id,
        status,
        requested_at,
        now,
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok((id, true))
}

pub async fn ensure_open(conn: &mut SqliteConnection, site_id: Uuid, visitor_id: Uuid) -> Result<SessionRecord> {
    let (id, _) = insert_open(conn, site_id, visitor_id, false).await?;
    must_load(conn, id).await
}

pub async fn request_manager(conn: &mut SqliteConnection, site_id: Uuid, visitor_id: Uuid) -> Result<Transition> {
    let (id, created) = insert_open(conn, site_id, visitor_id, true).await?;
    let now = micros(now_micros());
    let moved = !created
        && sqlx::query!(
            "UPDATE sessions SET status = 'waiting', requested_at = ?2 WHERE id = ?1 AND status = 'ai'",
            id,
            now
        )
        .execute(&mut *conn)
        .await
        .map_err(db_err)?
        .rows_affected()
            == 1;
    let changed = created || moved;
    let message = if changed { Some(system_message(conn, id, kind::MANAGER_REQUESTED, None).await?) } else { None };
    let record = must_load(conn, id).await?;
    Ok(Transition { session: record.session, previous_manager: None, changed, message })
}

pub async fn accept(conn: &mut SqliteConnection, session_id: Uuid, manager: &Manager) -> Result<Transition> {
    if !has_room(conn, manager.id).await? {
        return Err(Error::conflict("you already hold your maximum number of chats"));
    }
    if !claim(conn, session_id, manager).await? {
        let exists = sqlx::query_scalar!(
            "SELECT status FROM sessions WHERE id = ?1 AND site_id = ?2",
            session_id,
            manager.site_id
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        return Err(match exists {
            None => Error::not_found("session"),
            Some(_) => Error::conflict("the session is no longer waiting: another manager was faster"),
        });
    }
    finish_claim(conn, session_id, manager).await
}

/// Whether the manager holds fewer active sessions than its `max_chats`.
async fn has_room(conn: &mut SqliteConnection, manager_id: Uuid) -> Result<bool> {
    let row = sqlx::query!(
        r#"SELECT max_chats AS "max_chats: i64",
                  (SELECT count(*) FROM sessions s WHERE s.manager_id = m.id AND s.status = 'active') AS "active!: i64"
           FROM managers m WHERE m.id = ?1"#,
        manager_id
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?
    .ok_or_else(Error::unauthorized)?;
    Ok(row.max_chats.is_none_or(|max| row.active < max))
}

/// The claim: only a session still `waiting` moves, so of two managers racing,
/// exactly one sees a row updated.
async fn claim(conn: &mut SqliteConnection, session_id: Uuid, manager: &Manager) -> Result<bool> {
    let now = micros(now_micros());
    let n = sqlx::query!(
        "UPDATE sessions SET status = 'active', manager_id = ?2, accepted_at = ?4
         WHERE id = ?1 AND site_id = ?3 AND status = 'waiting'",
        session_id,
        manager.id,
        manager.site_id,
        now,
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?
    .rows_affected();
    Ok(n == 1)
}

async fn finish_claim(conn: &mut SqliteConnection, session_id: Uuid, manager: &Manager) -> Result<Transition> {
    let now = micros(now_micros());
    sqlx::query!("UPDATE managers SET last_assigned_at = ?2 WHERE id = ?1", manager.id, now)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let message = system_message(conn, session_id, kind::MANAGER_JOINED, Some(&manager.name)).await?;
    let record = must_load(conn, session_id).await?;
    Ok(Transition { session: record.session, previous_manager: None, changed: true, message: Some(message) })
}

pub async fn close(conn: &mut SqliteConnection, session_id: Uuid, by: Closer) -> Result<Transition> {
    let row = sqlx::query!(
        r#"SELECT status, visitor_id AS "visitor_id: Uuid", manager_id AS "manager_id?: Uuid"
           FROM sessions WHERE id = ?1"#,
        session_id
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?
    .ok_or_else(|| Error::not_found("session"))?;
    if let Closer::Visitor(v) = by
        && v != row.visitor_id
    {
        return Err(Error::not_found("session"));
    }
    if row.status == SessionStatus::Closed.as_str() {
        let record = must_load(conn, session_id).await?;
        return Ok(Transition {
            session: record.session,
            previous_manager: row.manager_id,
            changed: false,
            message: None,
        });
    }
    let now = micros(now_micros());
    sqlx::query!("UPDATE sessions SET status = 'closed', closed_at = ?2 WHERE id = ?1", session_id, now)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let message = system_message(conn, session_id, kind::SESSION_CLOSED, None).await?;
    let record = must_load(conn, session_id).await?;
    let previous_manager = if row.status == SessionStatus::Active.as_str() { row.manager_id } else { None };
    Ok(Transition { session: record.session, previous_manager, changed: true, message: Some(message) })
}

/// Auto routing inside the caller's transaction; `None` leaves nothing written.
pub async fn assign_next(conn: &mut SqliteConnection, site_id: Uuid, online: &[Uuid]) -> Result<Option<Transition>> {
    let Some(session_id) = sqlx::query_scalar!(
        r#"SELECT id AS "id: Uuid" FROM sessions WHERE site_id = ?1 AND status = 'waiting'
           ORDER BY requested_at, id LIMIT 1"#,
        site_id
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?
    else {
        return Ok(None);
    };
    // The routing order of the Postgres store: fewest active sessions, then the
    // longest idle (never assigned first), then id. The online list is short.
    let mut candidates = Vec::with_capacity(online.len());
    for &id in online {
        let row = sqlx::query!(
            r#"SELECT (SELECT count(*) FROM sessions s WHERE s.manager_id = m.id AND s.status = 'active') AS "active!: i64",
                      m.last_assigned_at AS "last_assigned_at?: i64"
               FROM managers m WHERE m.id = ?1 AND m.site_id = ?2"#,
            id,
            site_id
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        if let Some(r) = row {
            candidates.push((r.active, r.last_assigned_at, id));
        }
    }
    candidates.sort_unstable();
    for (_, _, manager_id) in candidates {
        if !has_room(conn, manager_id).await? {
            continue;
        }
        let Some(manager) = crate::people::manager_in(conn, manager_id).await? else {
            continue;
        };
        if claim(conn, session_id, &manager).await? {
            return finish_claim(conn, session_id, &manager).await.map(Some);
        }
        break;
    }
    Ok(None)
}

pub async fn queue(pool: &SqlitePool, site_id: Uuid) -> Result<Vec<Waiting>> {
    let rows = sqlx::query!(
        r#"SELECT s.id AS "id: Uuid", s.visitor_id AS "visitor_id: Uuid", v.name AS "visitor_name?: String",
                  s.requested_at AS "requested_at!: i64", s.preview AS "preview?: String", s.created_at,
                  row_number() OVER (ORDER BY s.requested_at, s.id) AS "position!: i64"
           FROM sessions s JOIN visitors v ON v.id = s.visitor_id
           WHERE s.site_id = ?1 AND s.status = 'waiting'
           ORDER BY s.requested_at, s.id"#,
        site_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.into_iter()
        .map(|r| {
            let requested_at = time(r.requested_at)?;
            Ok(Waiting {
                session: Session {
                    id: r.id,
                    site_id,
                    visitor_id: r.visitor_id,
                    status: SessionStatus::Waiting,
                    manager: None,
                    queue_position: Some(r.position),
                    created_at: time(r.created_at)?,
                    requested_at: Some(requested_at),
                    accepted_at: None,
                    closed_at: None,
                },
                entry: QueueEntry {
                    session_id: r.id,
                    visitor: Person { id: r.visitor_id, name: r.visitor_name },
                    requested_at,
                    position: r.position,
                    preview: r.preview,
                },
            })
        })
        .collect()
}

pub async fn counts(pool: &SqlitePool, site_id: Uuid) -> Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE status = 'waiting') AS "waiting!: i64",
                  count(*) FILTER (WHERE status = 'active') AS "active!: i64"
           FROM sessions WHERE site_id = ?1 AND status IN ('waiting', 'active')"#,
        site_id
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    Ok((r.waiting, r.active))
}

pub async fn of_manager(pool: &SqlitePool, manager_id: Uuid) -> Result<Vec<Session>> {
    let rows = sqlx::query_as!(
        SessionRow,
        r#"SELECT s.id AS "id: Uuid", s.site_id AS "site_id: Uuid", s.visitor_id AS "visitor_id: Uuid", s.status,
                  s.manager_id AS "manager_id?: Uuid", m.name AS "manager_name?: String",
                  NULL AS "queue_position?: i64", s.created_at, s.requested_at AS "requested_at?: i64",
                  s.accepted_at AS "accepted_at?: i64", s.closed_at AS "closed_at?: i64", s.preview AS "preview?: String"
           FROM sessions s JOIN managers m ON m.id = s.manager_id
           WHERE s.manager_id = ?1 AND s.status = 'active' ORDER BY s.accepted_at, s.id"#,
        manager_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    let records: Vec<SessionRecord> = convert(rows)?;
    Ok(records.into_iter().map(|r| r.session).collect())
}

/// Writes a system message inside the caller's transaction, in the site's language.
async fn system_message(
    conn: &mut SqliteConnection,
    session_id: Uuid,
    kind: &str,
    who: Option<&str>,
) -> Result<domain::Message> {
    let locale = sqlx::query_scalar!(
        "SELECT st.locale FROM sessions s JOIN sites st ON st.id = s.site_id WHERE s.id = ?1",
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

pub async fn add_note(pool: &SqlitePool, session_id: Uuid, text: &str) -> Result<Note> {
    let (id, created_at) = (Uuid::now_v7(), now_micros());
    let at = micros(created_at);
    sqlx::query!(
        "INSERT INTO session_notes (id, session_id, text, created_at) VALUES (?1, ?2, ?3, ?4)",
        id,
        session_id,
        text,
        at
    )
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(Note { id, text: text.to_owned(), created_at })
}

pub async fn notes(pool: &SqlitePool, session_id: Uuid) -> Result<Vec<Note>> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id: Uuid", text, created_at FROM session_notes WHERE session_id = ?1 ORDER BY created_at, id"#,
        session_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.into_iter().map(|r| Ok(Note { id: r.id, text: r.text, created_at: time(r.created_at)? })).collect()
}
