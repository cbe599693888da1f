//! Message search for the UI: forwards to tern-core's full-text search (CJK
//! substrings and English words, newest first), across all chats or in one; and
//! how far its deferred index has caught up (a search waits for it: the UI shows
//! the progress meanwhile).

use tauri::State;
use tern_core::{SearchIndexState, SearchPage};

use crate::commands::conv_id;
use crate::error::AppResult;
use crate::state::AppState;

/// Largest page of results the UI may ask for at once.
const MAX_RESULTS: u32 = 100;
/// Longest query accepted (characters); longer ones are cut.
const MAX_QUERY_CHARS: usize = 200;

/// Messages matching every term of `query`, newest first, page `page` (from 0) of
/// `page_size`; in conversation `conv` only, or in all (`null`).
#[tauri::command]
#[specta::specta]
pub(crate) async fn search_messages(
    state: State<'_, AppState>,
    query: String,
    conv: Option<String>,
    page: u32,
    page_size: u32,
) -> AppResult<SearchPage> {
    let conv = conv.as_deref().map(conv_id).transpose()?;
    let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
    let size = page_size.clamp(1, MAX_RESULTS);
    Ok(state
        .client()
        .await?
        .search_in(&query, conv.as_ref(), page, size)
        .await?)
}

/// How far tern-core's search index has caught up (polled by the UI while a search
/// waits for it: "Indexing 12,000 of 40,000 messages…").
#[tauri::command]
#[specta::specta]
pub(crate) async fn search_index_state(state: State<'_, AppState>) -> AppResult<SearchIndexState> {
    Ok(state.client().await?.search_index_state()?)
}
