//! Storage: the one interface the services write and read through, and its
//! backends: [`sqlite`] (one writer thread with group commit and a read
//! pool; no SQLite call on an async worker) and [`postgres`] (one transaction
//! per write on a pooled connection; several server processes may share one
//! database).

pub mod after;
pub mod api;
pub mod budget;
pub mod postgres;
mod sink;
pub mod sqlite;
mod types;

pub use api::Storage;
pub use sink::{ConnId, Delivery, Sink};
pub use types::{FileRow, GroupUpdate, InviteRules, NewSession, SendOutcome, SessionRow};

use tern_proto::{ErrorCode, WireError};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request was refused for a domain reason (blocked, not found, ...);
    /// the error goes to the client as is.
    #[error("{0}")]
    Rejected(WireError),
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON value did not parse.
    #[error("stored json: {0}")]
    Json(#[from] serde_json::Error),
    /// A commit failed; the job's changes are gone.
    #[error("commit failed: {0}")]
    Commit(String),
    /// A stored value does not parse (an id, an enum, a tombstone): the
    /// database was changed outside the server or by a bug.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database could not be opened (path, permissions, thread).
    #[error("opening the database: {0}")]
    Open(String),
    /// The writer thread has stopped (shutdown).
    #[error("store is closed")]
    Closed,
    /// PostgreSQL failed (a statement or a commit).
    #[error("postgres: {0}")]
    Postgres(tokio_postgres::Error),
    /// The database cannot be reached right now (pool timeout, connection
    /// refused or lost); nothing was acknowledged, the request may be retried.
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

/// The store→wire mapping: refusals pass through, shutdown is `ShuttingDown`,
/// failures become `Internal` (and are logged, never shown to the client).
impl From<StoreError> for WireError {
    fn from(e: StoreError) -> WireError {
        match e {
            StoreError::Rejected(w) => w,
            StoreError::Closed => {
                WireError::new(ErrorCode::ShuttingDown, "the server is shutting down")
            }
            StoreError::Unavailable(why) => {
                tracing::warn!(error = %why, "database unavailable");
                WireError::new(
                    ErrorCode::Unavailable,
                    "the database is temporarily unavailable; retry later",
                )
            }
            other => {
                tracing::error!(error = %other, "store failure");
                WireError::new(ErrorCode::Internal, "internal server error; retry later")
            }
        }
    }
}

impl StoreError {
    /// A domain refusal with `code`.
    pub fn rejected(code: ErrorCode, msg: impl Into<String>) -> Self {
        Self::Rejected(WireError::new(code, msg))
    }
}

/// Result alias of the storage layer.
pub type StoreResult<T> = Result<T, StoreError>;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
