//! Per-test Postgres database and Redis key prefix.

use std::sync::OnceLock;

use uuid::Uuid;

pub struct TestEnv {
    /// The test's own database.
    pub database_url: String,
    pub redis_url: String,
    /// The test's own Redis key prefix.
    pub prefix: String,
    admin_url: String,
    db_name: String,
}

struct Servers {
    pg_admin: String,
    redis: String,
}

/// testcontainers handles must outlive every test of the process.
static SERVERS: OnceLock<Servers> = OnceLock::new();

async fn reachable(url: &str) -> bool {
    match url.split_once("://").and_then(|(_, rest)| rest.rsplit_once('@').map(|(_, h)| h).or(Some(rest))) {
        Some(hostpart) => {
            let host = hostpart.split('/').next().unwrap_or(hostpart);
            tokio::time::timeout(std::time::Duration::from_secs(2), tokio::net::TcpStream::connect(host))
                .await
                .is_ok_and(|r| r.is_ok())
        }
        None => false,
    }
}

async fn servers() -> &'static Servers {
    if let Some(s) = SERVERS.get() {
        return s;
    }
    let pg =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let redis = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let servers = if reachable(&pg).await && reachable(&redis).await {
        Servers { pg_admin: pg, redis }
    } else {
        containers().await
    };
    let _ = SERVERS.set(servers);
    SERVERS.get().expect("just set")
}

/// Postgres 16 and Redis 7 in containers, for machines with Docker and no services.
async fn containers() -> Servers {
    use testcontainers_modules::testcontainers::ImageExt;
    use testcontainers_modules::testcontainers::runners::AsyncRunner;
    use testcontainers_modules::{postgres::Postgres, redis::Redis};
    let hint = "no Postgres/Redis: set TEST_DATABASE_URL and TEST_REDIS_URL, start the local services \
                (see README), or run a Docker engine for testcontainers";
    let pg = Postgres::default().with_tag("16-alpine").start().await.unwrap_or_else(|e| panic!("{hint}: {e}"));
    let redis = Redis::default().with_tag("7-alpine").start().await.unwrap_or_else(|e| panic!("{hint}: {e}"));
    let pg_port = pg.get_host_port_ipv4(5432).await.expect("postgres port");
    let redis_port = redis.get_host_port_ipv4(6379).await.expect("redis port");
    // Keep the containers for the whole test process.
    Box::leak(Box::new((pg, redis)));
    Servers {
        pg_admin: format!("postgres://postgres:postgres@127.0.0.1:{pg_port}/postgres"),
        redis: format!("redis://127.0.0.1:{redis_port}"),
    }
}

/// A fresh database and key prefix, dropped when the env is dropped.
pub async fn test_env() -> TestEnv {
    let s = servers().await;
    let id = Uuid::new_v4().simple().to_string();
    let db_name = format!("sb_test_{id}");
    let mut conn = connect_admin(&s.pg_admin).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = s.pg_admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&s.pg_admin);
    TestEnv {
        database_url: format!("{base}/{db_name}"),
        redis_url: s.redis.clone(),
        prefix: format!("t{}:", &id[..12]),
        admin_url: s.pg_admin.clone(),
        db_name,
    }
}

async fn connect_admin(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url).await.unwrap_or_else(|e| panic!("cannot reach Postgres at {url}: {e}"))
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let (admin, db, redis, prefix) =
            (self.admin_url.clone(), self.db_name.clone(), self.redis_url.clone(), self.prefix.clone());
        // Dropped inside a runtime: clean up on a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let mut conn = connect_admin(&admin).await;
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await;
                drop_prefix(&redis, &prefix).await;
            });
        })
        .join();
    }
}

async fn drop_prefix(url: &str, prefix: &str) {
    use fred::prelude::*;
    let Ok(config) = Config::from_url(url) else { return };
    let Ok(client) = Builder::from_config(config).build() else { return };
    if client.init().await.is_err() {
        return;
    }
    let script = "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1";
    let _: Result<i64, _> = client.eval(script, Vec::<String>::new(), vec![format!("{prefix}*")]).await;
    let _ = client.quit().await;
}
