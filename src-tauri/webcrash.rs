//! A window whose web process died comes back by itself. WebKitGTK runs the UI in a
//! separate web process; when that process crashes (or the system kills it for
//! memory), the window stays open but blank until something reloads it, and
//! nothing else does (Tauri and wry leave the signal unhandled). Here the crash is
//! logged with its reason and the page reloaded, which starts a new web process:
//! the UI starts again and asks tern-core (which lives in this process and never
//! stopped) for the signed-in account and its chats; the caller's `before_reload`
//! lets it reopen the chat that was open (as for a window tray mode recreated).
//!
//! A page that takes its web process down every time it starts would be reloaded
//! forever (a new process and a log line each time, the CPU busy until Quit): after
//! [`MAX_RELOADS`] crashes within [`RELOAD_PERIOD`] the window is left as it is and
//! the log says so. A process ended through WebKit's API ("terminated by API") is
//! left alone; a window destroyed on purpose (tray mode, Quit) takes its handler
//! with it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tauri::{Runtime, WebviewWindow};

/// Crashes within [`RELOAD_PERIOD`] that are still answered with a reload.
pub(crate) const MAX_RELOADS: usize = 3;
/// See [`MAX_RELOADS`].
pub(crate) const RELOAD_PERIOD: Duration = Duration::from_secs(60);

/// The recent crashes of one window's web process.
#[derive(Default)]
struct Crashes(VecDeque<Instant>);

impl Crashes {
    /// A crash at `now`: whether to reload (fewer than [`MAX_RELOADS`] before it
    /// within [`RELOAD_PERIOD`]).
    fn reload(&mut self, now: Instant) -> bool {
        while self
            .0
            .front()
            .is_some_and(|&t| now.duration_since(t) >= RELOAD_PERIOD)
        {
            self.0.pop_front();
        }
        self.0.push_back(now);
        self.0.len() <= MAX_RELOADS
    }
}

/// Reloads `window`'s page when its web process crashes (at most [`MAX_RELOADS`]
/// times within [`RELOAD_PERIOD`]), calling `before_reload` first. Linux only (the
/// signal is WebKitGTK's); elsewhere this does nothing.
pub(crate) fn reload_on_crash<R: Runtime>(
    window: &WebviewWindow<R>,
    before_reload: impl Fn() + Send + Sync + 'static,
) {
    #[cfg(target_os = "linux")]
    {
        let result = window.with_webview(move |platform| {
            use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
            // The signal runs on GTK's main thread only.
            let crashes = std::cell::RefCell::new(Crashes::default());
            platform
                .inner()
                .connect_web_process_terminated(move |view, reason| {
                    if matches!(reason, Reason::TerminatedByApi) {
                        return;
                    }
                    if !crashes.borrow_mut().reload(Instant::now()) {
                        tracing::error!(
                            ?reason,
                            "the window's web process ended again ({} times within {} s); \
                             not reloading the page any more",
                            MAX_RELOADS + 1,
                            RELOAD_PERIOD.as_secs()
                        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_that_keeps_crashing_is_reloaded_three_times_a_minute_then_left() {
        let t0 = Instant::now();
        let mut c = Crashes::default();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert!(c.reload(at(0)));
        assert!(c.reload(at(1)));
        assert!(c.reload(at(2)));
        assert!(!c.reload(at(3)), "a fourth crash within a minute");
        assert!(!c.reload(at(30)));
        // A minute after the earlier crashes have aged out, reloads resume.
        assert!(c.reload(at(91)));
        assert!(c.reload(at(200)));
    }

    #[test]
    fn crashes_far_apart_are_always_reloaded() {
        let t0 = Instant::now();
        let mut c = Crashes::default();
        for i in 0..10 {
            assert!(c.reload(t0 + Duration::from_secs(i * 61)), "crash {i}");
        }
    }
}
