//! The account switcher's commands: list the signed-in accounts with their
//! unread counts, switch the window to one, remove one (signed out, its cache
//! and keyring entry deleted). Every other command acts on the active account
//! (see docs/architecture.md, "Several accounts"); signing in (`login`) adds an
//! account or signs an existing one in again, and makes it active.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_specta::Event as _;
use tern_tray::menu::label;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::traymenu::TrayAccount;
use tern_core::proto::{Profile, UserId};
use tern_core::Client;

/// The signed-in account as the UI shows it.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub(crate) struct AppSession {
    /// Who is signed in.
    pub user: UserId,
    /// Which server.
    pub server_url: String,
    /// My profile (from the local cache).
    pub profile: Profile,
}

/// The active account's session, `None` when no account is signed in.
pub(crate) async fn session_of(state: &AppState) -> AppResult<Option<AppSession>> {
    let Some(id) = state.active_id() else {
        return Ok(None);
    };
    let (client, server_url) = {
        let live = state.live.lock().await;
        let Some(active) = live.iter().find(|a| a.id == id) else {
            return Ok(None);
        };
        (active.client.clone(), active.server_url.clone())
    };
    let Some(user) = client.user() else {
        return Ok(None);
    };
    let profile = client.my_profile().await?;
    Ok(Some(AppSession {
        user,
        server_url,
        profile,
    }))
}

/// One signed-in account as the switcher shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub(crate) struct AccountInfo {
    /// `user@server` as typed: the id the commands take.
    pub id: String,
    /// The user id.
    pub user: String,
    /// The server address as typed on the login screen.
    pub server_url: String,
    /// `user@host`, how notifications and the switcher name the account.
    pub label: String,
    /// Unread messages (muted chats left out), as on the tray.
    pub unread: u64,
    /// Whether the window shows this account.
    pub active: bool,
}

/// The signed-in accounts changed (one added, removed or switched to, or an
/// unread count moved).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub(crate) struct AccountsChanged {
    /// Every signed-in account, in the order they were added.
    pub accounts: Vec<AccountInfo>,
}

/// The signed-in accounts in the config's order.
pub(crate) async fn infos(state: &AppState) -> Vec<AccountInfo> {
    let live: Vec<(String, String)> = state
        .live
        .lock()
        .await
        .iter()
        .map(|a| (a.id.clone(), a.server_url.clone()))
        .collect();
    let registry = state.registry.lock().clone();
    let mut out: Vec<AccountInfo> = Vec::new();
    let ordered = registry
        .accounts
        .iter()
        .map(|r| r.id.clone())
        .chain(live.iter().map(|(id, _)| id.clone()));
    for id in ordered {
        if out.iter().any(|a| a.id == id) {
            continue;
        }
        let Some((_, server_url)) = live.iter().find(|(l, _)| *l == id) else {
            continue;
        };
        // User ids have no '@': the id is `user@server`.
        let user = id.split_once('@').map_or("", |(u, _)| u).to_owned();
        out.push(AccountInfo {
            label: label(server_url, &user),
            unread: state.unread_of(&id),
            active: registry.active.as_deref() == Some(id.as_str()),
            server_url: server_url.clone(),
            user,
            id,
        });
    }
    out
}

/// Tells the UI and the tray the accounts as they are now.
pub(crate) async fn emit_accounts<R: Runtime>(app: &AppHandle<R>) {
    let accounts = infos(&app.state::<AppState>()).await;
    crate::traymenu::show(app, tray_accounts(&accounts));
    if let Err(e) = (AccountsChanged { accounts }).emit(app) {
        tracing::warn!("emit accounts: {e}");
    }
}

/// The accounts as the tray's menu lists them.
fn tray_accounts(accounts: &[AccountInfo]) -> Vec<TrayAccount> {
    accounts
        .iter()
        .map(|a| TrayAccount {
            id: a.id.clone(),
            label: a.label.clone(),
            unread: a.unread,
            active: a.active,
        })
        .collect()
}

/// Shows account `id`'s unread count (`None`: it is gone): the sum over the
/// accounts on the tray icon, each account's in the tray menu.
pub(crate) fn show_unread<R: Runtime>(app: &AppHandle<R>, id: &str, n: Option<u64>) {
    let sum = app.state::<AppState>().record_unread(id, n);
    crate::shell::set_unread(app, sum);
    let app = app.clone();
    tauri::async_runtime::spawn(async move { refresh_tray(&app).await });
}

