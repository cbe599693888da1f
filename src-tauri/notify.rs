//! Desktop notifications in the app: one per new live message while the window is
//! not focused, unless notifications are muted globally (tray) or tern-core's
//! decision says no (the account's notifications off, the chat muted on the
//! server, the do-not-disturb window: `Client::should_notify`). What a
//! notification says and which daemon signals count is `tern_tray::notice`,
//! shared with the tray-only process. Actions: "default" (click) opens the window
//! on the chat; "Mark as read" reads it; an inline reply is sent to the chat.

use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event as _;
use tern_core::{Client, LocalMessage};
use tern_tray::notice::{allowed, compose, listen_to_daemon, should_notify, DaemonSignal};

pub use tern_tray::notice::{now_ms, Shown};

use crate::shell::{Shell, WINDOW};
use crate::window::show_window;

/// Listens on the session bus for the daemon's signals about our notifications
/// (click → open the chat, "Mark as read", inline reply → send it) for the app's
/// lifetime, on its own thread. Signals from anyone but the daemon are ignored.
pub fn start_reply_listener<R: Runtime>(app: AppHandle<R>) {
    std::thread::spawn(move || {
        let conn = match dbus::blocking::Connection::new_session() {
            Ok(c) => c,
            Err(e) => {
                tracing::info!("no session bus for notification actions: {e}");
                return;
            }
        };
        let handler = move |s: DaemonSignal| on_daemon_signal(&app, s);
        if let Err(e) = listen_to_daemon(&conn, handler) {
            tracing::warn!("notification actions: {e}");
            return;
        }
        loop {
            if let Err(e) = conn.process(std::time::Duration::from_secs(1)) {
                tracing::warn!("notification actions: {e}");
                return;
            }
        }
    });
}

/// Acts on a (checked) daemon signal about one of our notifications.
fn on_daemon_signal<R: Runtime>(app: &AppHandle<R>, s: DaemonSignal) {
    let shown = app.state::<Shown>();
    match s {
        DaemonSignal::Action(id, action) => {
            let Some((account, client, conv)) = shown.get(id) else {
                return;
            };
            match action.as_str() {
                "default" => {
                    // No window (tray mode freed it): the one show_window creates asks
                    // for this chat at start; an existing one gets the event below.
                    if app.get_webview_window(WINDOW).is_none() {
                        app.state::<crate::traymode::TrayMode>()
                            .open_on(conv.to_string());
                    }
                    show_window(app);
                    let _ = OpenChat {
                        conv: conv.to_string(),
                        account,
                    }
                    .emit(app);
                }
                "read" => {
                    if let Err(e) = tauri::async_runtime::block_on(client.mark_read(&conv)) {
                        tracing::warn!("mark read from notification: {e}");
                    }
                }
                _ => {}
            }
        }
        DaemonSignal::Replied(id, text) => {
            if let Some((_, client, conv)) = shown.remove(id) {
                if let Err(e) = tauri::async_runtime::block_on(client.send_text(&conv, &text)) {
                    tracing::warn!("inline reply: {e}");
                }
            }
        }
        DaemonSignal::Closed(id) => {
            shown.remove(id);
        }
    }
}

/// Asks the UI to show a chat (a notification was clicked).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OpenChat {
    /// The conversation id.
    pub conv: String,
    /// The account it belongs to (the UI switches to it first when another is shown).
    pub account: String,
}

fn window_focused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(WINDOW)
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false))
}

/// Shows a notification for `m` (received by account `account`) when it
/// should; with several accounts its title names the account
/// ("alice@host: Bob"). Actions are handled on a blocking thread.
pub async fn on_new_message<R: Runtime>(
    app: &AppHandle<R>,
    account: &str,
    client: &Client,
    m: &LocalMessage,
    live: bool,
) {
    let muted = app.state::<Shell>().muted.load(Ordering::SeqCst);
    let focused = window_focused(app);
    // The desktop's own checks first; tern-core's decision (a cache read) only then.
    if !should_notify(m, live, focused, muted, true) || !allowed(client, m).await {
        return;
    }
    let several = app.state::<crate::state::AppState>().account_count() > 1;
    let label = several.then(|| tern_tray::menu::label_of_id(account));
    let t = crate::texts::lang(app).texts();
    let composed = compose(client, label.as_deref(), m, t).await;
    let (app, client, conv_id) = (app.clone(), client.clone(), m.conv.clone());
    let account = account.to_owned();
    // notify-rust blocks on D-Bus: show it on a thread; actions come to the listener.
    std::thread::spawn(move || match tern_tray::notice::show(&composed, t) {
        Ok(id) => app.state::<Shown>().insert(id, (account, client, conv_id)),
        Err(e) => tracing::warn!("notification: {e}"),
    });
}

/// Sets account `id`'s unread count, leaving out chats muted on the server
/// (`total` is tern-core's count over every chat); the tray shows the sum over
/// the accounts.
pub async fn refresh_tray_unread<R: Runtime>(
    app: &AppHandle<R>,
    id: &str,
    client: &Client,
    total: u64,
) {
    let n = tern_tray::notice::unread_without_muted(client, total).await;
    crate::switcher::show_unread(app, id, Some(n));
}

/// Mutes or unmutes all notifications (the tray's "Mute notifications").
#[tauri::command]
#[specta::specta]
pub fn set_notifications_muted(app: AppHandle, muted: bool) {
    crate::shell::set_muted(&app, muted);
}
