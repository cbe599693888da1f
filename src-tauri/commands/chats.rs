//! Conversations and messages: the chat list, history pages, sending, resending,
//! deleting, recalling, read marks, drafts, typing; and opening a web link.

use tauri::State;
use tern_core::proto::{ClientMsgId, ConversationId, Limits, Seq};
use tern_core::{Conversation, LocalMessage};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::{conv_id, user_id};

/// Largest page of history the UI may ask for at once.
const MAX_PAGE: u32 = 200;

/// My conversations, most recent first.
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_conversations(state: State<'_, AppState>) -> AppResult<Vec<Conversation>> {
    Ok(state.client().await?.conversations().await?)
}

/// The id of the direct chat with `user` (it shows in the list once it has activity).
#[tauri::command]
#[specta::specta]
pub(crate) async fn open_direct(
    state: State<'_, AppState>,
    user: String,
) -> AppResult<ConversationId> {
    Ok(state
        .client()
        .await?
        .direct_conversation(&user_id(&user)?)?)
}

/// Up to `limit` messages before `before` (`null`: the newest), oldest first.
#[tauri::command]
#[specta::specta]
pub(crate) async fn load_messages(
    state: State<'_, AppState>,
    conv: String,
    before: Option<Seq>,
    limit: u32,
) -> AppResult<Vec<LocalMessage>> {
    let conv = conv_id(&conv)?;
    let limit = limit.clamp(1, MAX_PAGE);
    Ok(state.client().await?.messages(&conv, before, limit).await?)
}

/// Sends a text message; the result carries its delivery state.
#[tauri::command]
#[specta::specta]
pub(crate) async fn send_text(
    state: State<'_, AppState>,
    conv: String,
    text: String,
) -> AppResult<LocalMessage> {
    let conv = conv_id(&conv)?;
    if text.trim().is_empty() {
        return Err(AppError::new("invalid_argument", "The message is empty."));
    }
    Ok(state.client().await?.send_text(&conv, &text).await?)
}

/// Retries a failed message (same client id, so never a duplicate).
#[tauri::command]
#[specta::specta]
pub(crate) async fn resend(
    state: State<'_, AppState>,
    client_id: String,
) -> AppResult<LocalMessage> {
    let id = ClientMsgId::new(client_id)?;
    Ok(state.client().await?.resend(&id).await?)
}

/// Deletes one of my failed messages (never delivered) from this device; the
/// `message_removed` event takes it out of the chat.
#[tauri::command]
#[specta::specta]
pub(crate) async fn delete_failed(state: State<'_, AppState>, client_id: String) -> AppResult<()> {
    let id = ClientMsgId::new(client_id)?;
    Ok(state.client().await?.delete_failed(&id).await?)
}

/// Deletes a message on this device only ("Delete for me"); the
/// `message_removed` event takes it out of the chat.
#[tauri::command]
#[specta::specta]
pub(crate) async fn delete_for_me(
    state: State<'_, AppState>,
    conv: String,
    seq: Seq,
) -> AppResult<()> {
    Ok(state
        .client()
        .await?
        .delete_for_me(&conv_id(&conv)?, seq)
        .await?)
}

/// Recalls one of my messages (the server refuses outside its recall window); both
/// sides then show a tombstone (`recalled` event).
#[tauri::command]
#[specta::specta]
pub(crate) async fn recall(state: State<'_, AppState>, conv: String, seq: Seq) -> AppResult<()> {
    Ok(state.client().await?.recall(&conv_id(&conv)?, seq).await?)
}

/// The server's limits from the last handshake (longest text, recall window, ...);
/// `None` before the first connection.
#[tauri::command]
#[specta::specta]
pub(crate) async fn server_limits(state: State<'_, AppState>) -> AppResult<Option<Limits>> {
    Ok(state.client().await?.limits())
}

/// Marks a conversation read (the peer gets a read receipt).
#[tauri::command]
#[specta::specta]
pub(crate) async fn mark_read(state: State<'_, AppState>, conv: String) -> AppResult<()> {
    Ok(state.client().await?.mark_read(&conv_id(&conv)?).await?)
}

/// Keeps the composer's unsent text for a conversation.
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_draft(
    state: State<'_, AppState>,
    conv: String,
    draft: String,
) -> AppResult<()> {
    Ok(state
        .client()
        .await?
        .set_draft(&conv_id(&conv)?, &draft)
        .await?)
}

/// Tells the peer I am typing (the UI throttles this).
#[tauri::command]
#[specta::specta]
pub(crate) async fn typing(state: State<'_, AppState>, conv: String) -> AppResult<()> {
    Ok(state.client().await?.typing(&conv_id(&conv)?).await?)
}

/// Opens an http(s) link in the system browser or a `mailto:` link in the mail
/// program; anything else is refused.
#[tauri::command]
#[specta::specta]
pub(crate) fn open_external(url: String) -> AppResult<()> {
    let parsed = crate::links::external_url(&url).ok_or_else(|| {
        AppError::new(
            "invalid_argument",
            "Only web and e-mail links can be opened.",
        )
    })?;
    crate::external::open_url(parsed.as_str()).map_err(|e| {
        tracing::warn!("open link: {e}");
        AppError::new("link_failed", e.to_string())
    })
}
