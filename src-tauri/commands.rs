//! Every IPC command the UI can call. Each one parses ids, forwards to
//! tern-core and maps errors; no messaging logic lives here.

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, State};
use tern_core::proto::{
    ClientMsgId, ConversationId, Friend, FriendApplication, Limits, Profile, Seq, UserId,
};
use tern_core::{ConnectionState, Conversation, LocalMessage, ProfileUpdate};

use crate::accounts::{AccountRecord, MAX_ACCOUNTS};
use crate::credentials::{KeyringIssue, KeyringNotice, Remembered};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
pub(crate) use crate::switcher::{session_of, AppSession};

/// Friend applications, both directions, newest first.
#[derive(Debug, Clone, Serialize, Type)]
pub(crate) struct Applications {
    /// Sent to me.
    pub received: Vec<FriendApplication>,
    /// Sent by me.
    pub sent: Vec<FriendApplication>,
}

/// Largest page of history the UI may ask for at once.
const MAX_PAGE: u32 = 200;

/// Parses a user id from the UI (surrounding spaces ignored).
pub(crate) fn user_id(s: &str) -> AppResult<UserId> {
    Ok(UserId::new(s.trim())?)
}

/// Parses a conversation id (`d:a:b` / `g:x`) from the UI.
pub(crate) fn conv_id(s: &str) -> AppResult<ConversationId> {
    Ok(ConversationId::parse(s)?)
}

// ---- session ----

/// The server URL to pre-fill on the login screen.
#[tauri::command]
#[specta::specta]
pub(crate) fn default_server_url(state: State<'_, AppState>) -> String {
    state.default_server_url.clone()
}

/// The current session, if the user is signed in (survives a UI reload).
#[tauri::command]
#[specta::specta]
pub(crate) async fn current_session(state: State<'_, AppState>) -> AppResult<Option<AppSession>> {
    session_of(&state).await
}

/// Online / connecting / offline.
#[tauri::command]
#[specta::specta]
pub(crate) async fn connection_state(state: State<'_, AppState>) -> AppResult<ConnectionState> {
    Ok(match state.client().await {
        Ok(c) => c.connection_state(),
        Err(_) => ConnectionState::Offline,
    })
}

/// Creates an account (does not sign in).
#[tauri::command]
#[specta::specta]
pub(crate) async fn register(
    state: State<'_, AppState>,
    server_url: String,
    user: String,
    password: String,
) -> AppResult<()> {
    let user = user_id(&user)?;
    if password.is_empty() {
        return Err(AppError::new("invalid_argument", "Choose a password."));
    }
    let client = state.new_client(&server_url)?;
    let result = client.register(&user, &password).await;
    client.close().await;
    Ok(result?)
}

/// Signs in and makes the account the active one: a new account is added next
/// to those already signed in (at most [`MAX_ACCOUNTS`]); the same account
/// (user and server) is signed in again. With `remember`, the server URL, user
/// id and session token go to the account's own keyring entry (never the
/// password); a keyring problem does not fail the sign-in but sets
/// [`keyring_notice`].
#[tauri::command]
#[specta::specta]
pub(crate) async fn login(
    app: AppHandle,
    state: State<'_, AppState>,
    server_url: String,
    user: String,
    password: String,
    remember: bool,
) -> AppResult<AppSession> {
    let user = user_id(&user)?;
    let rec = AccountRecord::new(&server_url, user.as_str());
    // The same account again: its old client closes first (one cache, one client).
    if let Some(old) = crate::switcher::take(&app, &rec.id).await {
        old.close().await;
    } else if state.live.lock().await.len() >= MAX_ACCOUNTS {
        return Err(AppError::new(
            "too_many_accounts",
            format!("At most {MAX_ACCOUNTS} accounts can be signed in at once."),
        ));
    }
    let client = state.new_client(&server_url)?;
    let rx = client.subscribe();
    if let Err(e) = client.login(&user, &password).await {
        client.close().await;
        return Err(e.into());
    }
    let token = client.token();
    let active = crate::live::activate(&app, rec.id.clone(), client, rx, rec.server_url.clone());
    state.insert(active).await;
    state.update_registry(|r| r.add(rec.clone()));
    let r = match (remember, token) {
        (true, Some(token)) => {
            state
                .credentials
                .save(Remembered {
                    server_url: rec.server_url.clone(),
                    user: user.to_string(),
                    token,
                })
                .await
        }
        // Not remembering this account: forget any earlier sign-in of it.
        _ => state.credentials.delete(&rec.id).await,
    };
    state.keyring_result(r);
    crate::switcher::emit_accounts(&app).await;
    session_of(&state)
        .await?
        .ok_or_else(AppError::not_logged_in)
}

