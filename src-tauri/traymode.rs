//! Tray mode that frees the webview: once the main window has been hidden to the
//! tray for [`TrayMode::free_after`] (a setting, default [`DEFAULT_FREE_AFTER`];
//! zero = never), the window and its webview are destroyed, so WebKit's web process
//! exits and its memory goes back to the system; then [`crate::trim`] ends the
//! network process and gives back what the window left in the app's own
//! process. Everything that must keep working then is driven from Rust already:
//! the connection (tern-core), the tray's unread count (`shell::set_unread`) and
//! notifications (`notify`).
//!
//! Opening from the tray, a notification or a second launch recreates the window
//! ([`ensure_window`]); the UI then asks which chat to show ([`chat_to_open`]): the
//! one a clicked notification named, else the one that was open before
//! ([`remember_chat`]).
//!
//! Then, when the tray-only program is installed, the app becomes it
//! ([`crate::handoff`]); else the window's memory is trimmed here ([`crate::trim`]).
//!
//! Tauri exits when its last window goes; [`keep_running`] stops that for the exit
//! a destroyed window asks for (no exit code), never for Quit (`app.exit(0)`).

use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Manager, Runtime, State, WebviewWindowBuilder};

use crate::shell::WINDOW;

/// How long a window hidden to the tray is kept before it is destroyed, by default.
pub const DEFAULT_FREE_AFTER: Duration = Duration::from_secs(60);
/// Environment variable overriding the default (seconds; tests use a short one).
pub const FREE_AFTER_ENV: &str = "TERN_TRAY_FREE_AFTER_SECS";
/// Longest delay the setting accepts (a day); longer values are cut to it.
pub const MAX_FREE_AFTER_SECS: u32 = 86_400;
/// Longest chat id remembered (ids are far shorter; anything longer is not one).
const MAX_CHAT_ID: usize = 512;

/// The tray mode's state.
pub struct TrayMode {
    /// Seconds after hiding before the window is destroyed; 0 = never.
    free_after_secs: AtomicU64,
    /// Bumped by every hide and show: a pending destroy only runs if it is unchanged.
    hides: AtomicU64,
    /// The chat open in the window (what a recreated window shows again).
    open_chat: Mutex<Option<String>>,
    /// A chat a clicked notification asked for, shown by the next window start.
    pending_chat: Mutex<Option<String>>,
    /// The window was recreated (or its page reloaded after its web process
    /// crashed) and its page has not asked [`chat_to_open`] yet (a reload the user
    /// asked for does not reopen the chat).
    recreated: AtomicBool,
    /// Tray mode destroyed the window on purpose and none has been built since:
    /// the exit Tauri then asks for is refused. A window closed any other way
    /// (e.g. a WebDriver session ending) still ends the app as before.
    freed: AtomicBool,
}

impl Default for TrayMode {
    fn default() -> Self {
        let secs = std::env::var(FREE_AFTER_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .map(|s| u64::from(s.min(MAX_FREE_AFTER_SECS)))
            .unwrap_or(DEFAULT_FREE_AFTER.as_secs());
        Self {
            free_after_secs: AtomicU64::new(secs),
            hides: AtomicU64::new(0),
            open_chat: Mutex::new(None),
            pending_chat: Mutex::new(None),
            recreated: AtomicBool::new(false),
            freed: AtomicBool::new(false),
        }
    }
}

impl TrayMode {
    /// The delay before a hidden window is destroyed; `None` = never.
    pub fn free_after(&self) -> Option<Duration> {
        match self.free_after_secs.load(Ordering::SeqCst) {
            0 => None,
            s => Some(Duration::from_secs(s)),
        }
    }

    /// A new hide or show: cancels any destroy still waiting; returns its number.
    fn bump(&self) -> u64 {
        self.hides.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The chat the next window start should show: a notification's, else (in a
    /// recreated window) the one open before; each only once.
    pub fn take_chat_to_open(&self) -> Option<String> {
        let pending = self.pending_chat.lock().take();
        let recreated = self.recreated.swap(false, Ordering::SeqCst);
        pending.or_else(|| recreated.then(|| self.open_chat.lock().clone()).flatten())
    }

    /// The chat open in the window (or last open before it was destroyed).
    pub fn open_chat(&self) -> Option<String> {
        self.open_chat.lock().clone()
    }

    /// A clicked notification asks for `conv`.
    pub fn open_on(&self, conv: String) {
        *self.pending_chat.lock() = Some(conv);
    }
}

/// The main window was hidden to the tray: destroy it after the delay unless it is
/// shown again (or hidden anew) meanwhile.
pub fn hidden<R: Runtime>(app: &AppHandle<R>) {
    let mode = app.state::<TrayMode>();
    let n = mode.bump();
    let Some(delay) = mode.free_after() else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(delay).await;
        let mode = app.state::<TrayMode>();
        if mode.hides.load(Ordering::SeqCst) != n {
            return;
        }
        if let Some(w) = app.get_webview_window(WINDOW) {
            if w.is_visible().unwrap_or(true) {
                return;
            }
            tracing::info!(
                "hidden to the tray for {}s: destroying the window to free the webview",
                delay.as_secs()
            );
            mode.freed.store(true, Ordering::SeqCst);
            if let Err(e) = w.destroy() {
                mode.freed.store(false, Ordering::SeqCst);
                tracing::warn!("destroy the hidden window: {e}");
            } else if let Some(program) = crate::handoff::tray_program() {
                // Let WebKit finish tearing the webview down, then become the
                // tray-only process (the network process ends with this one).
                tokio::time::sleep(crate::trim::SETTLE).await;
                if app.get_webview_window(WINDOW).is_none() {
                    let open_chat = app.state::<TrayMode>().open_chat();
                    crate::handoff::to_tray(&app, &program, open_chat).await;
                }
            } else {
                crate::trim::after_free(&app);
            }
        }
    });
}

