//! FAQ entries and assistant settings of a site.

use domain::{Error, Result};
use sqlx::{SqliteConnection, SqlitePool};
use store::FaqRecord;
use store::plan::now_micros;
use uuid::Uuid;

use crate::error::db_err;
use crate::rows::{bad, from_json_list, micros, to_json_list};

pub async fn entries(pool: &SqlitePool, site_id: Uuid) -> Result<Vec<FaqRecord>> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id: Uuid", questions, answer FROM faq_entries WHERE site_id = ?1 ORDER BY created_at, id"#,
        site_id
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.into_iter()
        .map(|r| Ok(FaqRecord { id: r.id, questions: from_json_list("questions", &r.questions)?, answer: r.answer }))
        .collect()
}

pub async fn add(conn: &mut SqliteConnection, site_id: Uuid, questions: &[String], answer: &str) -> Result<FaqRecord> {
    let (id, list, now) = (Uuid::now_v7(), to_json_list(questions), micros(now_micros()));
    sqlx::query!(
        "INSERT INTO faq_entries (id, site_id, questions, answer, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        id,
        site_id,
        list,
        answer,
        now
    )
    .execute(conn)
    .await
    .map_err(db_err)?;
    Ok(FaqRecord { id, questions: questions.to_vec(), answer: answer.to_owned() })
}

pub async fn delete(pool: &SqlitePool, site_id: Uuid, id: Uuid) -> Result<bool> {
    let n = sqlx::query!("DELETE FROM faq_entries WHERE id = ?1 AND site_id = ?2", id, site_id)
        .execute(pool)
        .await
        .map_err(db_err)?
        .rows_affected();
    Ok(n == 1)
}

pub async fn settings(pool: &SqlitePool, site_id: Uuid) -> Result<serde_json::Value> {
    let text = sqlx::query_scalar!("SELECT assistant FROM sites WHERE id = ?1", site_id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::not_found("site"))?;
    serde_json::from_str(&text).map_err(|_| bad("assistant", &text))
}

pub async fn set_settings(pool: &SqlitePool, site_id: Uuid, settings: &serde_json::Value) -> Result<()> {
    let text = settings.to_string();
    sqlx::query!("UPDATE sites SET assistant = ?2 WHERE id = ?1", site_id, text).execute(pool).await.map_err(db_err)?;
    Ok(())
}
