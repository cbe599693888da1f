//! Desktop notifications of new messages, shared by the app (`src-tauri/notify.rs`)
//! and the tray-only process: whether a message deserves one, its summary and body
//! (escaped for daemons that interpret markup, [`notification`]), and the daemon's
//! action signals, taken only from the notification daemon: their sender must be
//! the unique bus name owning `org.freedesktop.Notifications` ([`listen_to_daemon`]),
//! so another process on the session bus cannot make Tern send a reply or mark a
//! chat read.

use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};

use tern_core::proto::{AccountSettings, Content, ConversationId};
use tern_core::{Client, LocalMessage};

use crate::texts::Texts;

/// A shown notification's account (id and client) and chat.
pub type ShownChat = (String, Client, ConversationId);

/// Shown notifications still waiting for an action: notification id → its account and chat.
#[derive(Default)]
pub struct Shown(pub Mutex<HashMap<u32, ShownChat>>);

/// Most notifications remembered for their actions (the oldest ids are dropped).
const MAX_SHOWN: usize = 200;

impl Shown {
    /// Remembers notification `id` (the oldest is dropped past [`MAX_SHOWN`]).
    pub fn insert(&self, id: u32, chat: ShownChat) {
        let mut m = self.0.lock();
        if m.len() >= MAX_SHOWN {
            if let Some(oldest) = m.keys().min().copied() {
                m.remove(&oldest);
            }
        }
        m.insert(id, chat);
    }

    /// The account and chat of notification `id`.
    pub fn get(&self, id: u32) -> Option<ShownChat> {
        self.0.lock().get(&id).cloned()
    }

    /// Forgets notification `id` (closed, or replied to), returning what it was.
    pub fn remove(&self, id: u32) -> Option<ShownChat> {
        self.0.lock().remove(&id)
    }
}

/// Freedesktop capability of servers that take a typed reply (NotificationReplied).
pub const INLINE_REPLY: &str = "inline-reply";

/// Freedesktop capability of servers that interpret markup in the body.
pub const BODY_MARKUP: &str = "body-markup";

/// The well-known bus name of the notification daemon.
pub const DAEMON_NAME: &str = "org.freedesktop.Notifications";

/// A signal of the notification daemon about one of our notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonSignal {
    /// `ActionInvoked(id, action)`: a button or the notification itself was clicked.
    Action(u32, String),
    /// `NotificationReplied(id, text)`: an inline reply was typed.
    Replied(u32, String),
    /// `NotificationClosed(id, reason)`.
    Closed(u32),
}

/// Whether a signal comes from the notification daemon: its sender must be the
/// unique bus name that owns [`DAEMON_NAME`] right now. Any process on the session
/// bus can emit a signal with the daemon's interface and member; only the owner
/// of the name is the daemon.
pub fn from_daemon(sender: Option<&str>, owner: Option<&str>) -> bool {
    matches!((sender, owner), (Some(s), Some(o)) if s == o && s.starts_with(':'))
}

/// The unique name (`:1.42`) owning [`DAEMON_NAME`], asked of the bus.
fn daemon_owner(conn: &dbus::blocking::Connection) -> Option<String> {
    let bus = conn.with_proxy(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        std::time::Duration::from_secs(2),
    );
    let (owner,): (String,) = bus
        .method_call("org.freedesktop.DBus", "GetNameOwner", (DAEMON_NAME,))
        .ok()?;
    Some(owner)
}

