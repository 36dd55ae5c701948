//! The embedded single-node mode: SQLite storage and in-process coordination.

use domain::{Error, Result};

use crate::settings::Settings;
use crate::startup::Backends;

pub async fn backends(_settings: &Settings) -> Result<Backends> {
    Err(Error::new(domain::ErrorCode::Unavailable, "the embedded mode is not available yet: set DATABASE_URL and REDIS_URL"))
}
