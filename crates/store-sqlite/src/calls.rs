//! Call records (the live call state is in the coordinator).

use domain::{Call, CallState, Result};
use sqlx::SqlitePool;
use store::plan::now_micros;
use uuid::Uuid;

use crate::error::db_err;
use crate::rows::micros;

pub async fn create(pool: &SqlitePool, c: &Call) -> Result<()> {
    let media = serde_json::to_value(c.media).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let (caller, at) = (c.from.as_str(), micros(c.created_at));
    sqlx::query!(
        "INSERT INTO calls (id, session_id, media, caller, state, created_at) VALUES (?1, ?2, ?3, ?4, 'ringing', ?5)",
        c.id,
        c.session_id,
        media,
        caller,
        at,
    )
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub async fn update(pool: &SqlitePool, id: Uuid, state: CallState, end_reason: Option<&str>) -> Result<()> {
    let (answered, ended, now) = (state == CallState::Active, state == CallState::Ended, micros(now_micros()));
    sqlx::query!(
        "UPDATE calls SET
            state = CASE WHEN ?2 THEN 'ended' WHEN ?3 THEN 'active' ELSE state END,
            answered_at = CASE WHEN ?3 THEN ?5 ELSE answered_at END,
            ended_at = CASE WHEN ?2 THEN ?5 ELSE ended_at END,
            end_reason = COALESCE(?4, end_reason)
         WHERE id = ?1",
        id,
        ended,
        answered,
        end_reason,
        now,
    )
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}
