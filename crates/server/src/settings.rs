//! Typed settings: defaults → optional TOML file → `SWITCHBOARD__SECTION__KEY`
//! environment variables, plus the contract's `SWITCHBOARD_LISTEN`, `DATABASE_URL`
//! and `REDIS_URL`. Validated once at start-up with messages a person understands.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub embedded: EmbeddedSettings,
    pub auth: AuthSettings,
    pub ice: IceSettings,
    pub chat: ChatSettings,
    pub calls: CallSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub listen: String,
    /// Request bodies above this are `too_large`.
    pub body_limit: usize,
    /// Upper bound of a drain after SIGTERM.
    pub drain_timeout_secs: u64,
    /// After SIGTERM, how long the node still answers (readiness 503, new sockets
    /// refused) before it stops accepting connections.
    pub drain_grace_ms: u64,
    /// Directory holding static/dist, static/demo and admin/dist.
    pub assets_dir: PathBuf,
    pub request_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: Option<SecretString>,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    pub url: Option<SecretString>,
    pub prefix: String,
    /// A dead node's managers go offline after this long without its heartbeat.
    pub presence_ttl_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EmbeddedSettings {
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// Failed logins allowed per account, then per address, within the window.
    pub login_attempts_per_account: u64,
    pub login_attempts_per_address: u64,
    pub login_window_secs: u64,
    /// Concurrent argon2 hashes (each holds ~19 MiB); the rest wait.
    pub hash_concurrency: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IceSettings {
    pub stun_urls: Vec<String>,
    pub turn_urls: Vec<String>,
    pub turn_username: Option<String>,
    pub turn_credential: Option<SecretString>,
    /// coturn `use-auth-secret`: short-lived credentials derived per request.
    pub turn_secret: Option<SecretString>,
    pub turn_ttl_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatSettings {
    /// Messages a visitor may send per `visitor_rate_window_secs`.
    pub visitor_rate_limit: u64,
    pub visitor_rate_window_secs: u64,
    /// Concurrent batch transactions per node. One gives the lowest latency at normal
    /// rates (fewer session-lock waits between nodes); more sustain higher peak rates at
    /// a latency cost (BENCHMARKS.md has both).
    pub writer_shards: usize,
    pub writer_max_batch: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CallSettings {
    /// A call nobody answers ends with reason `timeout` after this long.
    pub ring_timeout_secs: u64,
    /// A party with no `/call` socket left for this long ends its call (`disconnected`).
    pub reconnect_grace_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    /// "text" or "json".
    pub format: String,
    pub level: String,
}

const DEFAULTS: &str = r#"
[server]
listen = "127.0.0.1:8080"
body_limit = 65536
drain_timeout_secs = 30
drain_grace_ms = 1000
assets_dir = "."
request_timeout_secs = 30

[database]
max_connections = 16

[redis]
prefix = "sb:"
presence_ttl_secs = 30

[embedded]
data_dir = "./data"

[auth]
login_attempts_per_account = 10
login_attempts_per_address = 50
login_window_secs = 300
hash_concurrency = 2

[ice]
stun_urls = []
turn_urls = []
turn_ttl_secs = 86400

[chat]
visitor_rate_limit = 30
visitor_rate_window_secs = 10
writer_shards = 1
writer_max_batch = 512

[calls]
ring_timeout_secs = 45
reconnect_grace_secs = 20

[log]
format = "text"
level = "info"
"#;

impl Settings {
    /// Loads settings from the defaults, `file` (if given) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        Self::load_from(file, std::env::vars().collect())
    }

    /// Same as [`Settings::load`] with the given variables instead of the process
    /// environment (tests run several differently configured nodes in one process).
    pub fn load_from(file: Option<&Path>, env: HashMap<String, String>) -> Result<Self, String> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = file {
            if !file.exists() {
                return Err(format!("config file {} does not exist", file.display()));
            }
            builder = builder.add_source(config::File::from(file));
        }
        let vars: config::Map<String, String> =
            env.iter().filter(|(k, _)| k.starts_with("SWITCHBOARD__")).map(|(k, v)| (k.clone(), v.clone())).collect();
        builder = builder.add_source(
            config::Environment::with_prefix("SWITCHBOARD")
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("ice.stun_urls")
                .with_list_parse_key("ice.turn_urls")
                .try_parsing(true)
                .source(Some(vars)),
        );
        for (var, key) in
            [("SWITCHBOARD_LISTEN", "server.listen"), ("DATABASE_URL", "database.url"), ("REDIS_URL", "redis.url")]
        {
            if let Some(v) = env.get(var).filter(|v| !v.is_empty()) {
                builder = builder.set_override(key, v.as_str()).map_err(|e| e.to_string())?;
            }
        }
        let settings: Settings =
            builder.build().and_then(|c| c.try_deserialize()).map_err(|e| format!("invalid configuration: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), String> {
        use secrecy::ExposeSecret;
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!("SWITCHBOARD_LISTEN / server.listen must be host:port, got {:?}", self.server.listen));
        }
        match (&self.database.url, &self.redis.url) {
            (Some(_), None) => return Err(
                "DATABASE_URL is set but REDIS_URL is not: a cluster needs both (or neither, for the embedded mode)"
                    .into(),
            ),
            (None, Some(_)) => return Err(
                "REDIS_URL is set but DATABASE_URL is not: a cluster needs both (or neither, for the embedded mode)"
                    .into(),
            ),
            _ => {}
        }
        if let Some(url) = &self.database.url
            && !url.expose_secret().starts_with("postgres")
        {
            return Err("DATABASE_URL must be a postgres:// URL".into());
        }
        if let Some(url) = &self.redis.url
            && !url.expose_secret().starts_with("redis")
        {
            return Err("REDIS_URL must be a redis:// URL".into());
        }
        if self.server.body_limit < 1024 {
            return Err("server.body_limit must be at least 1024 bytes".into());
        }
        if !["text", "json"].contains(&self.log.format.as_str()) {
            return Err(format!("log.format must be \"text\" or \"json\", got {:?}", self.log.format));
        }
        if self.chat.writer_shards == 0 || self.chat.writer_max_batch == 0 || self.auth.hash_concurrency == 0 {
            return Err("chat.writer_shards, chat.writer_max_batch and auth.hash_concurrency must be positive".into());
        }
        Ok(())
    }

    pub fn embedded(&self) -> bool {
        self.database.url.is_none()
    }
}