/// Subscribes to the daemon's `ActionInvoked`, `NotificationReplied` and
/// `NotificationClosed` signals on `conn`; `on_signal` gets only those whose sender
/// owns [`DAEMON_NAME`] (checked with `GetNameOwner` for each signal: they are
/// rare, and the daemon may have been restarted). Others are dropped with a warning.
/// The caller runs `conn.process` in a loop.
pub fn listen_to_daemon<F>(
    conn: &dbus::blocking::Connection,
    on_signal: F,
) -> Result<(), dbus::Error>
where
    F: Fn(DaemonSignal) + Send + Sync + 'static,
{
    let on_signal = std::sync::Arc::new(on_signal);
    let accept = |conn: &dbus::blocking::Connection, msg: &dbus::Message| {
        let sender = msg.sender();
        let ok = from_daemon(sender.as_deref(), daemon_owner(conn).as_deref());
        if !ok {
            tracing::warn!(
                sender = sender.as_deref().unwrap_or("?"),
                member = msg.member().as_deref().unwrap_or("?"),
                "ignored a notification signal not sent by the notification daemon"
            );
        }
        ok
    };
    let rule = |member: &'static str| {
        dbus::message::MatchRule::new_signal(DAEMON_NAME, member)
            .with_path("/org/freedesktop/Notifications")
    };
    let f = on_signal.clone();
    conn.add_match(
        rule("ActionInvoked"),
        move |(id, action): (u32, String), c, msg| {
            if accept(c, msg) {
                f(DaemonSignal::Action(id, action));
            }
            true
        },
    )?;
    let f = on_signal.clone();
    conn.add_match(
        rule("NotificationReplied"),
        move |(id, text): (u32, String), c, msg| {
            if accept(c, msg) {
                f(DaemonSignal::Replied(id, text));
            }
            true
        },
    )?;
    let f = on_signal;
    conn.add_match(
        rule("NotificationClosed"),
        move |(id, _reason): (u32, u32), c, msg| {
            if accept(c, msg) {
                f(DaemonSignal::Closed(id));
            }
            true
        },
    )?;
    Ok(())
}

/// At most this many characters of a message go into its notification.
pub const PREVIEW_CHARS: usize = 120;

/// The notification body for a message.
pub fn preview(content: &Content, t: &Texts) -> String {
    match content {
        Content::Text { text } => {
            let t: String = text.chars().take(PREVIEW_CHARS).collect();
            if text.chars().count() > PREVIEW_CHARS {
                format!("{t}…")
            } else {
                t
            }
        }
        Content::Image { .. } => t.image.to_owned(),
        _ => t.message.to_owned(),
    }
}

/// Whether a message deserves a notification right now: a live message from
/// someone else while the window is not focused, the tray's mute off, and
/// tern-core's decision (`allowed`: account switch, chat mute, do-not-disturb).
pub fn should_notify(
    m: &LocalMessage,
    live: bool,
    window_focused: bool,
    muted: bool,
    allowed: bool,
) -> bool {
    live && !m.outgoing && !window_focused && !muted && allowed
}

/// The notification body: the preview, or only "New message" when the
/// account's "show message text" is off (the sender stays in the summary).
pub fn body_for(settings: &AccountSettings, preview: String, t: &Texts) -> String {
    if settings.show_text {
        preview
    } else {
        t.new_message.to_owned()
    }
}

/// tern-core's decision at the system clock's now: the notifications switch,
/// the chat's mute (a mention of me passes it) and the do-not-disturb window.
/// A cache that cannot be read does not silence notifications.
pub async fn allowed(client: &Client, m: &LocalMessage) -> bool {
    client
        .should_notify_message(m, now_ms())
        .await
        .unwrap_or(true)
}

/// The notification for a message from `sender` with body text `body` (plain
/// text), for a daemon with capabilities `caps`. Daemons that announce
/// `body-markup` (KDE, XFCE, dunst, GNOME) interpret a subset of HTML in the body,
/// so there the text is escaped ([`escape_markup`]): a sender cannot add links,
/// images or formatting. The summary is plain text by the specification.
pub fn notification(
    sender: &str,
    body: &str,
    caps: &[String],
    t: &Texts,
) -> notify_rust::Notification {
    let markup = caps.iter().any(|c| c == BODY_MARKUP);
    let body = if markup {
        escape_markup(body)
    } else {
        body.to_owned()
    };
    let mut n = notify_rust::Notification::new();
    n.appname("Tern")
        .summary(sender)
        .body(&body)
        .icon("tern")
        .action("default", t.open)
        .action("read", t.mark_read);
    if caps.iter().any(|c| c == INLINE_REPLY) {
        n.action(INLINE_REPLY, t.reply);
    }
    n
}

