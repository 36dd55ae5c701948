//! Managers, their tokens, and visitors.

use domain::{Error, Manager, Result, Visitor};
use sqlx::PgPool;
use uuid::Uuid;

use super::{db_err, is_unique_violation};
use crate::rows::{CredentialsRow, ManagerRow, VisitorRow, convert};
use crate::{NewManager, VisitorProfile};

pub async fn create_manager(pool: &PgPool, new: NewManager) -> Result<Manager> {
    let row = sqlx::query_as!(
        ManagerRow,
        "INSERT INTO managers (id, site_id, email, name, role, max_chats, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, site_id, email, name, role, max_chats",
        Uuid::now_v7(),
        new.site_id,
        new.email,
        new.name,
        new.role.as_str(),
        new.max_chats,
        new.password_hash,
    )
    .fetch_one(pool)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "managers_email_lower") {
            Error::conflict("a manager with this email already exists")
        } else {
            db_err(e)
        }
    })?;
    row.try_into()
}

pub async fn manager(pool: &PgPool, id: Uuid) -> Result<Option<Manager>> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    manager_in(&mut conn, id).await
}

pub async fn managers(pool: &PgPool, site_id: Uuid) -> Result<Vec<Manager>> {
    let rows = sqlx::query_as!(
        ManagerRow,
        "SELECT id, site_id, email, name, role, max_chats FROM managers WHERE site_id = $1 ORDER BY name, id",
        site_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    convert(rows)
}

pub async fn manager_credentials(pool: &PgPool, email: &str) -> Result<Option<(Manager, String)>> {
    sqlx::query_as!(
        CredentialsRow,
        "SELECT id, site_id, email, name, role, max_chats, password_hash FROM managers WHERE lower(email) = lower($1)",
        email
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?
    .map(CredentialsRow::into_credentials)
    .transpose()
}

pub async fn insert_token(pool: &PgPool, token_hash: &[u8], manager_id: Uuid) -> Result<()> {
    sqlx::query!("INSERT INTO manager_tokens (token_hash, manager_id) VALUES ($1, $2)", token_hash, manager_id)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn manager_by_token(pool: &PgPool, token_hash: &[u8]) -> Result<Option<Manager>> {
    sqlx::query_as!(
        ManagerRow,
        "SELECT m.id, m.site_id, m.email, m.name, m.role, m.max_chats
         FROM manager_tokens t JOIN managers m ON m.id = t.manager_id WHERE t.token_hash = $1",
        token_hash
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?
    .map(Manager::try_from)
    .transpose()
}

pub async fn delete_token(pool: &PgPool, token_hash: &[u8]) -> Result<()> {
    sqlx::query!("DELETE FROM manager_tokens WHERE token_hash = $1", token_hash).execute(pool).await.map_err(db_err)?;
    Ok(())
}

pub async fn visitor_by_token(pool: &PgPool, token_hash: &[u8]) -> Result<Option<Visitor>> {
    let row =
        sqlx::query_as!(VisitorRow, "SELECT id, site_id, name, email FROM visitors WHERE token_hash = $1", token_hash)
            .fetch_optional(pool)
            .await
            .map_err(db_err)?;
    Ok(row.map(Visitor::from))
}

pub async fn create_visitor(pool: &PgPool, site_id: Uuid, token_hash: &[u8], p: VisitorProfile) -> Result<Visitor> {
    let row = sqlx::query_as!(
        VisitorRow,
        "INSERT INTO visitors (id, site_id, token_hash, name, email) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, site_id, name, email",
        Uuid::now_v7(),
        site_id,
        token_hash,
        p.name,
        p.email,
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    Ok(row.into())
}

pub async fn update_visitor(pool: &PgPool, id: Uuid, p: VisitorProfile) -> Result<Visitor> {
    let row = sqlx::query_as!(
        VisitorRow,
        "UPDATE visitors SET name = COALESCE($2, name), email = COALESCE($3, email) WHERE id = $1
         RETURNING id, site_id, name, email",
        id,
        p.name,
        p.email,
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.map(Visitor::from).ok_or_else(|| Error::not_found("visitor"))
}

pub async fn visitor(pool: &PgPool, id: Uuid) -> Result<Option<Visitor>> {
    let row = sqlx::query_as!(VisitorRow, "SELECT id, site_id, name, email FROM visitors WHERE id = $1", id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    Ok(row.map(Visitor::from))
}

/// A manager read inside the caller's transaction.
pub async fn manager_in(conn: &mut sqlx::PgConnection, id: Uuid) -> Result<Option<Manager>> {
    sqlx::query_as!(ManagerRow, "SELECT id, site_id, email, name, role, max_chats FROM managers WHERE id = $1", id)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .map(Manager::try_from)
        .transpose()
}
