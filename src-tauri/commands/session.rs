//! Signing in and out: registering, signing in (several accounts, each
//! remembered in the keyring if asked), restoring the remembered accounts at
//! start, signing out, and changing the password.

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, State};
use tern_core::ConnectionState;

use crate::accounts::{AccountRecord, MAX_ACCOUNTS};
use crate::credentials::{KeyringIssue, KeyringNotice, Remembered};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::{session_of, user_id, AppSession};

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

/// Tries to connect again at once instead of waiting out the reconnect delay
/// (the offline banner's "Reconnect now"); returns at once, the connection
/// state follows as usual.
#[tauri::command]
#[specta::specta]
pub(crate) async fn reconnect_now(state: State<'_, AppState>) -> AppResult<()> {
    let client = state.client().await?;
    tauri::async_runtime::spawn(async move {
        if let Err(e) = client.resync().await {
            tracing::info!(error = %e, "reconnect now: not connected yet");
        }
    });
    Ok(())
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
