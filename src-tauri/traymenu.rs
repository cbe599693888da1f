//! The tray says which account: one menu entry per signed-in account (`user@host`
//! with its unread count, a check mark on the one the window shows), between
//! "Open Tern" and "Mute notifications"; a click opens the window switched to that
//! account (`switcher::open_from_tray`). With several accounts the tooltip names
//! those with unread messages ("alice@host 2 · bob@host 1"); the tray's title
//! stays the total. The entries follow the app's language (`texts`).
//!
//! The model ([`entries`], [`tooltip`]) is pure; [`TrayAccounts`] keeps the
//! accounts last shown and renders them into the tray menu on the main thread.

use std::sync::Arc;

use parking_lot::Mutex;

use tauri::menu::{CheckMenuItem, Menu, PredefinedMenuItem};
use tauri::{AppHandle, Manager, Runtime};

pub(crate) use tern_tray::menu::{account_of, entries, tooltip, MenuEntry, TrayAccount};

type Render = Arc<dyn Fn(&[MenuEntry]) -> Vec<String> + Send + Sync>;

/// The accounts the tray shows and how to render them into its menu.
#[derive(Default)]
pub(crate) struct TrayAccounts {
    accounts: Mutex<Vec<TrayAccount>>,
    render: Mutex<Option<Render>>,
    labels: Mutex<Vec<String>>,
}

impl TrayAccounts {
    /// The account entries' labels as last rendered.
    pub(crate) fn labels(&self) -> Vec<String> {
        self.labels.lock().clone()
    }

    /// The accounts last shown.
    pub(crate) fn accounts(&self) -> Vec<TrayAccount> {
        self.accounts.lock().clone()
    }
}

/// Makes the account entries part of `menu`, inserted from `position` on (after
/// "Open Tern"), set off by a separator on each side.
pub(crate) fn attach<R: Runtime>(app: &AppHandle<R>, menu: &Menu<R>, position: usize) {
    let items: Mutex<Vec<(CheckMenuItem<R>, String)>> = Mutex::new(Vec::new());
    let separators: Mutex<Vec<PredefinedMenuItem<R>>> = Mutex::new(Vec::new());
    let (menu, handle) = (menu.clone(), app.clone());
    let render: Render = Arc::new(move |want: &[MenuEntry]| {
        let mut items = items.lock();
        let same =
            items.len() == want.len() && items.iter().zip(want).all(|((_, id), e)| *id == e.id);
        if !same {
            for (item, _) in items.drain(..) {
                let _ = menu.remove(&item);
            }
            let mut seps = separators.lock();
            for sep in seps.drain(..) {
                let _ = menu.remove(&sep);
            }
            if !want.is_empty() {
                // Open Tern, ─, the accounts, ─, Mute notifications, Quit.
                if let Ok(sep) = PredefinedMenuItem::separator(&handle) {
                    let _ = menu.insert(&sep, position);
                    seps.push(sep);
                }
            }
            let first = position + seps.len();
            for (i, e) in want.iter().enumerate() {
                match CheckMenuItem::with_id(&handle, &e.id, &e.text, true, e.checked, None::<&str>)
                {
                    Ok(item) => {
                        let _ = menu.insert(&item, first + i);
                        items.push((item, e.id.clone()));
                    }
                    Err(err) => tracing::warn!("tray entry for {}: {err}", e.id),
                }
            }
            if !want.is_empty() {
                if let Ok(sep) = PredefinedMenuItem::separator(&handle) {
                    let _ = menu.insert(&sep, first + items.len());
                    seps.push(sep);
                }
            }
        }
        for ((item, _), e) in items.iter().zip(want) {
            let _ = item.set_text(&e.text);
            // (A click toggles a check item by itself: set it back to what is true.)
            let _ = item.set_checked(e.checked);
        }
        items
            .iter()
            .filter_map(|(item, _)| item.text().ok())
            .collect()
    });
    *app.state::<TrayAccounts>().render.lock() = Some(render);
}

/// Shows `accounts` on the tray: the menu's entries and, with several, the
/// tooltip (the texts' tray refresh re-renders the entries, see [`render`]).
pub(crate) fn show<R: Runtime>(app: &AppHandle<R>, accounts: Vec<TrayAccount>) {
    let total = accounts.iter().map(|a| a.unread).sum();
    let tip = tooltip(&accounts);
    *app.state::<TrayAccounts>().accounts.lock() = accounts;
    let language = app.state::<crate::texts::Language>();
    language.set_accounts_tooltip(tip);
    language.refresh_tray(total);
}

/// Renders the accounts last shown into the tray menu in the current language,
/// on the main thread (where the menu lives; never while holding a lock another
/// thread waits on).
pub(crate) fn render<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || {
        let tray = handle.state::<TrayAccounts>();
        let Some(render) = tray.render.lock().clone() else {
            return;
        };
        let want = entries(crate::texts::lang(&handle), &tray.accounts());
        let labels = render(&want);
        *tray.labels.lock() = labels;
    });
}