/// What the app found in the keyring at start.
#[derive(Debug, Clone, Serialize, Type)]
pub(crate) struct Restored {
    /// The active account's session, when a remembered sign-in (or an earlier one that survived a UI reload) worked.
    pub session: Option<AppSession>,
    /// A keyring problem or a refused remembered sign-in, for the login screen.
    pub notice: Option<KeyringNotice>,
}

/// The session that survived a UI reload, else every account of the app's
/// config signed in with the token remembered in its keyring entry (auto-login
/// at start; an install from before several accounts is upgraded first). An
/// account whose entry is gone or whose token is refused leaves the config.
#[tauri::command]
#[specta::specta]
pub(crate) async fn restore_session(
    app: AppHandle,
    state: State<'_, AppState>,
) -> AppResult<Restored> {
    if let Some(session) = session_of(&state).await? {
        // A UI reload: it learns the accounts again.
        crate::switcher::emit_accounts(&app).await;
        return Ok(Restored {
            session: Some(session),
            notice: state.notice(),
        });
    }
    let r = crate::accounts::load_or_upgrade(&state.data_dir, &state.credentials).await;
    let registry = state
        .keyring_result(r)
        .or_else(|| crate::accounts::Registry::load(&state.data_dir))
        .unwrap_or_default();
    *state.registry.lock() = registry.clone();
    // Back from the tray-only process: its accounts first, with their tokens.
    let handed = state.handoff.lock().take();
    if let Some(h) = handed {
        crate::live::restore(&app, &state, h).await;
    }
    let mut refused = None;
    for rec in &registry.accounts {
        if state.live.lock().await.iter().any(|a| a.id == rec.id) {
            continue;
        }
        if let Err(e) = restore_one(&app, &state, rec).await {
            tracing::warn!("remembered sign-in of {} refused: {e}", rec.id);
            refused = Some(KeyringNotice {
                kind: KeyringIssue::Refused,
                user: Some(rec.user.clone()),
            });
        }
    }
    // The active account is one that is signed in.
    let live: Vec<String> = state
        .live
        .lock()
        .await
        .iter()
        .map(|a| a.id.clone())
        .collect();
    state.update_registry(|r| {
        if !r.active.as_ref().is_some_and(|a| live.contains(a)) {
            if let Some(first) = r.accounts.iter().find(|a| live.contains(&a.id)) {
                r.active = Some(first.id.clone());
            }
        }
    });
    crate::switcher::emit_accounts(&app).await;
    Ok(Restored {
        session: session_of(&state).await?,
        notice: refused.or_else(|| state.notice()),
    })
}

/// Signs account `rec` in with its remembered token. `Ok` also when there is
/// nothing to do (no entry: the account leaves the config; the keyring failed:
/// it stays for the next start); `Err` when the server refused the token.
async fn restore_one(
    app: &AppHandle,
    state: &AppState,
    rec: &crate::accounts::AccountRecord,
) -> AppResult<()> {
    let r = state.credentials.load(&rec.id).await;
    let saved = match state.keyring_result(r) {
        Some(Some(saved)) => saved,
        Some(None) => {
            state.update_registry(|r| r.remove(&rec.id));
            return Ok(());
        }
        None => return Ok(()),
    };
    let user = match user_id(&saved.user) {
        Ok(u) => u,
        Err(e) => return forget(state, rec, e).await,
    };
    let client = state.new_client(&saved.server_url)?;
    let rx = client.subscribe();
    if let Err(e) = client.login_with_token(&user, &saved.token).await {
        client.close().await;
        return forget(state, rec, e.into()).await;
    }
    // Keep the remembered token current when the server issued a new one.
    let token = client.token();
    let active = crate::live::activate(app, rec.id.clone(), client, rx, rec.server_url.clone());
    state.insert(active).await;
    if let Some(token) = token.filter(|t| *t != saved.token) {
        let r = state.credentials.save(Remembered { token, ..saved }).await;
        state.keyring_result(r);
    }
    Ok(())
}

