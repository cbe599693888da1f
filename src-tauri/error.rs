//! The one error type commands return to the UI: a stable code plus the detail.
//! The UI puts each code in words (`ui/src/lib/logic/errors.ts`); the detail
//! (a server's text, an OS error) is for the log, except for the codes whose
//! message the app writes for the user (`invalid_argument`, `wrong_password`,
//! `locked_out`, `file_too_large`, `confirm_open`, ...).

use serde::Serialize;
use specta::Type;
use tern_core::proto::ErrorCode;

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Machine-readable kind: `not_logged_in`, `offline`, `invalid_argument`,
    /// `internal`, `open_failed`, ..., or `server_<code>` (e.g. `server_3001` when
    /// the peer blocked us).
    pub code: String,
    /// The detail: words for the user for the app's own input checks, else the
    /// raw text (the server's message, an OS error) for the log.
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

    /// A failed password change, worded for the account dialog: `wrong_password`
    /// (the current password is wrong), `locked_out` (too many wrong passwords; the
    /// message says how long to wait), `invalid_argument` (the new password breaks
    /// the server's length rule), else as any other command error.
    pub fn password_change(e: tern_core::Error) -> Self {
        let tern_core::Error::Server(w) = e else {
            return e.into();
        };
        match w.code {
            ErrorCode::BadCredentials => {
                Self::new("wrong_password", "The current password is wrong.")
            }
            // A lockout; other `RateLimited` answers (busy hashing slots, too many
            // requests) keep the server's words.
            ErrorCode::RateLimited if w.message.contains("try again in") => {
                let at = w.message.find("try again in").unwrap_or(0);
                Self::new(
                    "locked_out",
                    format!(
                        "Too many wrong passwords. {}.",
                        capitalize(w.message[at..].trim_end_matches('.'))
                    ),
                )
            }
            ErrorCode::InvalidArgument if w.message.starts_with("password ") => Self::new(
                "invalid_argument",
                format!("The new {}.", w.message.trim_end_matches('.')),
            ),
            _ => tern_core::Error::Server(w).into(),
        }
    }
}

impl From<tern_core::Error> for AppError {
    fn from(e: tern_core::Error) -> Self {
        use tern_core::Error as E;
        match e {
            E::Server(w) => Self {
                code: format!("server_{}", w.code.as_u16()),
                message: w.message,
            },
            E::NotLoggedIn => Self::not_logged_in(),
            E::Certificate { problem, detail } => {
                use tern_core::CertificateProblem as P;
                let code = match problem {
                    P::UnknownIssuer => "certificate_unknown_issuer",
                    P::WrongName => "certificate_wrong_name",
                    P::Expired => "certificate_expired",
                    P::CaAsServer => "certificate_ca_as_server",
                    _ => "certificate_invalid",
                };
                Self::new(code, detail.to_string())
            }
            E::Offline(_) | E::Timeout => Self::new(
                "offline",
                "The server cannot be reached. Check the address and your connection.",
            ),
            E::InvalidArgument(m) => Self::new("invalid_argument", capitalize(&m)),
            other => {
                tracing::warn!("command failed: {other}");
                Self::new("internal", other.to_string())
            }
        }
    }
}

impl From<tern_core::proto::IdError> for AppError {
    fn from(e: tern_core::proto::IdError) -> Self {
        Self::new("invalid_argument", capitalize(&e.to_string()))
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
pub(crate) type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use tern_core::proto::WireError;

    #[test]
    fn a_server_error_keeps_its_code_and_text_for_the_ui_to_word() {
        let e = AppError::from(tern_core::Error::Server(WireError::new(
            ErrorCode::Blocked,
            "bob has blocked you",
        )));
        assert_eq!(e.code, "server_3001");
        assert_eq!(e.message, "bob has blocked you");
    }

    fn server(code: ErrorCode, message: &str) -> tern_core::Error {
        tern_core::Error::Server(WireError::new(code, message))
    }

    #[test]
    fn a_failed_password_change_says_what_went_wrong() {
        let e = AppError::password_change(server(
            ErrorCode::BadCredentials,
            "the current password is wrong",
        ));
        assert_eq!(e.code, "wrong_password");
        assert_eq!(e.message, "The current password is wrong.");

        let e = AppError::password_change(server(
            ErrorCode::RateLimited,
            "too many failed logins for this account or address; try again in 60 s",
        ));
        assert_eq!(e.code, "locked_out");
        assert_eq!(e.message, "Too many wrong passwords. Try again in 60 s.");

        let e = AppError::password_change(server(
            ErrorCode::RateLimited,
            "the server is busy checking passwords; retry in a moment",
        ));
        assert_eq!(e.code, "server_1004");
        assert!(e.message.starts_with("the server is busy"), "{}", e.message);

        let e = AppError::password_change(server(
            ErrorCode::InvalidArgument,
            "password must be 8 to 256 characters",
        ));
        assert_eq!(e.code, "invalid_argument");
        assert_eq!(e.message, "The new password must be 8 to 256 characters.");

        let e = AppError::password_change(tern_core::Error::NotLoggedIn);
        assert_eq!(e.code, "not_logged_in");
        let e = AppError::password_change(tern_core::Error::Timeout);
        assert_eq!(e.code, "offline");
    }

    #[test]
    fn a_refused_certificate_has_its_own_code_per_problem() {
        use tern_core::CertificateProblem as P;
        for (problem, code) in [
            (P::UnknownIssuer, "certificate_unknown_issuer"),
            (P::WrongName, "certificate_wrong_name"),
            (P::Expired, "certificate_expired"),
            (P::CaAsServer, "certificate_ca_as_server"),
            (P::Invalid, "certificate_invalid"),
        ] {
            let e = AppError::from(tern_core::Error::Certificate {
                problem,
                detail: "invalid peer certificate".into(),
            });
            assert_eq!(e.code, code);
        }
    }

    #[test]
    fn offline_says_what_to_check() {
        let e = AppError::from(tern_core::Error::Offline("refused".into()));
        assert_eq!(e.code, "offline");
        assert!(e.message.contains("cannot be reached"));
    }
}
