//! The one error type commands return to the UI: a stable code plus a message
//! written for the user.

use serde::Serialize;
use specta::Type;
use tern_core::proto::ErrorCode;

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Machine-readable kind: `not_logged_in`, `offline`, `invalid_argument`, or
    /// `server_<code>` (e.g. `server_3001` when the peer blocked us).
    pub code: String,
    /// What to tell the user.
    pub message: String,
}

impl AppError {
    /// An error with a code and a message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// The command needs a session and there is none.
    pub fn not_logged_in() -> Self {
        Self::new("not_logged_in", "You are not signed in.")
    }
}

impl From<tern_core::Error> for AppError {
    fn from(e: tern_core::Error) -> Self {
        use tern_core::Error as E;
        match e {
            E::Server(w) => Self {
                code: format!("server_{}", w.code.as_u16()),
                message: server_message(w.code, &w.message),
            },
            E::NotLoggedIn => Self::not_logged_in(),
            E::Offline(_) | E::Timeout => Self::new(
                "offline",
                "The server cannot be reached. Check the address and your connection.",
            ),
            E::InvalidArgument(m) => Self::new("invalid_argument", capitalize(&m)),
            other => Self::new("internal", capitalize(&other.to_string())),
        }
    }
}

impl From<tern_core::proto::IdError> for AppError {
    fn from(e: tern_core::proto::IdError) -> Self {
        Self::new("invalid_argument", capitalize(&e.to_string()))
    }
}

/// Friendly wording for the codes a user meets; the server's text otherwise.
fn server_message(code: ErrorCode, server: &str) -> String {
    match code {
        ErrorCode::BadCredentials => "Wrong user id or password.".into(),
        ErrorCode::UserExists => "That user id is taken. Try another one.".into(),
        ErrorCode::TokenExpired => "Your session expired. Please sign in again.".into(),
        ErrorCode::Blocked => "You cannot message or add this user.".into(),
        ErrorCode::AlreadyFriends => "You are already friends.".into(),
        ErrorCode::SelfTarget => "That is you.".into(),
        _ => capitalize(server),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Result of a command.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use tern_core::proto::WireError;

    #[test]
    fn blocked_is_distinct_and_readable() {
        let e = AppError::from(tern_core::Error::Server(WireError::new(
            ErrorCode::Blocked,
            "bob has blocked you",
        )));
        assert_eq!(e.code, "server_3001");
        assert!(e.message.contains("cannot message"));
    }

    #[test]
    fn offline_says_what_to_check() {
        let e = AppError::from(tern_core::Error::Offline("refused".into()));
        assert_eq!(e.code, "offline");
        assert!(e.message.contains("cannot be reached"));
    }
}