/// Escapes the characters notification markup gives a meaning to (`&`, `<`, `>`,
/// and quotes), so the text shows as written.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Milliseconds since the epoch by the system clock (tern-core's decisions
/// take the time as a parameter; this is the app's clock).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Sum of unread counts of the chats not in `muted`.
pub fn unmuted_total(chats: impl Iterator<Item = (String, u64)>, muted: &HashSet<String>) -> u64 {
    chats
        .filter(|(conv, _)| !muted.contains(conv))
        .map(|(_, n)| n)
        .sum()
}

/// A group message's notification body: "sender: preview".
pub fn with_sender(who: &str, body: &str) -> String {
    format!("{who}: {body}")
}

/// A notification ready to show: its summary (who), body, icon file and sound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// The sender's name, or the group's ("alice@host: Bob" with several accounts).
    pub summary: String,
    /// The preview, "sender: preview" in a group, or "New message" (text hidden).
    pub body: String,
    /// The sender's avatar from tern-core's cache (direct chats), as the icon.
    pub icon: Option<String>,
    /// The account's "sound" switch.
    pub sound: bool,
}

/// The notification for `m`, received by the account named `account` (`user@host`,
/// given only when several accounts are signed in), in texts `t`.
pub async fn compose(
    client: &Client,
    account: Option<&str>,
    m: &LocalMessage,
    t: &Texts,
) -> Composed {
    let settings = client.account_settings().await.unwrap_or_default();
    let conversation = client.conversation(&m.conv).await.ok().flatten();
    let icon = match conversation.as_ref().and_then(|c| c.avatar.clone()) {
        Some(id) if !matches!(m.conv, ConversationId::Group(_)) => client
            .avatar(&id)
            .await
            .ok()
            .map(|a| a.path.to_string_lossy().into_owned()),
        _ => None,
    };
    let mut summary = match conversation {
        Some(c) if !c.title.is_empty() => c.title,
        _ => m.sender.to_string(),
    };
    if let Some(account) = account {
        summary = with_sender(account, &summary);
    }
    let mut body = body_for(&settings, preview(&m.content, t), t);
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
    Composed {
        summary,
        body,
        icon,
        sound: settings.sound,
    }
}

/// Shows `c` (blocking on D-Bus: call it off the async threads); the daemon's id.
pub fn show(c: &Composed, t: &Texts) -> Result<u32, String> {
    let caps = notify_rust::get_capabilities().unwrap_or_default();
    let mut n = notification(&c.summary, &c.body, &caps, t);
    if c.sound {
        n.sound_name("message-new-instant");
    } else {
        n.hint(notify_rust::Hint::SuppressSound(true));
    }
    if let Some(icon) = &c.icon {
        n.icon(icon);
    }
    n.show().map(|h| h.id()).map_err(|e| e.to_string())
}

/// Account `client`'s unread count without the chats muted on the server
/// (`total` is tern-core's count over every chat, used as is when nothing is muted).
pub async fn unread_without_muted(client: &Client, total: u64) -> u64 {
    let now = now_ms();
    let muted: HashSet<String> = match client.all_conv_settings().await {
        Ok(all) => all
            .iter()
            .filter(|s| s.is_muted(now))
            .map(|s| s.conv.to_string())
            .collect(),
        Err(_) => HashSet::new(),
    };
    if muted.is_empty() {
        return total;
    }
    match client.conversations().await {
        Ok(list) => unmuted_total(list.iter().map(|c| (c.conv.to_string(), c.unread)), &muted),
        Err(_) => total,
    }
}

#[cfg(test)]
mod tests;