/// A remembered sign-in that no longer works: the account leaves the config and its entry goes.
async fn forget(
    state: &AppState,
    rec: &crate::accounts::AccountRecord,
    e: AppError,
) -> AppResult<()> {
    state.update_registry(|r| r.remove(&rec.id));
    let r = state.credentials.delete(&rec.id).await;
    state.keyring_result(r);
    Err(e)
}

/// The last keyring problem (e.g. after a sign-in with "Remember me"), if any.
#[tauri::command]
#[specta::specta]
pub(crate) fn keyring_notice(state: State<'_, AppState>) -> Option<KeyringNotice> {
    state.notice()
}

/// Signs the active account out (revokes the token on the server when
/// reachable) and forgets its remembered sign-in; its cache stays. Another
/// account, if any, becomes active: its session is returned.
#[tauri::command]
#[specta::specta]
pub(crate) async fn logout(
    app: AppHandle,
    state: State<'_, AppState>,
) -> AppResult<Option<AppSession>> {
    let Some(id) = state.active_id() else {
        return Ok(None);
    };
    let r = state.credentials.delete(&id).await;
    state.keyring_result(r);
    state.update_registry(|r| r.remove(&id));
    if let Some(client) = crate::switcher::take(&app, &id).await {
        let result = client.logout().await;
        client.close().await;
        crate::switcher::emit_accounts(&app).await;
        if let Err(e) = result {
            // Signed out here all the same; the server forgets the token when it expires.
            tracing::warn!("sign-out on the server failed: {e}");
        }
    }
    session_of(&state).await
}

// ---- account ----

/// Changes my password. The server checks the current one (a wrong one counts as
/// a failed sign-in, so repeated tries lock the account for a while) and the new
/// one's length; every other device of mine is signed out, this session stays.
///
/// The keyring holds only this session's token (never a password) and the token
/// stays valid, so nothing remembered needs updating.
#[tauri::command]
#[specta::specta]
pub(crate) async fn change_password(
    state: State<'_, AppState>,
    old_password: String,
    new_password: String,
) -> AppResult<()> {
    check_password_change(&old_password, &new_password)?;
    state
        .client()
        .await?
        .change_password(&old_password, &new_password)
        .await
        .map_err(AppError::password_change)
}

/// What the app checks before asking the server (which enforces the length rule).
/// Passwords are taken as typed: spaces count.
pub(crate) fn check_password_change(old: &str, new: &str) -> AppResult<()> {
    if old.is_empty() {
        return Err(AppError::new(
            "invalid_argument",
            "Enter your current password.",
        ));
    }
    if new.is_empty() {
        return Err(AppError::new("invalid_argument", "Choose a new password."));
    }
    Ok(())
}

/// Signs out every other device of mine (their tokens are revoked, connected ones
/// are kicked); this session stays signed in.
#[tauri::command]
#[specta::specta]
pub(crate) async fn sign_out_others(state: State<'_, AppState>) -> AppResult<()> {
    Ok(state.client().await?.sign_out_others().await?)
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

// ---- conversations and messages ----

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

// ---- shell ----

/// Opens an http(s) link in the system browser; anything else is refused.
#[tauri::command]
#[specta::specta]
pub(crate) fn open_external(url: String) -> AppResult<()> {
    let parsed = crate::links::external_url(&url)
        .ok_or_else(|| AppError::new("invalid_argument", "Only web links can be opened."))?;
    crate::external::open_url(parsed.as_str()).map_err(|e| {
        tracing::warn!("open link: {e}");
        AppError::new("link_failed", e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_change_needs_both_passwords_as_typed() {
        let e = check_password_change("", "new password 1").unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("invalid_argument", "Enter your current password.")
        );
        let e = check_password_change("old password", "").unwrap_err();
        assert_eq!(e.message, "Choose a new password.");
        // Spaces are part of a password: nothing is trimmed or refused here.
        assert!(check_password_change(" ", "  ").is_ok());
    }
}
