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

use crate::texts::Lang;

/// Menu ids of account entries: this prefix, then the account id (`user@server`).
pub(crate) const ACCOUNT_PREFIX: &str = "account:";

/// One signed-in account as the tray shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrayAccount {
    /// The account id (`user@server`).
    pub id: String,
    /// `user@host`.
    pub label: String,
    /// Unread messages (muted chats left out).
    pub unread: u64,
    /// Whether the window shows this account.
    pub active: bool,
}

/// One account entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MenuEntry {
    /// The menu item's id ([`ACCOUNT_PREFIX`] + account id).
    pub id: String,
    /// Its label.
    pub text: String,
    /// Checked: the account the window shows.
    pub checked: bool,
}

/// A count as badges show it (more than 99 is "99+").
fn count(n: u64) -> String {
    if n > 99 {
        "99+".to_owned()
    } else {
        n.to_string()
    }
}

/// The label of an account entry: `user@host`, with its unread count when there is one.
pub(crate) fn entry_text(lang: Lang, label: &str, unread: u64) -> String {
    match (lang, unread) {
        (_, 0) => label.to_owned(),
        (Lang::En, n) => format!("{label} ({} unread)", count(n)),
        (Lang::ZhCn, n) => format!("{label}（{} 条未读）", count(n)),
    }
}

/// The account entries, in the order the accounts were added (the switcher's order).
pub(crate) fn entries(lang: Lang, accounts: &[TrayAccount]) -> Vec<MenuEntry> {
    accounts
        .iter()
        .map(|a| MenuEntry {
            id: format!("{ACCOUNT_PREFIX}{}", a.id),
            text: entry_text(lang, &a.label, a.unread),
            checked: a.active,
        })
        .collect()
}

/// The account a menu id names, if it is an account entry.
pub(crate) fn account_of(menu_id: &str) -> Option<&str> {
    menu_id
        .strip_prefix(ACCOUNT_PREFIX)
        .filter(|id| !id.is_empty())
}

/// With several accounts and something unread, the tooltip naming each account
/// with unread messages and its count ("alice@host 2 · bob@host 1"); `None`
/// otherwise (the plain tooltip with the total, see `texts`).
pub(crate) fn tooltip(accounts: &[TrayAccount]) -> Option<String> {
    if accounts.len() < 2 {
        return None;
    }
    let parts: Vec<String> = accounts
        .iter()
        .filter(|a| a.unread > 0)
        .map(|a| format!("{} {}", a.label, count(a.unread)))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(user: &str, unread: u64, active: bool) -> TrayAccount {
        TrayAccount {
            id: format!("{user}@ws://127.0.0.1:7878"),
            label: format!("{user}@127.0.0.1:7878"),
            unread,
            active,
        }
    }

    #[test]
    fn one_entry_per_account_in_order_with_its_count_and_the_shown_one_checked() {
        let list = [
            acct("alice", 2, true),
            acct("bob", 0, false),
            acct("carol", 150, false),
        ];
        let e = entries(Lang::En, &list);
        assert_eq!(
            e,
            vec![
                MenuEntry {
                    id: "account:alice@ws://127.0.0.1:7878".into(),
                    text: "alice@127.0.0.1:7878 (2 unread)".into(),
                    checked: true,
                },
                MenuEntry {
                    id: "account:bob@ws://127.0.0.1:7878".into(),
                    text: "bob@127.0.0.1:7878".into(),
                    checked: false,
                },
                MenuEntry {
                    id: "account:carol@ws://127.0.0.1:7878".into(),
                    text: "carol@127.0.0.1:7878 (99+ unread)".into(),
                    checked: false,
                },
            ]
        );
        // The order is the accounts' (as added), not by count.
        let swapped = [acct("bob", 0, false), acct("alice", 2, true)];
        let ids: Vec<_> = entries(Lang::En, &swapped)
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(
            ids,
            [
                "account:bob@ws://127.0.0.1:7878",
                "account:alice@ws://127.0.0.1:7878"
            ]
        );
        // Signed out of everything: no entries.
        assert!(entries(Lang::En, &[]).is_empty());
    }

    #[test]
    fn the_entries_follow_the_language() {
        let e = entries(Lang::ZhCn, &[acct("alice", 3, true), acct("bob", 0, false)]);
        assert_eq!(e[0].text, "alice@127.0.0.1:7878（3 条未读）");
        assert_eq!(e[1].text, "bob@127.0.0.1:7878");
    }

    #[test]
    fn a_click_on_an_entry_names_its_account() {
        let e = &entries(Lang::En, &[acct("bob", 1, false)])[0];
        assert_eq!(account_of(&e.id), Some("bob@ws://127.0.0.1:7878"));
        assert_eq!(account_of("open"), None);
        assert_eq!(account_of("account:"), None);
    }

    #[test]
    fn the_tooltip_names_the_accounts_with_unread_messages_only_with_several() {
        // One account: the plain tooltip with the total.
        assert_eq!(tooltip(&[acct("alice", 4, true)]), None);
        // Several, nothing unread: the plain one too ("Tern").
        assert_eq!(
            tooltip(&[acct("alice", 0, true), acct("bob", 0, false)]),
            None
        );
        assert_eq!(
            tooltip(&[acct("alice", 2, true), acct("bob", 1, false)]).as_deref(),
            Some("alice@127.0.0.1:7878 2 · bob@127.0.0.1:7878 1")
        );
        // Only those with unread messages, in the accounts' order.
        assert_eq!(
            tooltip(&[
                acct("alice", 0, true),
                acct("bob", 5, false),
                acct("carol", 120, false)
            ])
            .as_deref(),
            Some("bob@127.0.0.1:7878 5 · carol@127.0.0.1:7878 99+")
        );
    }
}
