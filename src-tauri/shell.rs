//! Desktop shell integration: the system tray (unread total as title and a badge
//! icon; menu Open / the signed-in accounts (`traymenu`) / Mute notifications / Quit),
//! what closing the window does where a tray host exists or not ([`close_action`]),
//! Quit from the UI, and the single-instance id. The window's own lifecycle (showing
//! it, closing it to the tray, a second launch) is [`crate::window`], above tray mode.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::Serialize;
use specta::Type;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime, State};

/// Id of the app's tray icon.
pub const TRAY_ID: &str = "main";
/// Label of the app's window.
pub const WINDOW: &str = "main";

/// What the tray shows and whether notifications are muted.
#[derive(Default)]
pub struct Shell {
    /// "Mute notifications" in the tray menu.
    pub muted: AtomicBool,
    unread: AtomicU64,
    title: Mutex<Option<String>>,
    icons: Mutex<Option<(Image<'static>, Image<'static>)>>,
    mute_item: Mutex<Option<MuteItem>>,
}

type MuteItem = std::sync::Arc<dyn Fn(bool) + Send + Sync>;

/// Sets the global mute and the tray menu's check mark.
pub fn set_muted<R: Runtime>(app: &AppHandle<R>, muted: bool) {
    let shell = app.state::<Shell>();
    shell.muted.store(muted, Ordering::SeqCst);
    // Tray and menu handles are only touched on the main thread (see `set_unread`).
    let set = shell.mute_item.lock().clone();
    if let Some(set) = set {
        let _ = app.run_on_main_thread(move || set(muted));
    }
}

/// The shell as tests see it through [`shell_state`].
#[derive(Debug, Clone, Serialize, Type)]
pub struct ShellState {
    /// Whether the main window is shown (false when closed to the tray).
    pub window_visible: bool,
    /// Whether the main window is minimised (iconified by the window manager; closing
    /// it without a tray host does this).
    pub window_minimized: bool,
    /// Whether the main window has the keyboard focus.
    pub window_focused: bool,
    /// Whether a tray host (a StatusNotifierWatcher) is on the session bus right now:
    /// only then does closing the window hide it to the tray (else it minimises).
    pub tray_host: bool,
    /// This process's id (tests check that Quit really ends it).
    pub pid: u32,
    /// The tray's title label: the unread total, `None` when nothing is unread.
    pub tray_title: Option<String>,
    /// Whether the tray shows the icon variant with the unread badge.
    pub tray_badge: bool,
    /// "Mute notifications" is on.
    pub muted: bool,
    /// The tray icon's tooltip, in the app's language.
    pub tray_tooltip: String,
    /// The tray menu's labels (Open, Mute notifications, Quit), in the app's language.
    pub tray_menu: Vec<String>,
    /// The tray menu's account entries (`user@host`, with the unread count), in order.
    pub tray_accounts: Vec<String>,
}

pub use tern_tray::menu::title_for;

