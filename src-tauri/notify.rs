//! Desktop notifications (freedesktop, through notify-rust): one per new live
//! message while the window is not focused, unless notifications are muted
//! globally (tray) or tern-core's decision says no (the account's
//! notifications off, the chat muted on the server, the do-not-disturb
//! window: `Client::should_notify`). The account's "show message text" and
//! "sound" switches shape the notification. Actions: "default" (click) opens the window
//! on the chat; "Mark as read" reads it; an inline reply is sent to the chat.
//!
//! The body is escaped for daemons that interpret markup ([`notification`]). The
//! action and reply signals are taken only from the notification daemon: their
//! sender must be the unique bus name owning `org.freedesktop.Notifications`
//! ([`listen_to_daemon`]), so another process on the session bus cannot make the
//! app send a reply or mark a chat read.

use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use tern_core::proto::AccountSettings;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event as _;
use tern_core::proto::Content;
use tern_core::proto::ConversationId;
use tern_core::{Client, LocalMessage};

use crate::shell::{show_window, Shell, WINDOW};
use crate::texts::Texts;

/// A shown notification's account (id and client) and chat.
pub type ShownChat = (String, Client, ConversationId);

/// Shown notifications still waiting for an action: notification id → its account and chat.
#[derive(Default)]
pub struct Shown(pub Mutex<HashMap<u32, ShownChat>>);

/// Most notifications remembered for their actions (the oldest ids are dropped).
const MAX_SHOWN: usize = 200;

impl Shown {
    fn insert(&self, id: u32, chat: ShownChat) {
        let mut m = self.0.lock();
        if m.len() >= MAX_SHOWN {
            if let Some(oldest) = m.keys().min().copied() {
                m.remove(&oldest);
            }
        }
        m.insert(id, chat);
    }

    fn get(&self, id: u32) -> Option<ShownChat> {
        self.0.lock().get(&id).cloned()
    }

    fn remove(&self, id: u32) -> Option<ShownChat> {
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

/// Listens on the session bus for the daemon's signals about our notifications
/// (click → open the chat, "Mark as read", inline reply → send it) for the app's
/// lifetime, on its own thread. Signals from anyone but the daemon are ignored.
pub fn start_reply_listener<R: Runtime>(app: AppHandle<R>) {
    std::thread::spawn(move || {
        let conn = match dbus::blocking::Connection::new_session() {
            Ok(c) => c,
            Err(e) => {
                tracing::info!("no session bus for notification actions: {e}");
                return;
            }
        };
        let handler = move |s: DaemonSignal| on_daemon_signal(&app, s);
        if let Err(e) = listen_to_daemon(&conn, handler) {
            tracing::warn!("notification actions: {e}");
            return;
        }
        loop {
            if let Err(e) = conn.process(std::time::Duration::from_secs(1)) {
                tracing::warn!("notification actions: {e}");
                return;
            }
        }
    });
}

/// Acts on a (checked) daemon signal about one of our notifications.
fn on_daemon_signal<R: Runtime>(app: &AppHandle<R>, s: DaemonSignal) {
    let shown = app.state::<Shown>();
    match s {
        DaemonSignal::Action(id, action) => {
            let Some((account, client, conv)) = shown.get(id) else {
                return;
            };
            match action.as_str() {
                "default" => {
                    // No window (tray mode freed it): the one show_window creates asks
                    // for this chat at start; an existing one gets the event below.
                    if app.get_webview_window(WINDOW).is_none() {
                        app.state::<crate::traymode::TrayMode>()
                            .open_on(conv.to_string());
                    }
                    show_window(app);
                    let _ = OpenChat {
                        conv: conv.to_string(),
                        account,
                    }
                    .emit(app);
                }
                "read" => {
                    if let Err(e) = tauri::async_runtime::block_on(client.mark_read(&conv)) {
                        tracing::warn!("mark read from notification: {e}");
                    }
                }
                _ => {}
            }
        }
        DaemonSignal::Replied(id, text) => {
            if let Some((_, client, conv)) = shown.remove(id) {
                if let Err(e) = tauri::async_runtime::block_on(client.send_text(&conv, &text)) {
                    tracing::warn!("inline reply: {e}");
                }
            }
        }
        DaemonSignal::Closed(id) => {
            shown.remove(id);
        }
    }
}

/// Asks the UI to show a chat (a notification was clicked).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OpenChat {
    /// The conversation id.
    pub conv: String,
    /// The account it belongs to (the UI switches to it first when another is shown).
    pub account: String,
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

fn window_focused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(WINDOW)
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false))
}

