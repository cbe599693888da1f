//! The live accounts' lifecycle: a signed-in account becomes live with a task
//! pumping its tern-core events (to the UI when the window shows it; to the tray
//! count, the account switcher and notifications for every account), ends when the
//! server kicks it or its token expires, and comes back from the tray-only process
//! with the accounts it hands back (`--handoff-fd`, [`crate::handoff`]).
//!
//! Above [`crate::state`] (which only holds the live set) and the tray-side modules
//! this drives ([`crate::notify`], [`crate::switcher`]).

use tauri::{AppHandle, Runtime};
use tauri_specta::Event as _;
use tern_core::Client;
use tern_tray::handoff::{Account, Handoff};
use tokio::sync::broadcast;

use crate::error::AppResult;
use crate::events::{end_reason, CoreEvent, SessionEnded};
use crate::state::{Active, AppState};

/// A signed-in account `id` whose events are forwarded from now on
/// (subscribe before login so no connection event is missed).
pub(crate) fn activate<R: Runtime>(
    app: &AppHandle<R>,
    id: String,
    client: Client,
    rx: broadcast::Receiver<tern_core::Event>,
    server_url: String,
) -> Active {
    let forwarder =
        tauri::async_runtime::spawn(forward(app.clone(), id.clone(), client.clone(), rx));
    let (app2, c2, id2) = (app.clone(), client.clone(), id.clone());
    tauri::async_runtime::spawn(async move {
        if let Ok(total) = c2.total_unread().await {
            crate::notify::refresh_tray_unread(&app2, &id2, &c2, total).await;
        }
    });
    Active {
        id,
        client,
        server_url,
        forwarder,
    }
}

/// Pumps one account's events: the active account's to the UI; every
/// account's unread count to the tray and switcher, its new messages to
/// notifications; a kick or expiry signs that account out.
async fn forward<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    client: Client,
    mut rx: broadcast::Receiver<tern_core::Event>,
) {
    use tauri::Manager;
    loop {
        let state = app.state::<AppState>();
        match rx.recv().await {
            Ok(ev) => {
                match &ev {
                    tern_core::Event::TotalUnreadChanged { total } => {
                        crate::notify::refresh_tray_unread(&app, &id, &client, *total).await;
                        crate::switcher::emit_accounts(&app).await;
                    }
                    tern_core::Event::ConvSettingsChanged { .. } => {
                        // A mute from another device: the tray's total leaves that chat out.
                        if let Ok(total) = client.total_unread().await {
                            crate::notify::refresh_tray_unread(&app, &id, &client, total).await;
                        }
                    }
                    tern_core::Event::NewMessage { message, live } => {
                        crate::notify::on_new_message(&app, &id, &client, message, *live).await;
                    }
                    _ => {}
                }
                let shown = state.active_id().as_deref() == Some(id.as_str());
                let ended = end_reason(&ev);
                if shown {
                    if let Err(e) = CoreEvent(ev).emit(&app) {
                        tracing::warn!("emit core event: {e}");
                    }
                }
                if let Some(reason) = ended {
                    end_account(&app, &id, &client, shown, reason).await;
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                if state.active_id().as_deref() == Some(id.as_str()) {
                    tracing::warn!("UI event forwarder lagged by {n}; asking the UI to reload");
                    let _ = SessionEnded {
                        reason: None,
                        resync: true,
                        next: None,
                    }
                    .emit(&app);
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Account `id` was kicked or its token expired: out of the live set and the
/// config, its token forgotten (its cache stays, as after signing out). When
/// the window showed it, the UI learns why (and moves to another account if any).
async fn end_account<R: Runtime>(
    app: &AppHandle<R>,
    id: &str,
    client: &Client,
    shown: bool,
    reason: String,
) {
    use tauri::Manager;
    let state = app.state::<AppState>();
    {
        // Only if it is still this client (not a newer sign-in of the same account).
        let mut live = state.live.lock().await;
        if let Some(i) = live
            .iter()
            .position(|a| a.id == id && same(&a.client, client))
        {
            // This task is the forwarder: dropping its handle detaches it.
            drop(live.remove(i));
        } else {
            return;
        }
    }
    client.close().await;
    crate::switcher::show_unread(app, id, None);
    state.update_registry(|r| r.remove(id));
    let r = state.credentials.delete(id).await;
    state.keyring_result(r);
    if shown {
        let next = crate::switcher::session_of(&state).await.ok().flatten();
        let _ = SessionEnded {
            reason: Some(reason),
            resync: false,
            next,
        }
        .emit(app);
    }
    crate::switcher::emit_accounts(app).await;
}

fn same(a: &Client, b: &Client) -> bool {
    a.user() == b.user() && a.config().server_url == b.config().server_url
}

/// Signs in the accounts of a handoff the app was started with (before the
/// remembered ones): their tokens, no keyring; the handoff's account becomes the
/// active one. What arrived since the tray process stopped listening is caught up.
pub(crate) async fn restore<R: Runtime>(app: &AppHandle<R>, state: &AppState, h: Handoff) {
    for a in &h.accounts {
        if let Err(e) = restore_one(app, state, a, h.since_ms).await {
            tracing::warn!("{}: signing in again after tray mode failed: {e}", a.id);
        }
    }
    if let Some(id) = &h.active {
        state.update_registry(|r| r.set_active(id));
    }
}

async fn restore_one<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    a: &Account,
    since_ms: i64,
) -> AppResult<()> {
    if state.live.lock().await.iter().any(|l| l.id == a.id) {
        return Ok(());
    }
    let user = tern_core::proto::UserId::new(&a.user)?;
    let client = state.new_client_since(&a.server_url, Some(since_ms))?;
    let rx = client.subscribe();
    if let Err(e) = client.login_with_token(&user, &a.token).await {
        client.close().await;
        return Err(e.into());
    }
    let active = activate(app, a.id.clone(), client, rx, a.server_url.clone());
    state.insert(active).await;
    Ok(())
}
