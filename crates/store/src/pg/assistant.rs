//! FAQ entries and assistant settings of a site.

use domain::{Error, Result};
use sqlx::PgPool;
use uuid::Uuid;

use super::db_err;
use crate::FaqRecord;

pub async fn entries(pool: &PgPool, site_id: Uuid) -> Result<Vec<FaqRecord>> {
    sqlx::query_as!(
        FaqRecord,
        "SELECT id, questions, answer FROM faq_entries WHERE site_id = $1 ORDER BY created_at, id",
        site_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)
}

pub async fn add(pool: &PgPool, site_id: Uuid, questions: &[String], answer: &str) -> Result<FaqRecord> {
    sqlx::query_as!(
        FaqRecord,
        "INSERT INTO faq_entries (id, site_id, questions, answer) VALUES ($1, $2, $3, $4) RETURNING id, questions, answer",
        Uuid::now_v7(),
        site_id,
        questions,
        answer
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)
}

pub async fn delete(pool: &PgPool, site_id: Uuid, id: Uuid) -> Result<bool> {
    let n = sqlx::query!("DELETE FROM faq_entries WHERE id = $1 AND site_id = $2", id, site_id)
        .execute(pool)
        .await
        .map_err(db_err)?
        .rows_affected();
    Ok(n == 1)
}

pub async fn settings(pool: &PgPool, site_id: Uuid) -> Result<serde_json::Value> {
    sqlx::query_scalar!("SELECT assistant FROM sites WHERE id = $1", site_id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::not_found("site"))
}

pub async fn set_settings(pool: &PgPool, site_id: Uuid, settings: &serde_json::Value) -> Result<()> {
    sqlx::query!("UPDATE sites SET assistant = $2 WHERE id = $1", site_id, settings)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}
