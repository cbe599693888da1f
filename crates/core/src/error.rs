//! The one error type of the client SDK.
//!
//! An error's words (its `Display`, and what it serializes to) are what apps and
//! logs show; where a lower-level error caused it (SQLite, the file system, JSON,
//! the WebSocket, HTTP), that error is kept too and reachable through
//! [`std::error::Error::source`] or [`Error::cause_of`], so a caller can tell
//! "disk full" from "database locked" without parsing text.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
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
    Offline(
        #[source]
        #[cfg_attr(feature = "specta", specta(type = String))]
        Detail,
    ),
    /// The server's TLS certificate was refused (`wss://`, `https://`): no connection
    /// was made. Retried like [`Error::Offline`] (the operator may fix the
    /// certificate), but an app should say why, not just "offline".
    #[error("the server's certificate is not trusted ({problem}): {detail}")]
    Certificate {
        /// What is wrong with it.
        problem: CertificateProblem,
        /// The TLS library's words, and its error as the source.
        #[source]
        #[cfg_attr(feature = "specta", specta(type = String))]
        detail: Detail,
    },
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
    Storage(
        #[source]
        #[cfg_attr(feature = "specta", specta(type = String))]
        Detail,
    ),
    /// The local database holds a value this client does not know in `column`
    /// (`table.column`): a damaged cache, or one written by a newer version. It
    /// is reported rather than read as some default.
    #[error("local storage: unknown value {value:?} in {column}")]
    Corrupt {
        /// The column, as `table.column`.
        column: String,
        /// The value found there.
        value: String,
    },
    /// The server answered something this client did not expect.
    #[error("protocol: {0}")]
    Protocol(
        #[source]
        #[cfg_attr(feature = "specta", specta(type = String))]
        Detail,
    ),
    /// The client was shut down.
    #[error("client closed")]
    Closed,
}

/// Why a server's TLS certificate was refused (see [`Error::Certificate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CertificateProblem {
    /// Signed by an authority this computer does not trust (e.g. self-signed): add
    /// the authority's certificate (`ClientConfig::extra_ca_pem`) or use a trusted one.
    UnknownIssuer,
    /// Issued for another host name than the one in the server address.
    WrongName,
    /// Expired, or not valid yet (also: this computer's clock is wrong).
    Expired,
    /// A certificate authority's own certificate (basicConstraints `CA:TRUE`, as
    /// `openssl req -x509` makes a self-signed one by default): refused as a
    /// server's certificate even when trusted. The server needs one signed by that
    /// authority, or a self-signed one with `CA:FALSE`.
    CaAsServer,
    /// Refused for another reason (revoked, malformed, wrong purpose, …).
    Invalid,
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnknownIssuer => "issued by an unknown authority",
            Self::WrongName => "issued for another host name",
            Self::Expired => "expired or not yet valid",
            Self::CaAsServer => "a certificate authority's own certificate, not a server's",
            Self::Invalid => "invalid",
        })
    }
}

/// The detail of an [`Error::Offline`], [`Error::Storage`] or [`Error::Protocol`]:
/// its words, and the lower-level error that caused it when there is one.
///
/// Built from a `String` or `&str` (no cause) or with [`Detail::caused`]. Two
/// details are equal when their words are; it serializes as just the words.
#[derive(Clone)]
pub struct Detail {
    text: String,
    cause: Option<Arc<dyn StdError + Send + Sync>>,
}

impl Detail {
    /// Words for an error that `cause` caused (the words usually quote it).
    pub fn caused(text: impl Into<String>, cause: impl StdError + Send + Sync + 'static) -> Self {
        Self {
            text: text.into(),
            cause: Some(Arc::new(cause)),
        }
    }

    /// A detail whose words are `cause`'s own.
    pub fn of(cause: impl StdError + Send + Sync + 'static) -> Self {
        Self::caused(cause.to_string(), cause)
    }

    /// The words.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            None => fmt::Debug::fmt(&self.text, f),
            Some(c) => write!(f, "{:?} (cause: {c:?})", self.text),
        }
    }
}

/// The detail's source is its cause itself, so `source()` on it can be
/// downcast to the concrete error (e.g. `rusqlite::Error`).
impl StdError for Detail {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn StdError + 'static))
    }
}

impl PartialEq for Detail {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Self { text, cause: None }
    }
}

impl From<&str> for Detail {
    fn from(text: &str) -> Self {
        text.to_owned().into()
    }
}

impl Serialize for Detail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::from)
    }
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
            Self::Offline(_) | Self::Certificate { .. } | Self::Timeout | Self::Closed => true,
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

    /// The first error of type `T` in this error's chain of sources, e.g.
    /// `cause_of::<rusqlite::Error>()` or `cause_of::<std::io::Error>()`.
    pub fn cause_of<T: StdError + 'static>(&self) -> Option<&T> {
        let mut next = StdError::source(self);
        while let Some(e) = next {
            if let Some(t) = e.downcast_ref::<T>() {
                return Some(t);
            }
            next = e.source();
        }
        None
    }
}

impl From<WireError> for Error {
    fn from(e: WireError) -> Self {
        Self::Server(e)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(Detail::of(e))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Storage(Detail::of(e))
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
        Self::Storage(Detail::caused(format!("bad JSON in the cache: {e}"), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_stay_and_the_cause_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
        let e = Error::from(io);
        assert_eq!(e.to_string(), "local storage: disk full");
        let kind = e.cause_of::<std::io::Error>().map(|c| c.kind());
        assert_eq!(kind, Some(std::io::ErrorKind::StorageFull));
        // The serialized form is the words alone, as before.
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "storage", "detail": "disk full"})
        );
        let back: Error = serde_json::from_value(json).unwrap();
        assert_eq!(back, e, "equal by words");
        assert!(back.cause_of::<std::io::Error>().is_none());
    }

    #[test]
    fn errors_built_from_words_have_no_cause() {
        let e = Error::Offline("connection lost".into());
        assert_eq!(e.to_string(), "offline: connection lost");
        assert!(StdError::source(&e).and_then(|d| d.source()).is_none());
        assert!(e.is_transient());
    }
}