/// tern-core's decision at the system clock's now: the notifications switch,
/// the chat's mute (a mention of me passes it) and the do-not-disturb window.
/// A cache that cannot be read does not silence notifications.
async fn allowed(client: &Client, m: &LocalMessage) -> bool {
    client
        .should_notify_message(m, now_ms())
        .await
        .unwrap_or(true)
}

/// Shows a notification for `m` (received by account `account`) when it
/// should; with several accounts its title names the account
/// ("alice@host: Bob"). Actions are handled on a blocking thread.
pub async fn on_new_message<R: Runtime>(
    app: &AppHandle<R>,
    account: &str,
    client: &Client,
    m: &LocalMessage,
    live: bool,
) {
    let muted = app.state::<Shell>().muted.load(Ordering::SeqCst);
    let focused = window_focused(app);
    // The desktop's own checks first; tern-core's decision (a cache read) only then.
    if !should_notify(m, live, focused, muted, true) || !allowed(client, m).await {
        return;
    }
    let settings = client.account_settings().await.unwrap_or_default();
    let conversation = client.conversation(&m.conv).await.ok().flatten();
    // The sender's avatar (a direct chat's peer) from tern-core's cache, as the icon.
    let icon = match conversation.as_ref().and_then(|c| c.avatar.clone()) {
        Some(id) if !matches!(m.conv, ConversationId::Group(_)) => client
            .avatar(&id)
            .await
            .ok()
            .map(|a| a.path.to_string_lossy().into_owned()),
        _ => None,
    };
    let mut sender = match conversation {
        Some(c) if !c.title.is_empty() => c.title,
        _ => m.sender.to_string(),
    };
    if app.state::<crate::state::AppState>().account_count() > 1 {
        sender = with_sender(&crate::switcher::label_of_id(account), &sender);
    }
    let t = crate::texts::lang(app).texts();
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
    let (app, client, conv_id) = (app.clone(), client.clone(), m.conv.clone());
    let account = account.to_owned();
    // notify-rust blocks on D-Bus: show it on a thread; actions come to the listener.
    std::thread::spawn(move || {
        let caps = notify_rust::get_capabilities().unwrap_or_default();
        let mut n = notification(&sender, &body, &caps, t);
        if settings.sound {
            n.sound_name("message-new-instant");
        } else {
            n.hint(notify_rust::Hint::SuppressSound(true));
        }
        if let Some(icon) = &icon {
            n.icon(icon);
        }
        match n.show() {
            Ok(handle) => app
                .state::<Shown>()
                .insert(handle.id(), (account, client, conv_id)),
            Err(e) => tracing::warn!("notification: {e}"),
        }
    });
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

/// Sets account `id`'s unread count, leaving out chats muted on the server
/// (`total` is tern-core's count over every chat, used as is when nothing is
/// muted); the tray shows the sum over the accounts.
pub async fn refresh_tray_unread<R: Runtime>(
    app: &AppHandle<R>,
    id: &str,
    client: &Client,
    total: u64,
) {
    let now = now_ms();
    let muted: HashSet<String> = match client.all_conv_settings().await {
        Ok(all) => all
            .iter()
            .filter(|s| s.is_muted(now))
            .map(|s| s.conv.to_string())
            .collect(),
        Err(_) => HashSet::new(),
    };
    let n = if muted.is_empty() {
        total
    } else {
        match client.conversations().await {
            Ok(list) => unmuted_total(list.iter().map(|c| (c.conv.to_string(), c.unread)), &muted),
            Err(_) => total,
        }
    };
    app.state::<crate::state::AppState>()
        .set_unread(app, id, Some(n));
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

    const EN: &Texts = crate::texts::Lang::En.texts();

    #[test]
    fn muted_chats_leave_the_tray_total() {
        let chats = || vec![("d:a:b".to_string(), 2u64), ("g:team".to_string(), 5)].into_iter();
        let none = HashSet::new();
        assert_eq!(unmuted_total(chats(), &none), 7);
        let muted: HashSet<String> = ["g:team".to_string()].into();
        assert_eq!(unmuted_total(chats(), &muted), 2);
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape_markup(r#"<a href="https://evil">click</a> & 'more' <b>"#),
            "&lt;a href=&quot;https://evil&quot;&gt;click&lt;/a&gt; &amp; &#39;more&#39; &lt;b&gt;"
        );
        assert_eq!(escape_markup("plain 你好 👋"), "plain 你好 👋");
        assert_eq!(escape_markup("&amp;"), "&amp;amp;");
    }

    #[test]
    fn bodies_are_escaped_for_markup_daemons_and_summaries_stay_plain() {
        let markup = vec![BODY_MARKUP.to_owned(), "actions".to_owned()];
        let body = with_sender("<i>Eve</i>", "<a href=\"x\">win</a> & <img src=x>");
        let n = notification("Team & <Co>", &body, &markup, EN);
        assert_eq!(
            n.body,
            "&lt;i&gt;Eve&lt;/i&gt;: &lt;a href=&quot;x&quot;&gt;win&lt;/a&gt; &amp; &lt;img src=x&gt;"
        );
        assert!(!n.body.contains('<') && !n.body.contains('>'));
        assert_eq!(n.summary, "Team & <Co>", "the summary is never markup");
        // A daemon without body-markup shows the text as is: escaping would show entities.
        let n = notification("Bob", "a < b & c", &["actions".to_owned()], EN);
        assert_eq!(n.body, "a < b & c");
        assert!(!n.actions.contains(&INLINE_REPLY.to_owned()));
        let n = notification("Bob", "x", &[INLINE_REPLY.to_owned()], EN);
        assert!(n.actions.contains(&INLINE_REPLY.to_owned()));
    }

    #[test]
    fn only_the_owner_of_the_daemon_name_is_the_daemon() {
        assert!(from_daemon(Some(":1.7"), Some(":1.7")));
        assert!(!from_daemon(Some(":1.8"), Some(":1.7")));
        assert!(!from_daemon(Some(":1.7"), None), "no daemon on the bus");
        assert!(!from_daemon(None, Some(":1.7")));
        assert!(!from_daemon(
            Some("org.freedesktop.Notifications"),
            Some("org.freedesktop.Notifications")
        ));
    }

    /// A private `dbus-daemon` (Debian package `dbus`) for one test; killed on drop.
    struct Bus(std::process::Child, String);

    impl Bus {
        fn start() -> Bus {
            use std::io::BufRead;
            let conf = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/bus-empty.conf");
            let mut child = std::process::Command::new("dbus-daemon")
                .args(["--config-file", conf, "--nofork", "--print-address=1"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("dbus-daemon runs (scripts/deps.sh installs the dbus package)");
            let mut line = String::new();
            std::io::BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            Bus(child, line.trim().to_owned())
        }

        fn connect(&self) -> dbus::blocking::Connection {
            let mut ch = dbus::channel::Channel::open_private(&self.1).unwrap();
            ch.register().unwrap();
            dbus::blocking::Connection::from(ch)
        }
    }

    impl Drop for Bus {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn emit(conn: &dbus::blocking::Connection, member: &str, id: u32, text: &str) {
        use dbus::channel::Sender;
        let m = dbus::Message::new_signal("/org/freedesktop/Notifications", DAEMON_NAME, member)
            .unwrap()
            .append2(id, text);
        conn.send(m).unwrap();
        conn.channel().flush();
    }

    #[test]
    fn reply_and_action_signals_are_taken_only_from_the_daemon_on_a_real_bus() {
        let bus = Bus::start();
        let daemon = bus.connect();
        daemon
            .request_name(DAEMON_NAME, false, true, true)
            .expect("own the daemon name");
        let impostor = bus.connect();
        let app = bus.connect();
        let got = std::sync::Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        listen_to_daemon(&app, move |s| sink.lock().push(s)).unwrap();

        // Another process on the bus tries to inject a reply and a click.
        emit(&impostor, "NotificationReplied", 1, "sent by an impostor");
        emit(&impostor, "ActionInvoked", 1, "read");
        // Then the daemon itself.
        emit(&daemon, "NotificationReplied", 2, "typed by the user");
        emit(&daemon, "ActionInvoked", 2, "default");

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while got.lock().len() < 2 && std::time::Instant::now() < deadline {
            app.process(std::time::Duration::from_millis(100)).unwrap();
        }
        // Anything else still on its way.
        let settle = std::time::Instant::now() + std::time::Duration::from_millis(300);
        while std::time::Instant::now() < settle {
            app.process(std::time::Duration::from_millis(50)).unwrap();
        }
        assert_eq!(
            *got.lock(),
            vec![
                DaemonSignal::Replied(2, "typed by the user".into()),
                DaemonSignal::Action(2, "default".into()),
            ]
        );
    }

    #[test]
    fn show_text_off_hides_the_body() {
        let mut s = AccountSettings::default();
        assert_eq!(body_for(&s, "secret plan".into(), EN), "secret plan");
        s.show_text = false;
        assert_eq!(body_for(&s, "secret plan".into(), EN), "New message");
    }

    #[test]
    fn group_bodies_name_the_sender() {
        assert_eq!(with_sender("Bob Builder", "hi"), "Bob Builder: hi");
    }

    #[test]
    fn previews_are_short_text() {
        let long = "x".repeat(300);
        let p = preview(&Content::Text { text: long }, EN);
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
        assert_eq!(
            preview(
                &Content::Text {
                    text: "hi 👋".into()
                },
                EN
            ),
            "hi 👋"
        );
    }
}
