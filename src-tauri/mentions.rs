//! Forward and @mention commands (issue 17): parse ids, call tern-core; the
//! rules (who may mention @all, what may be forwarded where) live in the server.

use tauri::State;
use tern_core::proto::{ForwardResult, Mentions, Seq};
use tern_core::LocalMessage;

use crate::commands::{conv_id, user_id};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Sends `text` to the group `conv` mentioning `users` (ids) and, with `all`,
/// everyone (owner and admins only).
#[tauri::command]
#[specta::specta]
pub(crate) async fn send_mentioning(
    state: State<'_, AppState>,
    conv: String,
    text: String,
    users: Vec<String>,
    all: bool,
) -> AppResult<LocalMessage> {
    let conv = conv_id(&conv)?;
    if text.trim().is_empty() {
        return Err(AppError::new("invalid_argument", "The message is empty."));
    }
    let mentions = Mentions {
        users: users.iter().map(|u| user_id(u)).collect::<AppResult<_>>()?,
        all,
    };
    Ok(state
        .client()
        .await?
        .send_mentioning(&conv, &text, mentions)
        .await?)
}

/// Forwards the messages `seqs` of `from` to each of `to`, one by one or
/// `merged` into one chat history titled `title`; what each target did.
#[tauri::command]
#[specta::specta]
pub(crate) async fn forward_messages(
    state: State<'_, AppState>,
    from: String,
    seqs: Vec<Seq>,
    to: Vec<String>,
    merged: bool,
    title: Option<String>,
) -> AppResult<Vec<ForwardResult>> {
    let from = conv_id(&from)?;
    let to = to
        .iter()
        .map(|t| conv_id(t))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(state
        .client()
        .await?
        .forward(&from, &seqs, &to, merged, title)
        .await?)
}
