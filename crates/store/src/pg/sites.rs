//! Sites (tenants).

use domain::{Error, Result, Site};
use sqlx::PgPool;
use uuid::Uuid;

use super::db_err;
use crate::rows::SiteRow;
use crate::{NewSite, SitePatch};

pub async fn create(pool: &PgPool, new: NewSite) -> Result<Site> {
    let row = sqlx::query_as!(
        SiteRow,
        "INSERT INTO sites (id, name, key, origins, routing, greeting, locale)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, name, key, origins, routing, greeting, locale, created_at",
        Uuid::now_v7(),
        new.name,
        crate::new_site_key(),
        &new.origins,
        new.routing.as_str(),
        new.greeting,
        new.locale,
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    row.try_into()
}

pub async fn by_id(pool: &PgPool, id: Uuid) -> Result<Option<Site>> {
    sqlx::query_as!(
        SiteRow,
        "SELECT id, name, key, origins, routing, greeting, locale, created_at FROM sites WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?
    .map(Site::try_from)
    .transpose()
}

pub async fn by_key(pool: &PgPool, key: &str) -> Result<Option<Site>> {
    let Some(id) =
        sqlx::query_scalar!("SELECT id FROM sites WHERE key = $1", key).fetch_optional(pool).await.map_err(db_err)?
    else {
        return Ok(None);
    };
    by_id(pool, id).await
}

pub async fn update(pool: &PgPool, id: Uuid, patch: SitePatch) -> Result<Site> {
    let (set_greeting, greeting) = match patch.greeting {
        Some(g) => (true, g),
        None => (false, None),
    };
    let updated = sqlx::query_scalar!(
        "UPDATE sites SET
            name = COALESCE($2, name),
            origins = COALESCE($3, origins),
            routing = COALESCE($4, routing),
            greeting = CASE WHEN $5 THEN $6 ELSE greeting END,
            locale = COALESCE($7, locale)
         WHERE id = $1 RETURNING id",
        id,
        patch.name,
        patch.origins.as_deref(),
        patch.routing.map(|r| r.as_str()),
        set_greeting,
        greeting,
        patch.locale,
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    match updated {
        Some(id) => by_id(pool, id).await?.ok_or_else(|| Error::not_found("site")),
        None => Err(Error::not_found("site")),
    }
}

pub async fn origin_known(pool: &PgPool, origin: &str) -> Result<bool> {
    let origin = origin.trim_end_matches('/').to_lowercase();
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM sites, unnest(origins) o WHERE o = '*' OR lower(rtrim(o, '/')) = $1) AS "known!""#,
        origin
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)
}
