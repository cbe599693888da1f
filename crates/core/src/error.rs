//! The one error type of the client SDK.

use serde::{Deserialize, Serialize};
use tern_proto::{ErrorCode, WireError};

/// Everything a [`crate::Client`] call can fail with.
///
/// [`Error::Server`] carries the server's stable code, so an app can tell
/// "blocked" ([`ErrorCode::Blocked`]) from "bad password" and show each distinctly.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Error {
    /// The server refused the request.
    #[error("server refused: {0}")]
    Server(WireError),
    /// No session: log in first.
    #[error("not logged in")]
    NotLoggedIn,
    /// A login is already in progress or done; log out first.
    #[error("already logged in")]
    AlreadyLoggedIn,
    /// The server cannot be reached right now (the request was not answered).
    #[error("offline: {0}")]
    Offline(String),
    /// The server did not answer in time.
    #[error("request timed out")]
    Timeout,
    /// An argument was rejected before anything was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// No such local message, conversation or record.
    #[error("not found: {0}")]
    NotFound(String),
    /// The local database failed.
    #[error("local storage: {0}")]
    Storage(String),
    /// The server answered something this client did not expect.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The client was shut down.
    #[error("client closed")]
    Closed,
}

impl Error {
    /// The server's error code, when the server refused the request.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Server(e) => Some(e.code),
            _ => None,
        }
    }

    /// True when retrying the same request later may succeed (network, timeout,
    /// server busy); false when the server gave a definitive answer.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Offline(_) | Self::Timeout | Self::Closed => true,
            Self::Server(e) => matches!(
                e.code,
                ErrorCode::Internal
                    | ErrorCode::ShuttingDown
                    | ErrorCode::Unavailable
                    | ErrorCode::RateLimited
                    | ErrorCode::OutOfOrder
            ),
            _ => false,
        }
    }
}

impl From<WireError> for Error {
    fn from(e: WireError) -> Self {
        Self::Server(e)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Storage(e.to_string())
    }
}

impl From<tern_proto::IdError> for Error {
    fn from(e: tern_proto::IdError) -> Self {
        Self::InvalidArgument(e.to_string())
    }
}

/// Result of a client call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Storage(format!("bad JSON in the cache: {e}"))
    }
}
