//! SQLite errors as domain errors, the way the Postgres store maps its own.

use domain::Error;

/// Result codes that mean "try again later", nothing written: the database is busy
/// or locked past the busy timeout, the disk is full, or the file cannot be reached.
const RETRYABLE: [&str; 7] = [
    "5",    // SQLITE_BUSY
    "517",  // SQLITE_BUSY_SNAPSHOT
    "6",    // SQLITE_LOCKED
    "13",   // SQLITE_FULL
    "14",   // SQLITE_CANTOPEN
    "10",   // SQLITE_IOERR
    "3338", // SQLITE_IOERR_FSYNC
];

/// Maps a driver error: unavailability is `unavailable` (retryable, nothing written),
/// everything else is `internal` with the cause kept for the logs.
pub fn db_err(e: sqlx::Error) -> Error {
    metrics::counter!("store_errors_total").increment(1);
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => Error::unavailable(e),
        sqlx::Error::Database(ref d) if d.code().is_some_and(|c| RETRYABLE.contains(&c.as_ref())) => {
            Error::unavailable(e)
        }
        other => Error::internal(other),
    }
}

/// True when the error is a unique violation of `table.column` (SQLite names the
/// columns, not the index, in its message).
pub fn is_unique_violation(e: &sqlx::Error, column: &str) -> bool {
    matches!(e, sqlx::Error::Database(d)
        if d.kind() == sqlx::error::ErrorKind::UniqueViolation && d.message().contains(column))
}
