//! The tray's account entries and tooltip, shared by the app and the tray-only
//! process: one menu entry per signed-in account (`user@host` with its unread
//! count, a check mark on the one the window shows), between "Open Tern" and "Mute
//! notifications"; with several accounts the tooltip names those with unread
//! messages ("alice@host 2 · bob@host 1"). Pure: the app renders it into Tauri's
//! menu (`src-tauri/traymenu.rs`), the tray-only process into its D-Bus menu.

use crate::texts::Lang;

/// Menu ids of account entries: this prefix, then the account id (`user@server`).
pub const ACCOUNT_PREFIX: &str = "account:";

/// One signed-in account as the tray shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayAccount {
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
pub struct MenuEntry {
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
pub fn entry_text(lang: Lang, label: &str, unread: u64) -> String {
    match (lang, unread) {
        (_, 0) => label.to_owned(),
        (Lang::En, n) => format!("{label} ({} unread)", count(n)),
        (Lang::ZhCn, n) => format!("{label}（{} 条未读）", count(n)),
    }
}

/// The account entries, in the order the accounts were added (the switcher's order).
pub fn entries(lang: Lang, accounts: &[TrayAccount]) -> Vec<MenuEntry> {
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
pub fn account_of(menu_id: &str) -> Option<&str> {
    menu_id
        .strip_prefix(ACCOUNT_PREFIX)
        .filter(|id| !id.is_empty())
}

/// With several accounts and something unread, the tooltip naming each account
/// with unread messages and its count ("alice@host 2 · bob@host 1"); `None`
/// otherwise (the plain tooltip with the total, see `texts`).
pub fn tooltip(accounts: &[TrayAccount]) -> Option<String> {
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

/// `user@host` for an account on `server_url` (the first address, without its scheme).
pub fn label(server_url: &str, user: &str) -> String {
    let first = server_url
        .split(|c: char| c == ',' || c.is_whitespace())
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let host = first
        .split_once("://")
        .map_or(first, |(_, rest)| rest)
        .trim_end_matches('/');
    format!("{user}@{host}")
}

/// [`label`] of an account id (`user@server`).
pub fn label_of_id(id: &str) -> String {
    let (user, server) = id.split_once('@').unwrap_or((id, ""));
    label(server, user)
}

/// The tray label for an unread total (none at 0, "99+" above 99).
pub fn title_for(unread: u64) -> Option<String> {
    match unread {
        0 => None,
        1..=99 => Some(unread.to_string()),
        _ => Some("99+".to_owned()),
    }
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
