//! Rich messaging for the UI: replies (and what they quote), edits, reactions,
//! pinned messages and a group message's read-by list. Thin glue over tern-core,
//! which checks nothing the server does not check again (edit window, caps, roles).

use serde::Serialize;
use specta::Type;
use tauri::State;
use tern_core::proto::{GroupInfo, Mentions, Millis, Pin, Reaction, Seq, UserId};
use tern_core::{LocalMessage, Quote, ReadByPage};

use crate::commands::{conv_id, user_id};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Most messages whose reactions the UI may ask for at once (a page or two).
const MAX_SEQS: usize = 200;
/// Largest read-by page the UI may ask for.
const MAX_READ_BY_PAGE: u32 = 100;
/// Longest emoji accepted (characters; a flag or a family is several).
const MAX_EMOJI_CHARS: usize = 16;

/// The reactions of one message.
#[derive(Debug, Clone, Serialize, Type)]
pub(crate) struct MessageReactions {
    /// The message.
    pub seq: Seq,
    /// Per emoji: count and who.
    pub reactions: Vec<Reaction>,
}

fn non_empty(text: &str) -> AppResult<()> {
    if text.trim().is_empty() {
        return Err(AppError::new("invalid_argument", "The message is empty."));
    }
    Ok(())
}

/// Sends `text` as a reply to the message at `reply_to` of the same conversation,
/// mentioning `users` (ids) and, with `all`, everyone (groups; none: empty, false).
#[tauri::command]
#[specta::specta]
pub(crate) async fn send_reply(
    state: State<'_, AppState>,
    conv: String,
    text: String,
    reply_to: Seq,
    users: Vec<String>,
    all: bool,
) -> AppResult<LocalMessage> {
    let conv = conv_id(&conv)?;
    non_empty(&text)?;
    let mentions = Mentions {
        users: users.iter().map(|u| user_id(u)).collect::<AppResult<_>>()?,
        all,
    };
    Ok(state
        .client()
        .await?
        .send_reply_mentioning(&conv, &text, reply_to, mentions)
        .await?)
}

/// What a reply shows of the message at `seq` (asked of the server when not cached).
#[tauri::command]
#[specta::specta]
pub(crate) async fn quote(state: State<'_, AppState>, conv: String, seq: Seq) -> AppResult<Quote> {
    Ok(state.client().await?.quote(&conv_id(&conv)?, seq).await?)
}

/// Replaces the text of my text message at `seq` (the server checks the edit
/// window); every device gets the `edited` event. Returns the new `edited_at`.
#[tauri::command]
#[specta::specta]
pub(crate) async fn edit_message(
    state: State<'_, AppState>,
    conv: String,
    seq: Seq,
    text: String,
) -> AppResult<Millis> {
    let conv = conv_id(&conv)?;
    non_empty(&text)?;
    Ok(state.client().await?.edit(&conv, seq, &text).await?)
}

/// Adds (`on`) or removes my reaction `emoji` on the message at `seq`; returns
/// its reactions now.
#[tauri::command]
#[specta::specta]
pub(crate) async fn react(
    state: State<'_, AppState>,
    conv: String,
    seq: Seq,
    emoji: String,
    on: bool,
) -> AppResult<Vec<Reaction>> {
    let conv = conv_id(&conv)?;
    let emoji = emoji.trim();
    if emoji.is_empty() || emoji.chars().count() > MAX_EMOJI_CHARS {
        return Err(AppError::new("invalid_argument", "Pick one emoji."));
    }
    Ok(state.client().await?.react(&conv, seq, emoji, on).await?)
}

/// The cached reactions of the messages at `seqs` (those with none left out).
#[tauri::command]
#[specta::specta]
pub(crate) async fn reactions_of(
    state: State<'_, AppState>,
    conv: String,
    seqs: Vec<Seq>,
) -> AppResult<Vec<MessageReactions>> {
    let conv = conv_id(&conv)?;
    let client = state.client().await?;
    let mut out = Vec::new();
    for seq in seqs.into_iter().take(MAX_SEQS) {
        let reactions = client.reactions(&conv, seq).await?;
        if !reactions.is_empty() {
            out.push(MessageReactions { seq, reactions });
        }
    }
    Ok(out)
}

/// Pins (`on`) or unpins the message at `seq`; returns the pins now.
#[tauri::command]
#[specta::specta]
pub(crate) async fn pin_message(
    state: State<'_, AppState>,
    conv: String,
    seq: Seq,
    on: bool,
) -> AppResult<Vec<Pin>> {
    Ok(state.client().await?.pin(&conv_id(&conv)?, seq, on).await?)
}

/// The cached pins of `conv`, most recently pinned first.
#[tauri::command]
#[specta::specta]
pub(crate) async fn pins(state: State<'_, AppState>, conv: String) -> AppResult<Vec<Pin>> {
    Ok(state.client().await?.pins(&conv_id(&conv)?).await?)
}

/// Who of group `conv` has read its message `seq` and who has not, `limit`
/// members by id after `after` (sender and managers only; the server checks).
#[tauri::command]
#[specta::specta]
pub(crate) async fn read_by(
    state: State<'_, AppState>,
    conv: String,
    seq: Seq,
    after: Option<String>,
    limit: u32,
) -> AppResult<ReadByPage> {
    let conv = conv_id(&conv)?;
    let after = after.map(UserId::new).transpose()?;
    let limit = limit.clamp(1, MAX_READ_BY_PAGE);
    Ok(state
        .client()
        .await?
        .read_by(&conv, seq, after.as_ref(), limit)
        .await?)
}

/// Turns on or off whether senders and managers of group `group` may see who
/// read a message (owner or admin; the server checks); returns the group.
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_group_read_by(
    state: State<'_, AppState>,
    group: String,
    on: bool,
) -> AppResult<GroupInfo> {
    let g = crate::groups::group_id(&group)?;
    Ok(state.client().await?.set_group_read_by(&g, on).await?)
}