/// The main window, created anew when tray mode destroyed it; cancels a pending destroy.
pub fn ensure_window<R: Runtime>(app: &AppHandle<R>) -> Option<tauri::WebviewWindow<R>> {
    app.state::<TrayMode>().bump();
    if let Some(w) = app.get_webview_window(WINDOW) {
        return Some(w);
    }
    match build_window(app) {
        Ok(w) => {
            let mode = app.state::<TrayMode>();
            mode.recreated.store(true, Ordering::SeqCst);
            mode.freed.store(false, Ordering::SeqCst);
            Some(w)
        }
        Err(e) => {
            tracing::warn!("recreate the main window: {e}");
            None
        }
    }
}

/// Builds the main window from tauri.conf.json (the app's own pages only; web links
/// go to the browser, see `allow_navigation`).
pub fn build_window<R: Runtime, M: Manager<R>>(
    manager: &M,
) -> tauri::Result<tauri::WebviewWindow<R>> {
    let config = manager
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == WINDOW)
        .cloned()
        // (tauri.conf.json defines no "main" window.)
        .ok_or(tauri::Error::WindowNotFound)?;
    let window = WebviewWindowBuilder::from_config(manager, &config)?
        .on_navigation(crate::allow_navigation)
        .on_new_window(|_, _| NewWindowResponse::Deny)
        .build()?;
    let app = window.app_handle().clone();
    crate::webcrash::reload_on_crash(&window, move || {
        // The new page shows the chat that was open, as in a recreated window.
        app.state::<TrayMode>()
            .recreated
            .store(true, Ordering::SeqCst);
    });
    Ok(window)
}

/// Keeps the app running when tray mode destroyed its last window: Tauri asks to
/// exit with no code then. Quit asks with a code and is let through, and so is the
/// exit after a window closed by anything else (tray mode did not free it).
pub fn keep_running<R: Runtime>(
    app: &AppHandle<R>,
    code: Option<i32>,
    api: &tauri::ExitRequestApi,
) {
    if code.is_none() && app.state::<TrayMode>().freed.load(Ordering::SeqCst) {
        api.prevent_exit();
    }
}

/// How long the window stays after being closed to the tray before it is destroyed
/// to free memory (seconds; 0 = never). The UI sends the user's choice at start.
#[tauri::command]
#[specta::specta]
pub fn set_tray_free_after(mode: State<'_, TrayMode>, secs: u32) {
    mode.free_after_secs
        .store(u64::from(secs.min(MAX_FREE_AFTER_SECS)), Ordering::SeqCst);
}

/// The delay in effect (seconds; 0 = never), for the settings screen.
#[tauri::command]
#[specta::specta]
pub fn tray_free_after(mode: State<'_, TrayMode>) -> u32 {
    mode.free_after().map_or(0, |d| d.as_secs() as u32)
}

/// The chat now open in the window (`null`: none), shown again if the window is recreated.
#[tauri::command]
#[specta::specta]
pub fn remember_chat(mode: State<'_, TrayMode>, conv: Option<String>) {
    let conv = conv.filter(|c| !c.is_empty() && c.len() <= MAX_CHAT_ID);
    *mode.open_chat.lock() = conv;
}

/// The chat the window should show on start, if any: the one a clicked notification
/// named, else in a window recreated by tray mode the one open before (not after a
/// mere reload of the page).
#[tauri::command]
#[specta::specta]
pub fn chat_to_open(mode: State<'_, TrayMode>) -> Option<String> {
    mode.take_chat_to_open()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_chat_comes_before_the_open_one_and_only_once_after_a_recreation() {
        let m = TrayMode::default();
        assert_eq!(m.take_chat_to_open(), None);
        *m.open_chat.lock() = Some("d:alice:bob".into());
        // A reload of the page (no recreation, no notification) reopens nothing.
        assert_eq!(m.take_chat_to_open(), None);
        m.open_on("g:team".into());
        m.recreated.store(true, Ordering::SeqCst);
        assert_eq!(m.take_chat_to_open().as_deref(), Some("g:team"));
        assert_eq!(m.take_chat_to_open(), None);
        m.recreated.store(true, Ordering::SeqCst);
        assert_eq!(m.take_chat_to_open().as_deref(), Some("d:alice:bob"));
        assert_eq!(m.take_chat_to_open(), None);
    }

    #[test]
    fn zero_means_never_and_every_hide_or_show_cancels_the_last() {
        let m = TrayMode::default();
        m.free_after_secs.store(0, Ordering::SeqCst);
        assert_eq!(m.free_after(), None);
        m.free_after_secs.store(5, Ordering::SeqCst);
        assert_eq!(m.free_after(), Some(Duration::from_secs(5)));
        let a = m.bump();
        let b = m.bump();
        assert_ne!(a, b);
    }
}
