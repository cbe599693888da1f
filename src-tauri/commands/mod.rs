//! Every IPC command the UI can call. Each one parses ids, forwards to
//! tern-core and maps errors; no messaging logic lives here. By concern:
//! [`session`] (sign-in, the remembered accounts, sign-out, password),
//! [`contacts`] (profiles, friends, applications, the blacklist) and [`chats`]
//! (conversations and messages); the other concerns have their own modules
//! (`files`, `groups`, `rich`, `prefs`, ...). Commands are registered by their
//! paths (`commands::session::login`): tauri's and specta's command macros sit
//! next to each function.

pub(crate) mod chats;
pub(crate) mod contacts;
pub(crate) mod session;

use tern_core::proto::{ConversationId, UserId};

use crate::error::AppResult;
pub(crate) use crate::switcher::{session_of, AppSession};

/// Parses a user id from the UI (surrounding spaces ignored).
pub(crate) fn user_id(s: &str) -> AppResult<UserId> {
    Ok(UserId::new(s.trim())?)
}

/// Parses a conversation id (`d:a:b` / `g:x`) from the UI.
pub(crate) fn conv_id(s: &str) -> AppResult<ConversationId> {
    Ok(ConversationId::parse(s)?)
}
