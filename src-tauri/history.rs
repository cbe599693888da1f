//! Files inside a received chat history (a merged forward, issue 17). The UI
//! names a file by the message that holds the history and the item's path in
//! it (indices, one per nesting level); the file reference itself comes from
//! the cached message, never from the UI. The server granted the chat's members
//! access to every file of the history when it stored the message.

use tauri::{AppHandle, State};
use tern_core::proto::forward::MAX_HISTORY_DEPTH;
use tern_core::proto::{Content, FileRef, Seq};

use crate::error::{AppError, AppResult};
use crate::files::{cached, cached_message, downloaded, file_of, save_copy, Downloaded, Served};
use crate::state::AppState;

/// The content at `item` inside the chat history `content`: `[2]` is its third
/// item, `[2, 0]` the first item of the history nested there.
pub(crate) fn history_item<'a>(content: &'a Content, item: &[u32]) -> Option<&'a Content> {
    if item.is_empty() || item.len() > MAX_HISTORY_DEPTH {
        return None;
    }
    let mut at = content;
    for &i in item {
        let Content::ChatHistory { items, .. } = at else {
            return None;
        };
        at = &items.get(usize::try_from(i).ok()?)?.content;
    }
    Some(at)
}

/// The file of item `item` of the chat history at `seq` of `conv`.
async fn history_file(
    state: &AppState,
    conv: &str,
    seq: Seq,
    client_id: &str,
    item: &[u32],
) -> AppResult<(tern_core::Client, FileRef)> {
    let client = state.client().await?;
    let m = cached_message(&client, conv, Some(seq), client_id).await?;
    let file = history_item(&m.content, item)
        .and_then(file_of)
        .cloned()
        .ok_or_else(|| AppError::new("invalid_argument", "That chat history item has no file."))?;
    Ok((client, file))
}

/// Downloads the file of item `item` (see [`history_item`]) of the chat history
/// message `seq` / `client_id` of `conv` into the account's cache (progress as
/// `transfer_progress` events keyed by the file id); for images also a URL.
#[tauri::command]
#[specta::specta]
pub(crate) async fn download_history_file(
    state: State<'_, AppState>,
    served: State<'_, Served>,
    conv: String,
    seq: Seq,
    client_id: String,
    item: Vec<u32>,
) -> AppResult<Downloaded> {
    let (client, file) = history_file(&state, &conv, seq, &client_id, &item).await?;
    let path = cached(&client, &served, &file).await?;
    Ok(downloaded(&file, &path).await)
}

/// "Save as…" for the file of item `item` of a chat history message: asks where
/// and copies it there from the cache. Returns the chosen path, `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub(crate) async fn save_history_file_as(
    app: AppHandle,
    state: State<'_, AppState>,
    served: State<'_, Served>,
    conv: String,
    seq: Seq,
    client_id: String,
    item: Vec<u32>,
) -> AppResult<Option<String>> {
    let (client, file) = history_file(&state, &conv, seq, &client_id, &item).await?;
    let src = cached(&client, &served, &file).await?;
    save_copy(&app, &file, &src).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_core::proto::{FileId, HistoryItem, UserId};

    fn item(content: Content) -> HistoryItem {
        HistoryItem {
            sender: UserId::new("bob").unwrap(),
            sent_at: 1,
            content,
        }
    }

    fn text(t: &str) -> Content {
        Content::Text { text: t.into() }
    }

    #[test]
    fn finds_items_and_nested_ones_and_nothing_else() {
        let file = Content::File {
            file: FileRef {
                id: FileId::new("f1").unwrap(),
                name: "a.pdf".into(),
                size: 3,
                mime: "application/pdf".into(),
            },
        };
        let inner = Content::ChatHistory {
            title: "inner".into(),
            items: vec![item(text("x")), item(file.clone())],
        };
        let outer = Content::ChatHistory {
            title: "outer".into(),
            items: vec![item(text("hi")), item(inner)],
        };
        assert_eq!(history_item(&outer, &[0]), Some(&text("hi")));
        assert_eq!(history_item(&outer, &[1, 1]), Some(&file));
        assert!(file_of(history_item(&outer, &[1, 1]).unwrap()).is_some());
        assert_eq!(history_item(&outer, &[2]), None);
        assert_eq!(history_item(&outer, &[0, 0]), None);
        assert_eq!(history_item(&outer, &[]), None);
        assert_eq!(history_item(&outer, &[1, 1, 0, 0]), None);
        assert_eq!(history_item(&text("plain"), &[0]), None);
    }
}