/// `base` with a red dot in its top-right corner (the unread badge).
pub fn badged(base: &Image<'_>) -> Image<'static> {
    let (w, h) = (base.width(), base.height());
    let mut rgba = base.rgba().to_vec();
    tern_tray::sni::add_badge(&mut rgba, w, h);
    Image::new_owned(rgba, w, h)
}

/// The unread total the tray shows.
pub fn unread<R: Runtime>(app: &AppHandle<R>) -> u64 {
    app.state::<Shell>().unread.load(Ordering::SeqCst)
}

/// Creates the tray icon and its menu (labelled in the app's language, see `texts`);
/// its "Open Tern" calls `open` ([`crate::window::show_window`]).
pub fn setup_tray<R: Runtime>(
    app: &tauri::App<R>,
    open_window: fn(&AppHandle<R>),
) -> tauri::Result<()> {
    let t = crate::texts::lang(app.handle()).texts();
    let open = MenuItem::with_id(app, "open", t.open_tern, true, None::<&str>)?;
    let mute =
        CheckMenuItem::with_id(app, "mute", t.mute_notifications, true, false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", t.quit, true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &mute, &quit])?;
    // The signed-in accounts go after "Open Tern" (clicks: `switcher::listen_tray`).
    crate::traymenu::attach(app.handle(), &menu, 1);
    let base = app
        .default_window_icon()
        .cloned()
        .map(|i| i.to_owned())
        .unwrap_or_else(|| Image::new_owned([0x1E, 0x88, 0xE5, 0xFF].repeat(32 * 32), 32, 32));
    let badge = badged(&base);
    let shell = app.state::<Shell>();
    *shell.icons.lock() = Some((base.clone(), badge));
    let item = mute.clone();
    *shell.mute_item.lock() = Some(std::sync::Arc::new(move |on| {
        let _ = item.set_checked(on);
    }));
    let (o, m, q) = (open.clone(), mute.clone(), quit.clone());
    let handle = app.handle().clone();
    let apply_now: crate::texts::ApplyTray = std::sync::Arc::new(move |lang, _unread| {
        let t = lang.texts();
        let _ = o.set_text(t.open_tern);
        let _ = m.set_text(t.mute_notifications);
        let _ = q.set_text(t.quit);
        let labels = [o.text(), m.text(), q.text()];
        handle
            .state::<crate::texts::Language>()
            .set_menu_labels(labels.into_iter().filter_map(Result::ok).collect());
        if let Some(tray) = handle.tray_by_id(TRAY_ID) {
            let tooltip = handle.state::<crate::texts::Language>().tooltip();
            let _ = tray.set_tooltip(Some(tooltip));
        }
        crate::traymenu::render(&handle);
    });
    // Called from any thread (the unread count comes from tokio tasks); the tray's and
    // the menu's handles are touched on the main thread only, see `set_unread`.
    let main = app.handle().clone();
    app.state::<crate::texts::Language>()
        .on_tray(std::sync::Arc::new(move |lang, unread| {
            let apply = apply_now.clone();
            let _ = main.run_on_main_thread(move || apply(lang, unread));
        }));
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(base)
        .tooltip("Tern")
        .menu(&menu)
        .on_menu_event(move |app, event| match event.id().as_ref() {
            "open" => open_window(app),
            "mute" => {
                let now = !app.state::<Shell>().muted.load(Ordering::SeqCst);
                set_muted(app, now);
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    app.state::<crate::texts::Language>().refresh_tray(0);
    Ok(())
}

/// Shows `unread` on the tray (title label and badge icon).
pub fn set_unread<R: Runtime>(app: &AppHandle<R>, unread: u64) {
    let shell = app.state::<Shell>();
    shell.unread.store(unread, Ordering::SeqCst);
    app.state::<tern_tray::launcher::Launcher>()
        .set_count(unread);
    app.state::<crate::texts::Language>().refresh_tray(unread);
    let title = title_for(unread);
    *shell.title.lock() = title.clone();
    let icon = shell.icons.lock().as_ref().map(|(base, badge)| {
        if unread > 0 {
            badge.clone()
        } else {
            base.clone()
        }
    });
    // On the main thread: Tauri's tray and menu handles wrap the tray's `Rc<RefCell<…>>`,
    // and a handle fetched or cloned on a tokio thread raced the main thread's own use
    // of it — the app aborted with "RefCell already borrowed" (tray-icon) and a corrupted
    // heap while a burst of messages moved the count (found 2026-12-06 with a core dump).
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || {
        if let Some(tray) = handle.tray_by_id(TRAY_ID) {
            let _ = tray.set_title(title.as_deref());
            if let Some(icon) = icon {
                let _ = tray.set_icon(Some(icon));
            }
        }
    });
}

/// The D-Bus name a tray host owns (KDE, the GNOME AppIndicator extension, most panels).
pub const TRAY_WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// Whether something owns [`TRAY_WATCHER`] on the session bus, i.e. a tray icon can be
/// seen (stock GNOME and bare X servers have none). False when there is no session bus.
pub fn tray_host_present() -> bool {
    let Ok(conn) = dbus::blocking::Connection::new_session() else {
        return false;
    };
    let bus = conn.with_proxy(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        std::time::Duration::from_millis(800),
    );
    bus.method_call("org.freedesktop.DBus", "NameHasOwner", (TRAY_WATCHER,))
        .map(|(owned,): (bool,)| owned)
        .unwrap_or(false)
}

/// What closing the main window does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// Hide the window; the tray icon's Open (or a second launch) brings it back.
    HideToTray,
    /// Minimise (iconify) the window: with no tray icon a hidden window could not be
    /// found again, a minimised one stays in the taskbar / window list.
    Minimise,
}

/// What closing does when "close to tray" is on (the default; off, closing quits, see
/// `window::on_window_event`): it hides to the tray when a tray host can show the icon,
/// else it minimises.
pub fn close_action(tray_host: bool) -> CloseAction {
    if tray_host {
        CloseAction::HideToTray
    } else {
        CloseAction::Minimise
    }
}

/// The single-instance D-Bus id: the app identifier, plus a hash of the data directory
/// when `TERN_APP_DATA_DIR` chooses one, so only launches on the same data directory
/// are the same instance (tests and side-by-side accounts use their own directories).
pub fn instance_id(identifier: &str, data_dir: Option<&std::ffi::OsStr>) -> String {
    match data_dir.filter(|d| !d.is_empty()) {
        None => identifier.to_owned(),
        Some(d) => {
            let path = std::path::Path::new(d);
            let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
            // FNV-1a: stable across builds (bus names allow only [A-Za-z0-9_-] per element).
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in path.as_os_str().as_encoded_bytes() {
                h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
            format!("{identifier}.d{h:016x}")
        }
    }
}

/// Quits the app (the UI's Quit and Ctrl+Q); the session's token stays for the next start.
#[tauri::command]
#[specta::specta]
pub fn quit(app: AppHandle) {
    app.exit(0);
}

/// The tray and window state (what the user sees outside the web view).
#[tauri::command]
#[specta::specta]
pub fn shell_state(app: AppHandle, shell: State<'_, Shell>) -> ShellState {
    let window = app.get_webview_window(WINDOW);
    let window_visible = window
        .as_ref()
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(false);
    let window_minimized = window
        .as_ref()
        .and_then(|w| w.is_minimized().ok())
        .unwrap_or(false);
    let window_focused = window
        .as_ref()
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    ShellState {
        window_visible,
        window_minimized,
        window_focused,
        tray_host: tray_host_present(),
        pid: std::process::id(),
        tray_title: shell.title.lock().clone(),
        tray_badge: shell.unread.load(Ordering::SeqCst) > 0,
        muted: shell.muted.load(Ordering::SeqCst),
        tray_tooltip: app.state::<crate::texts::Language>().tooltip(),
        tray_menu: tray_menu(&app),
        tray_accounts: app.state::<crate::traymenu::TrayAccounts>().labels(),
    }
}

/// The tray menu's labels as read back from the menu items.
fn tray_menu<R: Runtime>(app: &AppHandle<R>) -> Vec<String> {
    app.state::<crate::texts::Language>().menu_labels()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_follows_the_unread_total() {
        assert_eq!(title_for(0), None);
        assert_eq!(title_for(3).as_deref(), Some("3"));
        assert_eq!(title_for(120).as_deref(), Some("99+"));
    }

    #[test]
    fn closing_hides_to_the_tray_only_with_a_tray_host_else_minimises() {
        assert_eq!(close_action(true), CloseAction::HideToTray);
        assert_eq!(close_action(false), CloseAction::Minimise);
    }

    #[test]
    fn one_instance_per_data_directory() {
        let id = "im.tern.desktop";
        assert_eq!(instance_id(id, None), id);
        assert_eq!(instance_id(id, Some(std::ffi::OsStr::new(""))), id);
        let a = instance_id(id, Some(std::ffi::OsStr::new("/tmp/tern-a")));
        let b = instance_id(id, Some(std::ffi::OsStr::new("/tmp/tern-b")));
        assert_ne!(a, b);
        assert_eq!(
            a,
            instance_id(id, Some(std::ffi::OsStr::new("/tmp/tern-a")))
        );
        // A valid bus name element: letters, digits, '_' or '-', not starting with a digit.
        let last = a.rsplit('.').next().unwrap();
        assert!(
            last.starts_with('d') && last.chars().all(|c| c.is_ascii_alphanumeric()),
            "{a}"
        );
    }

    #[test]
    fn the_badge_marks_the_top_right_corner_only() {
        let base = Image::new_owned([0, 0, 0, 0].repeat(32 * 32), 32, 32);
        let b = badged(&base);
        let px = |x: u32, y: u32| b.rgba()[((y * 32 + x) * 4) as usize..][..4].to_vec();
        assert_eq!(px(31 - 7, 7), vec![0xE5, 0x39, 0x35, 0xFF]);
        assert_eq!(px(2, 29), vec![0, 0, 0, 0]);
    }
}
