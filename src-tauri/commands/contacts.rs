//! People: my profile, finding users, friends and friend applications, remarks,
//! and the blacklist.

use serde::Serialize;
use specta::Type;
use tauri::State;
use tern_core::proto::{Friend, FriendApplication, Profile};
use tern_core::ProfileUpdate;

use crate::error::AppResult;
use crate::state::AppState;

use super::user_id;

/// Friend applications, both directions, newest first.
#[derive(Debug, Clone, Serialize, Type)]
pub(crate) struct Applications {
    /// Sent to me.
    pub received: Vec<FriendApplication>,
    /// Sent by me.
    pub sent: Vec<FriendApplication>,
}

// ---- profile ----

/// My profile.
#[tauri::command]
#[specta::specta]
pub(crate) async fn my_profile(state: State<'_, AppState>) -> AppResult<Profile> {
    Ok(state.client().await?.my_profile().await?)
}

/// Changes my nickname and signature.
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_profile(
    state: State<'_, AppState>,
    nickname: String,
    signature: String,
) -> AppResult<Profile> {
    let update = ProfileUpdate {
        nickname: Some(nickname.trim().to_owned()),
        signature: Some(signature.trim().to_owned()),
        avatar: None,
    };
    Ok(state.client().await?.set_profile(update).await?)
}

/// Users whose id or nickname contains `query`.
#[tauri::command]
#[specta::specta]
pub(crate) async fn search_users(
    state: State<'_, AppState>,
    query: String,
) -> AppResult<Vec<Profile>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    Ok(state.client().await?.search_users(q).await?)
}

/// Profiles of `users` (e.g. who sent me friend requests), from the server;
/// unknown ids are left out.
#[tauri::command]
#[specta::specta]
pub(crate) async fn get_profiles(
    state: State<'_, AppState>,
    users: Vec<String>,
) -> AppResult<Vec<Profile>> {
    let ids = users
        .iter()
        .map(|u| user_id(u))
        .collect::<AppResult<Vec<_>>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(state.client().await?.get_profiles(&ids).await?)
}

// ---- friends ----

/// My friends.
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_friends(state: State<'_, AppState>) -> AppResult<Vec<Friend>> {
    Ok(state.client().await?.friends().await?)
}

/// Received and sent friend applications.
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_applications(state: State<'_, AppState>) -> AppResult<Applications> {
    let c = state.client().await?;
    Ok(Applications {
        received: c.received_applications().await?,
        sent: c.sent_applications().await?,
    })
}

/// Asks `user` to be friends.
#[tauri::command]
#[specta::specta]
pub(crate) async fn apply_friend(
    state: State<'_, AppState>,
    user: String,
    greeting: String,
) -> AppResult<()> {
    let user = user_id(&user)?;
    Ok(state
        .client()
        .await?
        .apply_friend(&user, greeting.trim())
        .await?)
}

/// Accepts the application from `user`.
#[tauri::command]
#[specta::specta]
pub(crate) async fn accept_friend(state: State<'_, AppState>, user: String) -> AppResult<()> {
    Ok(state
        .client()
        .await?
        .accept_friend(&user_id(&user)?)
        .await?)
}

/// Refuses the application from `user`.
#[tauri::command]
#[specta::specta]
pub(crate) async fn refuse_friend(state: State<'_, AppState>, user: String) -> AppResult<()> {
    Ok(state
        .client()
        .await?
        .refuse_friend(&user_id(&user)?)
        .await?)
}

/// Sets my private remark for a friend ("" clears it).
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_remark(
    state: State<'_, AppState>,
    user: String,
    remark: String,
) -> AppResult<()> {
    let user = user_id(&user)?;
    Ok(state
        .client()
        .await?
        .set_remark(&user, remark.trim())
        .await?)
}

/// Removes a friend (one-way).
#[tauri::command]
#[specta::specta]
pub(crate) async fn delete_friend(state: State<'_, AppState>, user: String) -> AppResult<()> {
    Ok(state
        .client()
        .await?
        .delete_friend(&user_id(&user)?)
        .await?)
}

// ---- blacklist ----

/// Everyone I blocked, with profiles where the server knows them.
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_blacklist(state: State<'_, AppState>) -> AppResult<Vec<Profile>> {
    let c = state.client().await?;
    let ids = c.blocked().await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Profiles come from the server; offline, show bare ids rather than nothing.
    let known = c.get_profiles(&ids).await.unwrap_or_default();
    Ok(ids
        .into_iter()
        .map(|id| {
            known
                .iter()
                .find(|p| p.user == id)
                .cloned()
                .unwrap_or(Profile {
                    user: id,
                    nickname: String::new(),
                    avatar: None,
                    signature: String::new(),
                })
        })
        .collect())
}

/// Blocks `user`.
#[tauri::command]
#[specta::specta]
pub(crate) async fn block(state: State<'_, AppState>, user: String) -> AppResult<()> {
    Ok(state.client().await?.block(&user_id(&user)?).await?)
}

/// Unblocks `user`.
#[tauri::command]
#[specta::specta]
pub(crate) async fn unblock(state: State<'_, AppState>, user: String) -> AppResult<()> {
    Ok(state.client().await?.unblock(&user_id(&user)?).await?)
}
