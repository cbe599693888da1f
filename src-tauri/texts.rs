//! Texts the Rust side shows outside the webview — the tray menu and tooltip,
//! notification actions and previews — in the app's language (zh-CN or English).
//! The UI tells it the language it shows ([`set_language`]) at start and on
//! every switch; until then, English.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tauri::{AppHandle, Manager, Runtime, State};

pub(crate) use tern_tray::texts::Lang;

pub(crate) type ApplyTray = std::sync::Arc<dyn Fn(Lang, u64) + Send + Sync>;

/// The app's language, and how to re-label the tray when it changes.
#[derive(Default)]
pub(crate) struct Language {
    zh: AtomicBool,
    /// The unread total the tray was last labelled for.
    unread: AtomicU64,
    tray: Mutex<Option<ApplyTray>>,
    tooltip: Mutex<String>,
    /// With several accounts, the tooltip naming them (`traymenu::tooltip`).
    accounts_tooltip: Mutex<Option<String>>,
    labels: Mutex<Vec<String>>,
}

impl Language {
    /// The current language.
    pub(crate) fn get(&self) -> Lang {
        if self.zh.load(Ordering::SeqCst) {
            Lang::ZhCn
        } else {
            Lang::En
        }
    }

    /// Registers how the tray's labels and tooltip are set (by `shell::setup_tray`).
    pub(crate) fn on_tray(&self, apply: ApplyTray) {
        *self.tray.lock() = Some(apply);
    }

    /// Re-labels the tray for the current language and `unread`.
    pub(crate) fn refresh_tray(&self, unread: u64) {
        let lang = self.get();
        self.unread.store(unread, Ordering::SeqCst);
        let accounts = self.accounts_tooltip.lock().clone();
        *self.tooltip.lock() = match accounts {
            Some(t) if unread > 0 => t,
            _ => lang.tooltip(unread),
        };
        // Called without the lock held: the tray's menu calls wait for the main thread.
        let apply = self.tray.lock().clone();
        if let Some(apply) = apply {
            apply(lang, unread);
        }
    }

    /// The tooltip naming the accounts with unread messages (several accounts
    /// signed in), or `None` for the plain one; shown from the next refresh.
    pub(crate) fn set_accounts_tooltip(&self, tooltip: Option<String>) {
        *self.accounts_tooltip.lock() = tooltip;
    }

    /// Records the tray menu's labels (read back from its items after setting them).
    pub(crate) fn set_menu_labels(&self, labels: Vec<String>) {
        *self.labels.lock() = labels;
    }

    /// The tray menu's labels as last set.
    pub(crate) fn menu_labels(&self) -> Vec<String> {
        self.labels.lock().clone()
    }

    /// The tooltip last set on the tray.
    pub(crate) fn tooltip(&self) -> String {
        self.tooltip.lock().clone()
    }
}

/// The current language of the app's Rust-side texts.
pub(crate) fn lang<R: Runtime>(app: &AppHandle<R>) -> Lang {
    app.state::<Language>().get()
}

/// The UI's language (at start and on every switch): the tray and notifications follow.
#[tauri::command]
#[specta::specta]
pub(crate) fn set_language(language: State<'_, Language>, lang: Lang) {
    language.zh.store(lang == Lang::ZhCn, Ordering::SeqCst);
    language.refresh_tray(language.unread.load(Ordering::SeqCst));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_several_accounts_the_tooltip_names_them_while_something_is_unread() {
        let l = Language::default();
        l.refresh_tray(3);
        assert_eq!(l.tooltip(), "Tern: 3 unread messages");
        l.set_accounts_tooltip(Some("alice@h 2 · bob@h 1".into()));
        l.refresh_tray(3);
        assert_eq!(l.tooltip(), "alice@h 2 · bob@h 1");
        l.refresh_tray(0);
        assert_eq!(l.tooltip(), "Tern");
        l.set_accounts_tooltip(None);
        l.refresh_tray(1);
        assert_eq!(l.tooltip(), "Tern: 1 unread message");
    }
}
