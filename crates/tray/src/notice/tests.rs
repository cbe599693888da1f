//! Unit tests of the tray's notifications: the unread total, markup escaping, what a notice shows.

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
        let conf = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/e2e/bus-empty.conf"
        );
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
