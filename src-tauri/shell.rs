//! Desktop shell integration: the system tray (unread total as title and a badge
//! icon; menu Open / Mute notifications / Quit) and close-to-tray.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

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

type MuteItem = Box<dyn Fn(bool) + Send + Sync>;

/// Sets the global mute and the tray menu's check mark.
pub fn set_muted<R: Runtime>(app: &AppHandle<R>, muted: bool) {
    let shell = app.state::<Shell>();
    shell.muted.store(muted, Ordering::SeqCst);
    let item = shell.mute_item.lock().expect("mute item");
    if let Some(set) = item.as_ref() {
        set(muted);
    }
}

/// The shell as tests see it through [`shell_state`].
#[derive(Debug, Clone, Serialize, Type)]
pub struct ShellState {
    /// Whether the main window is shown (false when closed to the tray).
    pub window_visible: bool,
    /// The tray's title label: the unread total, `None` when nothing is unread.
    pub tray_title: Option<String>,
    /// Whether the tray shows the icon variant with the unread badge.
    pub tray_badge: bool,
    /// "Mute notifications" is on.
    pub muted: bool,
}

/// The tray label for an unread total.
pub fn title_for(unread: u64) -> Option<String> {
    match unread {
        0 => None,
        1..=99 => Some(unread.to_string()),
        _ => Some("99+".to_owned()),
    }
}

/// `base` with a red dot in its top-right corner (the unread badge).
pub fn badged(base: &Image<'_>) -> Image<'static> {
    let (w, h) = (base.width(), base.height());
    let mut rgba = base.rgba().to_vec();
    let r = (w.min(h) as f32 * 0.22).max(2.0);
    let (cx, cy) = (w as f32 - r - 0.5, r + 0.5);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            if dx * dx + dy * dy <= r * r {
                let i = ((y * w + x) * 4) as usize;
                rgba[i..i + 4].copy_from_slice(&[0xE5, 0x39, 0x35, 0xFF]);
            }
        }
    }
    Image::new_owned(rgba, w, h)
}

/// Shows, unminimizes and focuses the main window.
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(WINDOW) {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Creates the tray icon and its menu.
pub fn setup_tray<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Tern", true, None::<&str>)?;
    let mute =
        CheckMenuItem::with_id(app, "mute", "Mute notifications", true, false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &mute, &quit])?;
    let base = app
        .default_window_icon()
        .cloned()
        .map(|i| i.to_owned())
        .unwrap_or_else(|| Image::new_owned([0x1E, 0x88, 0xE5, 0xFF].repeat(32 * 32), 32, 32));
    let badge = badged(&base);
    let shell = app.state::<Shell>();
    *shell.icons.lock().expect("icons lock") = Some((base.clone(), badge));
    let item = mute.clone();
    *shell.mute_item.lock().expect("mute item") = Some(Box::new(move |on| {
        let _ = item.set_checked(on);
    }));
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(base)
        .tooltip("Tern")
        .menu(&menu)
        .on_menu_event(move |app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "mute" => {
                let now = !app.state::<Shell>().muted.load(Ordering::SeqCst);
                set_muted(app, now);
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    Ok(())
}

/// Shows `unread` on the tray (title label and badge icon).
pub fn set_unread<R: Runtime>(app: &AppHandle<R>, unread: u64) {
    let shell = app.state::<Shell>();
    shell.unread.store(unread, Ordering::SeqCst);
    let title = title_for(unread);
    *shell.title.lock().expect("title lock") = title.clone();
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_title(title.as_deref());
        let icon = shell
            .icons
            .lock()
            .expect("icons lock")
            .as_ref()
            .map(|(base, badge)| {
                if unread > 0 {
                    badge.clone()
                } else {
                    base.clone()
                }
            });
        if let Some(icon) = icon {
            let _ = tray.set_icon(Some(icon));
        }
    }
}

/// Closing the main window hides it to the tray; the session stays connected.
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    if let tauri::WindowEvent::CloseRequested { api, .. } = event {
        if window.label() == WINDOW {
            api.prevent_close();
            let _ = window.hide();
        }
    }
}

/// The tray and window state (what the user sees outside the web view).
#[tauri::command]
#[specta::specta]
pub fn shell_state(app: AppHandle, shell: State<'_, Shell>) -> ShellState {
    let window_visible = app
        .get_webview_window(WINDOW)
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(false);
    ShellState {
        window_visible,
        tray_title: shell.title.lock().expect("title lock").clone(),
        tray_badge: shell.unread.load(Ordering::SeqCst) > 0,
        muted: shell.muted.load(Ordering::SeqCst),
    }
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
    fn the_badge_marks_the_top_right_corner_only() {
        let base = Image::new_owned([0, 0, 0, 0].repeat(32 * 32), 32, 32);
        let b = badged(&base);
        let px = |x: u32, y: u32| b.rgba()[((y * 32 + x) * 4) as usize..][..4].to_vec();
        assert_eq!(px(31 - 7, 7), vec![0xE5, 0x39, 0x35, 0xFF]);
        assert_eq!(px(2, 29), vec![0, 0, 0, 0]);
    }
}
