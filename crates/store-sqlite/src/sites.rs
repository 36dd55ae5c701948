//! Sites (tenants).

use domain::{Error, Result, Site};
use sqlx::{SqliteConnection, SqlitePool};
use store::plan::now_micros;
use store::{NewSite, SitePatch};
use uuid::Uuid;

use crate::error::db_err;
use crate::rows::{SiteRow, micros, to_json_list};

pub async fn create(conn: &mut SqliteConnection, new: NewSite) -> Result<Site> {
    let id = Uuid::now_v7();
    let (key, origins, routing, now) =
        (store::new_site_key(), to_json_list(&new.origins), new.routing.as_str(), micros(now_micros()));
    sqlx::query!(
        "INSERT INTO sites (id, name, key, origins, routing, greeting, locale, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        id,
        new.name,
        key,
        origins,
        routing,
        new.greeting,
        new.locale,
        now,
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    by_id(conn, id).await?.ok_or_else(|| Error::internal_msg("site vanished inside its transaction"))
}

pub async fn by_id(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Site>> {
    sqlx::query_as!(
        SiteRow,
        r#"SELECT id AS "id: Uuid", name, key, origins, routing, greeting, locale, created_at
           FROM sites WHERE id = ?1"#,
        id
    )
    .fetch_optional(conn)
    .await
    .map_err(db_err)?
    .map(Site::try_from)
    .transpose()
}

pub async fn by_key(pool: &SqlitePool, key: &str) -> Result<Option<Site>> {
    sqlx::query_as!(
        SiteRow,
        r#"SELECT id AS "id: Uuid", name, key, origins, routing, greeting, locale, created_at
           FROM sites WHERE key = ?1"#,
        key
    )
    .fetch_optional(pool)
    .await
    .map_err(db_err)?
    .map(Site::try_from)
    .transpose()
}

pub async fn update(conn: &mut SqliteConnection, id: Uuid, patch: SitePatch) -> Result<Site> {
    let (set_greeting, greeting) = match patch.greeting {
        Some(g) => (true, g),
        None => (false, None),
    };
    let origins = patch.origins.as_deref().map(to_json_list);
    let routing = patch.routing.map(|r| r.as_str());
    let n = sqlx::query!(
        "UPDATE sites SET
            name = COALESCE(?2, name),
            origins = COALESCE(?3, origins),
            routing = COALESCE(?4, routing),
            greeting = CASE WHEN ?5 THEN ?6 ELSE greeting END,
            locale = COALESCE(?7, locale)
         WHERE id = ?1",
        id,
        patch.name,
        origins,
        routing,
        set_greeting,
        greeting,
        patch.locale,
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?
    .rows_affected();
    if n == 0 {
        return Err(Error::not_found("site"));
    }
    by_id(conn, id).await?.ok_or_else(|| Error::not_found("site"))
}

pub async fn origin_known(pool: &SqlitePool, origin: &str) -> Result<bool> {
    let origin = origin.trim_end_matches('/').to_lowercase();
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM sites, json_each(sites.origins) o
                          WHERE o.value = '*' OR lower(rtrim(o.value, '/')) = ?1) AS "known!: bool""#,
        origin
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)
}
