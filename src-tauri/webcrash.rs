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
//! [`MAX_RELOADS`] crashes within [`RELOAD_PERIOD`] the window shows a page of its
//! own instead ([`stopped_page`]: no script, in the app's language) saying so, with
//! a "Reload now" link to the app's page, which it also follows by itself after
//! [`RETRY_AFTER`] — so a window never stays blank, and a page that keeps crashing
//! is tried at most once per [`RETRY_AFTER`]. A process ended through WebKit's API
//! ("terminated by API") is left alone; a window destroyed on purpose (tray mode,
//! Quit) takes its handler with it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tauri::{Runtime, WebviewWindow};
use tern_tray::notice::escape_markup;
use tern_tray::texts::Lang;

/// Crashes within [`RELOAD_PERIOD`] that are still answered with a reload.
pub(crate) const MAX_RELOADS: usize = 3;
/// See [`MAX_RELOADS`].
pub(crate) const RELOAD_PERIOD: Duration = Duration::from_secs(60);
/// How long the page shown after too many crashes waits before it reloads the app's
/// page by itself.
pub(crate) const RETRY_AFTER: Duration = Duration::from_secs(30);

/// The page shown in place of the app's after too many crashes: what happened, and a
/// link back to `app_url` (the app's page), which a `refresh` follows after
/// [`RETRY_AFTER`]. Static: no script of its own.
pub(crate) fn stopped_page(lang: Lang, app_url: &str) -> String {
    let t = lang.texts();
    let secs = RETRY_AFTER.as_secs();
    let url = escape_markup(app_url);
    let html_lang = match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-CN",
    };
    format!(
        r#"<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{secs};url={url}">
<meta name="viewport" content="width=device-width">
<title>Tern</title>
<style>
body {{ margin: 0; height: 100vh; display: flex; align-items: center; justify-content: center;
  font: 15px/1.5 system-ui, "Noto Sans CJK SC", sans-serif; color: #1f2328; background: #f6f7f9; }}
main {{ max-width: 28em; padding: 1.5em; text-align: center; }}
a {{ display: inline-block; margin-top: .5em; padding: .5em 1.2em; border-radius: 6px;
  background: #2f6fed; color: #fff; text-decoration: none; }}
@media (prefers-color-scheme: dark) {{ body {{ color: #e6e8eb; background: #1b1d21; }} }}
</style></head>
<body><main id="window-stopped"><p>{stopped}</p><p>{retrying}</p>
<a id="reload" href="{url}">{reload}</a></main></body></html>
"#,
        stopped = escape_markup(t.window_stopped),
        retrying = escape_markup(&t.window_retrying.replace("{s}", &secs.to_string())),
        reload = escape_markup(t.reload),
    )
}

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
/// times within [`RELOAD_PERIOD`]; after that [`stopped_page`], which comes back to
/// the app's page by itself), calling `before_reload` first. Linux only (the signal
/// is WebKitGTK's); elsewhere this does nothing.
pub(crate) fn reload_on_crash<R: Runtime>(
    window: &WebviewWindow<R>,
    before_reload: impl Fn() + Send + Sync + 'static,
) {
    #[cfg(target_os = "linux")]
    {
        use tauri::Manager;
        let app = window.app_handle().clone();
        let result = window.with_webview(move |platform| {
            use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
            // The signal runs on GTK's main thread only.
            let crashes = std::cell::RefCell::new(Crashes::default());
            // The app's page, from the first crash on (the stopped page is loaded with
            // it as its base, so the view's URI stays the app's either way).
            let app_url = std::cell::RefCell::new(None::<String>);
            platform
                .inner()
                .connect_web_process_terminated(move |view, reason| {
                    if matches!(reason, Reason::TerminatedByApi) {
                        return;
                    }
                    let url = {
                        let mut known = app_url.borrow_mut();
                        if known.is_none() {
                            *known = view.uri().map(|u| u.to_string());
                        }
                        known.clone().unwrap_or_default()
                    };
                    if crashes.borrow_mut().reload(Instant::now()) {
                        tracing::error!(
                            ?reason,
                            "the window's web process ended; reloading the page"
                        );
                        before_reload();
                        view.reload();
                        return;
                    }
                    if url.is_empty() {
                        tracing::error!(
                            ?reason,
                            "the window's web process ended again; no page to reload"
                        );
                        return;
                    }
                    before_reload();
                    tracing::error!(
                        ?reason,
                        "the window's web process ended again ({} times within {} s); \
                         showing a page that reloads the app's after {} s",
                        MAX_RELOADS + 1,
                        RELOAD_PERIOD.as_secs(),
                        RETRY_AFTER.as_secs()
                    );
                    let lang = app.state::<crate::texts::Language>().get();
                    view.load_html(&stopped_page(lang, &url), Some(&url));
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
    fn the_stopped_page_links_back_and_refreshes_to_the_apps_page_escaped() {
        let url = "tauri://localhost/?a=1&b=\"x\"";
        let en = stopped_page(Lang::En, url);
        let href = "tauri://localhost/?a=1&amp;b=&quot;x&quot;";
        assert!(en.contains(&format!(r#"content="30;url={href}""#)), "{en}");
        assert!(en.contains(&format!(r#"<a id="reload" href="{href}">Reload now</a>"#)));
        assert!(en.contains("Tern&#39;s window stopped working several times in a row."));
        assert!(en.contains("It tries again by itself in 30 seconds."));
        assert!(!en.contains("<script"), "no script of its own");
        let zh = stopped_page(Lang::ZhCn, url);
        assert!(zh.contains(r#"<html lang="zh-CN">"#));
        assert!(zh.contains("30 秒后将自动重试。") && zh.contains("立即重新加载"));
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
