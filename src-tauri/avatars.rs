//! Avatars: the UI hands over the cropped image's bytes (PNG from a canvas) to
//! become my avatar or a group's; avatar images are fetched by file id into
//! tern-core's per-account cache and shown through the `ternfile:` scheme.

use tauri::State;
use tern_core::proto::{FileId, GroupInfo, Profile};

use crate::error::{AppError, AppResult};
use crate::files::{url_for, Served};
use crate::groups::group_id;
use crate::state::AppState;

fn file_id(s: &str) -> AppResult<FileId> {
    FileId::new(s.to_owned())
        .map_err(|_| AppError::new("invalid_argument", "That is not an avatar."))
}

/// Uploads `bytes` (PNG, JPEG, GIF or WebP, at most 2 MiB) as my avatar.
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_my_avatar(
    state: State<'_, AppState>,
    bytes: Vec<u8>,
) -> AppResult<Profile> {
    Ok(state.client().await?.set_avatar(bytes).await?)
}

/// Uploads `bytes` as a group's avatar (owner or admin; the server checks).
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_group_avatar(
    state: State<'_, AppState>,
    group: String,
    bytes: Vec<u8>,
) -> AppResult<GroupInfo> {
    let g = group_id(&group)?;
    Ok(state.client().await?.set_group_avatar(&g, bytes).await?)
}

/// The URL the webview shows avatar `file` from (downloaded into the cache once).
#[tauri::command]
#[specta::specta]
pub(crate) async fn avatar_url(
    state: State<'_, AppState>,
    served: State<'_, Served>,
    file: String,
) -> AppResult<String> {
    let id = file_id(&file)?;
    let a = state.client().await?.avatar(&id).await?;
    served.insert_path(id.as_str(), a.path, a.mime);
    Ok(url_for(id.as_str()))
}