/// Takes account `id` out of the live set (its count off the tray); returns its
/// client to close or log out.
pub(crate) async fn take<R: Runtime>(app: &AppHandle<R>, id: &str) -> Option<Client> {
    let client = app.state::<AppState>().take(id).await?;
    show_unread(app, id, None);
    Some(client)
}

/// Shows the accounts and their unread counts on the tray (after a count moved).
pub(crate) async fn refresh_tray<R: Runtime>(app: &AppHandle<R>) {
    let accounts = infos(&app.state::<AppState>()).await;
    crate::traymenu::show(app, tray_accounts(&accounts));
}

/// Asks the UI to show account `id` (its entry in the tray menu was clicked);
/// the UI switches to it as from the switcher.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub(crate) struct ShowAccount {
    /// The account id (`user@server`).
    pub id: String,
}

/// Handles clicks on the tray menu's account entries: the window is shown,
/// switched to that account.
pub(crate) fn listen_tray<R: Runtime>(app: &AppHandle<R>) {
    app.on_menu_event(|app, event| {
        if let Some(id) = crate::traymenu::account_of(event.id().as_ref()) {
            open_from_tray(app, id);
        }
    });
}

/// Shows the window switched to account `id`. A window with its page is asked
/// to switch ([`ShowAccount`]: the UI empties its stores first); when tray mode
/// freed the window there is no page to mix up: `id` becomes the active account
/// and the window created next starts on it.
fn open_from_tray<R: Runtime>(app: &AppHandle<R>, id: &str) {
    if app.get_webview_window(crate::shell::WINDOW).is_none() {
        let state = app.state::<AppState>();
        if state.update_registry(|r| r.set_active(id)) {
            let app = app.clone();
            tauri::async_runtime::spawn(async move { emit_accounts(&app).await });
        }
    } else if let Err(e) = (ShowAccount { id: id.to_owned() }).emit(app) {
        tracing::warn!("emit show account: {e}");
    }
    // (The click toggled the entry's check mark: put it back until the switch.)
    crate::traymenu::render(app);
    crate::window::show_window(app);
}

/// The signed-in accounts, in the order they were added, with their unread counts.
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_accounts(state: State<'_, AppState>) -> AppResult<Vec<AccountInfo>> {
    Ok(infos(&state).await)
}

/// Shows account `id` in the window (every command then acts on it); the UI
/// empties its stores and loads this account's.
#[tauri::command]
#[specta::specta]
pub(crate) async fn switch_account(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> AppResult<AppSession> {
    if !state.live.lock().await.iter().any(|a| a.id == id) {
        return Err(no_such_account());
    }
    state.update_registry(|r| r.set_active(&id));
    emit_accounts(&app).await;
    session_of(&state)
        .await?
        .ok_or_else(AppError::not_logged_in)
}

/// Removes account `id` from the app: signs it out (its token revoked when the
/// server is reachable), deletes its keyring entry and its local data (cache,
/// outbox, downloaded files). Returns the session now shown: the same when a
/// background account was removed, another account's, or `None` when none is left.
#[tauri::command]
#[specta::specta]
pub(crate) async fn remove_account(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> AppResult<Option<AppSession>> {
    let client = take(&app, &id).await.ok_or_else(no_such_account)?;
    let dir = client.account_dir();
    if let Err(e) = client.logout().await {
        tracing::warn!("removing {id}: sign-out on the server failed: {e}");
    }
    client.close().await;
    state.update_registry(|r| r.remove(&id));
    let r = state.credentials.delete(&id).await;
    state.keyring_result(r);
    if let Some(dir) = dir.filter(|d| d.parent() == Some(state.data_dir.as_path())) {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            tracing::warn!("removing {}: {e}", dir.display());
        }
    }
    emit_accounts(&app).await;
    session_of(&state).await
}

fn no_such_account() -> AppError {
    AppError::new("no_such_account", "That account is not signed in.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_tray::menu::label_of_id;

    #[test]
    fn the_label_is_user_at_host() {
        assert_eq!(
            label("ws://127.0.0.1:7878", "alice"),
            "alice@127.0.0.1:7878"
        );
        assert_eq!(
            label(" wss://chat.example.org/, ws://n2:7878", "bob"),
            "bob@chat.example.org"
        );
        assert_eq!(
            label_of_id("alice@ws://127.0.0.1:7878"),
            "alice@127.0.0.1:7878"
        );
    }
}
