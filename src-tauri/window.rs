//! The main window's lifecycle as the user drives it: showing it (created anew if
//! tray mode freed it), closing it (to the tray where a tray host can show the icon,
//! else minimised; [`crate::shell::close_action`]) and a second launch of the app.
//! Above [`crate::traymode`], which frees a hidden window and builds it again.

use tauri::{AppHandle, Manager, Runtime};

use crate::shell::{close_action, tray_host_present, CloseAction, WINDOW};

/// Shows, unminimizes and focuses the main window (created anew if tray mode
/// destroyed it, see `traymode`).
pub(crate) fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = crate::traymode::ensure_window(app) {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Closing the main window keeps the app running and connected: hidden to the tray
/// where a tray host can show the icon, minimised where none can (see [`close_action`]);
/// with "close to tray" off in the settings ([`crate::desktop`]) it quits.
pub(crate) fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    if let tauri::WindowEvent::CloseRequested { api, .. } = event {
        if window.label() == WINDOW {
            api.prevent_close();
            if !crate::desktop::close_to_tray(window.app_handle()) {
                window.app_handle().exit(0);
                return;
            }
            match close_action(tray_host_present()) {
                CloseAction::HideToTray => {
                    let _ = window.hide();
                    // After a while hidden, the webview goes (tray mode).
                    crate::traymode::hidden(window.app_handle());
                }
                CloseAction::Minimise => {
                    tracing::info!("no tray host on the session bus: closing minimises the window");
                    let _ = window.minimize();
                }
            }
        }
    }
}

/// A second launch (same data directory) ran: show, un-minimise and focus this window.
pub(crate) fn on_second_instance<R: Runtime>(app: &AppHandle<R>, _args: Vec<String>, _cwd: String) {
    tracing::info!("a second launch: showing the running window");
    // (show_window un-minimises too: closing without a tray host minimised it.)
    show_window(app);
}
