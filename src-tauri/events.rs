//! Events pushed to the UI: every tern-core [`tern_core::Event`] unchanged, plus
//! the shell's own [`SessionEnded`] when a session stops without the user asking.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::Event;

/// One event from tern-core, forwarded as is.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub(crate) struct CoreEvent(pub tern_core::Event);

/// The session ended: kicked offline, token expired, or events were lost
/// (`resync`: the UI should re-read everything).
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub(crate) struct SessionEnded {
    /// Why, in words for the login screen; `None` when nothing ended but state must be re-read.
    pub reason: Option<String>,
    /// True when the UI should stay signed in and just reload its lists.
    pub resync: bool,
    /// Another signed-in account the window shows now (several accounts), if any.
    pub next: Option<crate::switcher::AppSession>,
}

/// What to tell the user when tern-core ends the session, or `None` for other events.
pub(crate) fn end_reason(e: &tern_core::Event) -> Option<String> {
    use tern_core::proto::KickReason;
    match e {
        tern_core::Event::KickedOffline { reason } => Some(
            match reason {
                KickReason::OtherDevice => {
                    "You were signed out because your account signed in on another device."
                }
                KickReason::Admin => "An administrator signed you out.",
                KickReason::PasswordChanged => {
                    "Your password was changed. Please sign in with the new one."
                }
                KickReason::AccountDeleted => "This account was deleted.",
                KickReason::LoggedOut => "You signed out of this session on another device.",
                KickReason::TokenExpired => "Your session expired. Please sign in again.",
            }
            .to_owned(),
        ),
        tern_core::Event::TokenExpired { .. } => {
            Some("Your session expired. Please sign in again.".to_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_core::proto::{ErrorCode, KickReason};

    #[test]
    fn kick_and_expiry_end_the_session_with_an_explanation() {
        let kicked = tern_core::Event::KickedOffline {
            reason: KickReason::OtherDevice,
        };
        assert!(end_reason(&kicked).unwrap().contains("another device"));
        let expired = tern_core::Event::TokenExpired {
            code: ErrorCode::TokenExpired,
        };
        assert!(end_reason(&expired).unwrap().contains("expired"));
        assert_eq!(end_reason(&tern_core::Event::Connected), None);
    }
}
