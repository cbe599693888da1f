//! A window whose web process died comes back by itself. WebKitGTK runs the UI in a
//! separate web process; when that process crashes (or the system kills it for
//! memory), the window stays open but blank until something reloads it, and
//! nothing else does (Tauri and wry leave the signal unhandled). Here the crash is
//! logged with its reason and the page reloaded, which starts a new web process:
//! the UI starts again and asks tern-core (which lives in this process and never
//! stopped) for the signed-in account and its chats; the caller's `before_reload`
//! lets it reopen the chat that was open (as for a window tray mode recreated).
//!
//! A web process ended on purpose (the window destroyed by tray mode, the app
//! quitting) is reported as "terminated by API" and left alone.

use tauri::{Runtime, WebviewWindow};

/// Reloads `window`'s page whenever its web process crashes, calling
/// `before_reload` first. Linux only (the signal is WebKitGTK's); elsewhere this
/// does nothing.
pub(crate) fn reload_on_crash<R: Runtime>(
    window: &WebviewWindow<R>,
    before_reload: impl Fn() + Send + Sync + 'static,
) {
    #[cfg(target_os = "linux")]
    {
        let result = window.with_webview(move |platform| {
            use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
            platform
                .inner()
                .connect_web_process_terminated(move |view, reason| {
                    if matches!(reason, Reason::TerminatedByApi) {
                        return;
                    }
                    tracing::error!(
                        ?reason,
                        "the window's web process ended; reloading the page"
                    );
                    before_reload();
                    view.reload();
                });
        });
        if let Err(e) = result {
            tracing::warn!("cannot watch the window's web process: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (window, before_reload);
}
