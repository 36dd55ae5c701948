//! Call records (the live call state is in the coordinator).

use domain::{Call, CallState, Result};
use sqlx::PgPool;
use uuid::Uuid;

use super::db_err;

pub async fn create(pool: &PgPool, c: &Call) -> Result<()> {
    let media = serde_json::to_value(c.media).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    sqlx::query!(
        "INSERT INTO calls (id, session_id, media, caller, state, created_at) VALUES ($1, $2, $3, $4, 'ringing', $5)",
        c.id,
        c.session_id,
        media,
        c.from.as_str(),
        c.created_at,
    )
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub async fn update(pool: &PgPool, id: Uuid, state: CallState, end_reason: Option<&str>) -> Result<()> {
    let answered = state == CallState::Active;
    let ended = state == CallState::Ended;
    sqlx::query!(
        "UPDATE calls SET
            state = CASE WHEN $2 THEN 'ended' WHEN $3 THEN 'active' ELSE state END,
            answered_at = CASE WHEN $3 THEN now() ELSE answered_at END,
            ended_at = CASE WHEN $2 THEN now() ELSE ended_at END,
            end_reason = COALESCE($4, end_reason)
         WHERE id = $1",
        id,
        ended,
        answered,
        end_reason,
    )
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}
