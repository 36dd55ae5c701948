//! Managers, their tokens, and visitors.

use domain::{Error, Manager, Result, Visitor};
use sqlx::{SqliteConnection, SqlitePool};
use store::plan::now_micros;
use store::{NewManager, VisitorProfile};
use uuid::Uuid;

use crate::error::{db_err, is_unique_violation};
use crate::rows::{CredentialsRow, ManagerRow, VisitorRow, convert, micros};

/// What emails are unique by: the address regardless of case.
fn email_key(email: &str) -> String {
    email.to_lowercase()
}

pub async fn create_manager(conn: &mut SqliteConnection, new: NewManager) -> Result<Manager> {
    let id = Uuid::now_v7();
    let (key, role, now) = (email_key(&new.email), new.role.as_str(), micros(now_micros()));
    sqlx::query!(
        "INSERT INTO managers (id, site_id, email, email_key, name, role, max_chats, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        id,
        new.site_id,
        new.email,
        key,
        new.name,
        role,
        new.max_chats,
        new.password_hash,
        now,
    )
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "managers.email_key") {
            Error::conflict("a manager with this email already exists")
        } else {
            db_err(e)
        }
    })?;
    manager_in(conn, id).await?.ok_or_else(|| Error::internal_msg("manager vanished inside its transaction"))
}

/// A manager read on the given connection (inside the caller's transaction, if any).
pub async fn manager_in(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Manager>> {
    sqlx::query_as!(
        ManagerRow,
        r#"SELECT id AS "id: Uuid", site_id AS "site_id: Uuid", email, name, role, max_chats AS "max_chats: i32"
           FROM managers WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
    .map_err(db_err)?
    .map(Manager::try_from)
    .transpose()
}

pub async fn managers(pool: &SqlitePool, site_id: Uuid) -> Result<Vec<Manager>> {
    let rows = sqlx::query_as!(
        ManagerRow,
        r#"SELECT id AS "id: Uuid", site_id AS "site_id: Uuid", email, name, role, max_chats AS "max_chats: i32"
           FROM managers WHERE site_id = ?1 ORDER BY name, id"#,
        site_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    convert(rows)
}

pub async fn manager_credentials(pool: &SqlitePool, email: &str) -> Result<Option<(Manager, String)>> {
    let key = email_key(email);
    sqlx::query_as!(
        CredentialsRow,
        r#"SELECT id AS "id: Uuid", site_id AS "site_id: Uuid", email, name, role, max_chats AS "max_chats: i32",
                  password_hash
           FROM managers WHERE email_key = ?1"#,
        key
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?
    .map(CredentialsRow::into_credentials)
    .transpose()
}

pub async fn insert_token(pool: &SqlitePool, token_hash: &[u8], manager_id: Uuid) -> Result<()> {
    let now = micros(now_micros());
    sqlx::query!(
        "INSERT INTO manager_tokens (token_hash, manager_id, created_at) VALUES (?1, ?2, ?3)",
        token_hash,
        manager_id,
        now
    )
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub async fn manager_by_token(pool: &SqlitePool, token_hash: &[u8]) -> Result<Option<Manager>> {
    sqlx::query_as!(
        ManagerRow,
        r#"SELECT m.id AS "id: Uuid", m.site_id AS "site_id: Uuid", m.email, m.name, m.role,
                  m.max_chats AS "max_chats: i32"
           FROM manager_tokens t JOIN managers m ON m.id = t.manager_id WHERE t.token_hash = ?1"#,
        token_hash
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?
    .map(Manager::try_from)
    .transpose()
}

pub async fn delete_token(pool: &SqlitePool, token_hash: &[u8]) -> Result<()> {
    sqlx::query!("DELETE FROM manager_tokens WHERE token_hash = ?1", token_hash).execute(pool).await.map_err(db_err)?;
    Ok(())
}

pub async fn visitor_by_token(pool: &SqlitePool, token_hash: &[u8]) -> Result<Option<Visitor>> {
    let row = sqlx::query_as!(
        VisitorRow,
        r#"SELECT id AS "id: Uuid", site_id AS "site_id: Uuid", name, email FROM visitors WHERE token_hash = ?1"#,
        token_hash
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    Ok(row.map(Visitor::from))
}

pub async fn create_visitor(pool: &SqlitePool, site_id: Uuid, token_hash: &[u8], p: VisitorProfile) -> Result<Visitor> {
    let (id, now) = (Uuid::now_v7(), micros(now_micros()));
    sqlx::query!(
        "INSERT INTO visitors (id, site_id, token_hash, name, email, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        id,
        site_id,
        token_hash,
        p.name,
        p.email,
        now,
    )
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(Visitor { id, site_id, name: p.name, email: p.email })
}

pub async fn update_visitor(pool: &SqlitePool, id: Uuid, p: VisitorProfile) -> Result<Visitor> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
    let n = sqlx::query!(
        "UPDATE visitors SET name = COALESCE(?2, name), email = COALESCE(?3, email) WHERE id = ?1",
        id,
        p.name,
        p.email,
    )
    .execute(&mut *tx)
    .await
    .map_err(db_err)?
    .rows_affected();
    if n == 0 {
        return Err(Error::not_found("visitor"));
    }
    let row = visitor_in(&mut tx, id).await?.ok_or_else(|| Error::not_found("visitor"))?;
    tx.commit().await.map_err(db_err)?;
    Ok(row)
}

pub async fn visitor(pool: &SqlitePool, id: Uuid) -> Result<Option<Visitor>> {
    visitor_in(&mut *pool.acquire().await.map_err(db_err)?, id).await
}

async fn visitor_in(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Visitor>> {
    let row = sqlx::query_as!(
        VisitorRow,
        r#"SELECT id AS "id: Uuid", site_id AS "site_id: Uuid", name, email FROM visitors WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(Visitor::from))
}
