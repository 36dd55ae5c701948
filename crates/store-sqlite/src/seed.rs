//! The demo data of an embedded node's first start, and how the node finds it later.

use domain::{Error, Manager, Result, Role, Site};
use store::{NewManager, NewSite};
use uuid::Uuid;

use crate::error::db_err;
use crate::{SqliteStore, assistant, people, sites};

/// `node_meta` key of the seeded demo site's id.
const DEMO_SITE: &str = "demo_site_id";

/// What the first start creates: a site with its FAQ and an admin.
pub struct DemoSeed {
    pub site: NewSite,
    /// (question variants, answer) pairs.
    pub faq: Vec<(Vec<String>, String)>,
    pub admin_email: String,
    pub admin_name: String,
    pub admin_password_hash: String,
}

impl SqliteStore {
    /// The demo site seeded on the first start; None before it (or if it was deleted).
    pub async fn demo_site(&self) -> Result<Option<Site>> {
        let mut conn = self.read.acquire().await.map_err(db_err)?;
        let id = sqlx::query_scalar!("SELECT value FROM node_meta WHERE key = ?1", DEMO_SITE)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
        match id {
            Some(id) => {
                let id = Uuid::parse_str(&id).map_err(|_| crate::rows::bad("node_meta", &id))?;
                sites::by_id(&mut conn, id).await
            }
            None => Ok(None),
        }
    }

    /// Creates the demo site, its FAQ and its admin in one transaction and remembers
    /// the site: a start that dies half-way leaves nothing, and the next one seeds.
    pub async fn seed_demo(&self, seed: DemoSeed) -> Result<(Site, Manager)> {
        let mut tx = self.begin().await?;
        let site = sites::create(&mut tx, seed.site).await?;
        for (questions, answer) in &seed.faq {
            assistant::add(&mut tx, site.id, questions, answer).await?;
        }
        let admin = people::create_manager(
            &mut tx,
            NewManager {
                site_id: site.id,
                email: seed.admin_email,
                name: seed.admin_name,
                role: Role::Admin,
                max_chats: None,
                password_hash: seed.admin_password_hash,
            },
        )
        .await?;
        let id = site.id.to_string();
        let n = sqlx::query!(
            "INSERT INTO node_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            DEMO_SITE,
            id
        )
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if n == 0 {
            return Err(Error::conflict("the demo site was already seeded"));
        }
        tx.commit().await.map_err(db_err)?;
        Ok((site, admin))
    }
}
