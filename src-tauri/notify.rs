//! Desktop notifications (freedesktop, through notify-rust): one per new live
//! message while the window is not focused, unless notifications are muted
//! globally (tray) or for that chat. Actions: "default" (click) opens the window
//! on the chat; "Mark as read" reads it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_specta::Event as _;
use tern_core::proto::Content;
use tern_core::proto::ConversationId;
use tern_core::{Client, LocalMessage};

use crate::shell::{show_window, Shell, WINDOW};

/// Chats the user muted (kept for the app's lifetime).
#[derive(Default)]
pub struct MutedChats(pub Mutex<HashSet<String>>);

/// Notifications shown with an inline "Reply": notification id → where the reply goes.
#[derive(Default)]
pub struct Replies(pub Mutex<HashMap<u32, (Client, ConversationId)>>);

/// Freedesktop capability of servers that take a typed reply (NotificationReplied).
pub const INLINE_REPLY: &str = "inline-reply";

/// Listens on the session bus for `NotificationReplied(id, text)` and sends each reply
/// to the chat of that notification. Runs for the app's lifetime on its own thread.
pub fn start_reply_listener<R: Runtime>(app: AppHandle<R>) {
    std::thread::spawn(move || {
        let conn = match dbus::blocking::Connection::new_session() {
            Ok(c) => c,
            Err(e) => {
                tracing::info!("no session bus for notification replies: {e}");
                return;
            }
        };
        let rule = dbus::message::MatchRule::new_signal(
            "org.freedesktop.Notifications",
            "NotificationReplied",
        );
        let added = conn.add_match(rule, move |(id, text): (u32, String), _, _| {
            let target = app
                .state::<Replies>()
                .0
                .lock()
                .expect("replies")
                .remove(&id);
            if let Some((client, conv)) = target {
                if let Err(e) = tauri::async_runtime::block_on(client.send_text(&conv, &text)) {
                    tracing::warn!("inline reply: {e}");
                }
            }
            true
        });
        if let Err(e) = added {
            tracing::warn!("notification replies: {e}");
            return;
        }
        loop {
            if let Err(e) = conn.process(std::time::Duration::from_secs(1)) {
                tracing::warn!("notification replies: {e}");
                return;
            }
        }
    });
}

/// Asks the UI to show a chat (a notification was clicked).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OpenChat {
    /// The conversation id.
    pub conv: String,
}

/// At most this many characters of a message go into its notification.
pub const PREVIEW_CHARS: usize = 120;

/// The notification body for a message.
pub fn preview(content: &Content) -> String {
    match content {
        Content::Text { text } => {
            let t: String = text.chars().take(PREVIEW_CHARS).collect();
            if text.chars().count() > PREVIEW_CHARS {
                format!("{t}…")
            } else {
                t
            }
        }
        Content::Image { .. } => "[Image]".to_owned(),
        _ => "[Message]".to_owned(),
    }
}

/// Whether a message deserves a notification right now.
pub fn should_notify(
    m: &LocalMessage,
    live: bool,
    window_focused: bool,
    muted: bool,
    chat_muted: bool,
) -> bool {
    live && !m.outgoing && !window_focused && !muted && !chat_muted
}

fn window_focused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(WINDOW)
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false))
}

/// Shows a notification for `m` when it should; actions are handled on a blocking thread.
pub async fn on_new_message<R: Runtime>(
    app: &AppHandle<R>,
    client: &Client,
    m: &LocalMessage,
    live: bool,
) {
    let conv = m.conv.to_string();
    let muted = app.state::<Shell>().muted.load(Ordering::SeqCst);
    let chat_muted = app
        .state::<MutedChats>()
        .0
        .lock()
        .expect("muted chats")
        .contains(&conv);
    if !should_notify(m, live, window_focused(app), muted, chat_muted) {
        return;
    }
    let sender = match client.conversation(&m.conv).await {
        Ok(Some(c)) if !c.title.is_empty() => c.title,
        _ => m.sender.to_string(),
    };
    let mut body = preview(&m.content);
    if matches!(m.conv, ConversationId::Group(_)) {
        // The summary is the group's name: say who wrote it.
        let who = match client.friends_info(std::slice::from_ref(&m.sender)).await {
            Ok(f) => f.into_iter().next().map(|f| {
                [f.remark, f.profile.nickname]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .unwrap_or_else(|| m.sender.to_string())
            }),
            Err(_) => None,
        };
        body = with_sender(&who.unwrap_or_else(|| m.sender.to_string()), &body);
    }
    let (app, client, conv_id) = (app.clone(), client.clone(), m.conv.clone());
    std::thread::spawn(move || {
        let inline = notify_rust::get_capabilities()
            .map(|caps| caps.iter().any(|c| c == INLINE_REPLY))
            .unwrap_or(false);
        let mut n = notify_rust::Notification::new();
        n.appname("Tern")
            .summary(&sender)
            .body(&body)
            .icon("tern")
            .action("default", "Open")
            .action("read", "Mark as read");
        if inline {
            n.action(INLINE_REPLY, "Reply");
        }
        let shown = n.show();
        let handle = match shown {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!("notification: {e}");
                return;
            }
        };
        if inline {
            app.state::<Replies>()
                .0
                .lock()
                .expect("replies")
                .insert(handle.id(), (client.clone(), conv_id.clone()));
        }
        handle.wait_for_action(|action| match action {
            "default" => {
                show_window(&app);
                let _ = OpenChat { conv: conv.clone() }.emit(&app);
            }
            "read" => {
                if let Err(e) = tauri::async_runtime::block_on(client.mark_read(&conv_id)) {
                    tracing::warn!("mark read from notification: {e}");
                }
            }
            _ => {}
        });
    });
}

/// Mutes or unmutes notifications for one chat.
#[tauri::command]
#[specta::specta]
pub fn set_chat_muted(chats: State<'_, MutedChats>, conv: String, muted: bool) {
    let mut set = chats.0.lock().expect("muted chats");
    if muted {
        set.insert(conv);
    } else {
        set.remove(&conv);
    }
}

/// Chats with notifications muted.
#[tauri::command]
#[specta::specta]
pub fn muted_chats(chats: State<'_, MutedChats>) -> Vec<String> {
    let mut v: Vec<String> = chats
        .0
        .lock()
        .expect("muted chats")
        .iter()
        .cloned()
        .collect();
    v.sort();
    v
}

/// Mutes or unmutes all notifications (the tray's "Mute notifications").
#[tauri::command]
#[specta::specta]
pub fn set_notifications_muted(app: AppHandle, muted: bool) {
    crate::shell::set_muted(&app, muted);
}

/// A group message's notification body: "sender: preview".
fn with_sender(who: &str, body: &str) -> String {
    format!("{who}: {body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_bodies_name_the_sender() {
        assert_eq!(with_sender("Bob Builder", "hi"), "Bob Builder: hi");
    }

    #[test]
    fn previews_are_short_text() {
        let long = "x".repeat(300);
        let p = preview(&Content::Text { text: long });
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
        assert_eq!(
            preview(&Content::Text {
                text: "hi 👋".into()
            }),
            "hi 👋"
        );
    }
}
