//! The unread count on the dock's launcher icon through the Unity LauncherEntry
//! D-Bus API (honoured by Ubuntu's dock, Dash-to-Dock, KDE Plasma, Plank): a
//! `com.canonical.Unity.LauncherEntry.Update(app_uri, {count, count-visible})`
//! signal on the session bus whenever the count changes. Nothing listens on a
//! desktop without such a dock; the signal then costs nothing.

use parking_lot::Mutex;
use std::collections::HashMap;

use dbus::arg::{RefArg, Variant};

/// The desktop entry the .deb installs (`/usr/share/applications/Tern.desktop`).
pub const APP_URI: &str = "application://Tern.desktop";
/// The object path the signal is sent from (any fixed path; docks match the interface).
pub const OBJECT_PATH: &str = "/com/canonical/unity/launcherentry/tern";
/// The interface docks listen to.
pub const INTERFACE: &str = "com.canonical.Unity.LauncherEntry";

/// The session-bus connection the signal goes out on, and the count last sent.
#[derive(Default)]
pub struct Launcher(Mutex<(Option<dbus::blocking::Connection>, Option<u64>)>);

/// The `Update` signal's properties for `count`: hidden at 0.
pub fn properties(count: u64) -> HashMap<String, Variant<Box<dyn RefArg>>> {
    let mut p: HashMap<String, Variant<Box<dyn RefArg>>> = HashMap::new();
    p.insert(
        "count".into(),
        Variant(Box::new(count.min(i64::MAX as u64) as i64)),
    );
    p.insert("count-visible".into(), Variant(Box::new(count > 0)));
    p
}

/// The `Update` signal for `count`.
pub fn signal(count: u64) -> dbus::Message {
    dbus::Message::new_signal(OBJECT_PATH, INTERFACE, "Update")
        .expect("static names are valid")
        .append2(APP_URI, properties(count))
}

impl Launcher {
    /// Sends the count when it changed (connecting to the session bus the first time).
    pub fn set_count(&self, count: u64) {
        use dbus::channel::Sender;
        let mut g = self.0.lock();
        if g.1 == Some(count) {
            return;
        }
        if g.0.is_none() {
            match dbus::blocking::Connection::new_session() {
                Ok(c) => g.0 = Some(c),
                Err(e) => {
                    tracing::debug!("no session bus for the launcher badge: {e}");
                    return;
                }
            }
        }
        let conn = g.0.as_ref().expect("connected above");
        if conn.send(signal(count)).is_ok() {
            conn.channel().flush();
            g.1 = Some(count);
        } else {
            // The bus went away: connect again next time.
            g.0 = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_shown_only_when_there_is_one() {
        let m = signal(3);
        assert_eq!(m.interface().unwrap().to_string(), INTERFACE);
        assert_eq!(m.member().unwrap().to_string(), "Update");
        let (uri, props): (String, dbus::arg::PropMap) = m.read2().unwrap();
        assert_eq!(uri, APP_URI);
        assert_eq!(props["count"].0.as_i64(), Some(3));
        assert_eq!(props["count-visible"].0.as_u64(), Some(1));
        let (_, props): (String, dbus::arg::PropMap) = signal(0).read2().unwrap();
        assert_eq!(props["count"].0.as_i64(), Some(0));
        assert_eq!(props["count-visible"].0.as_u64(), Some(0));
    }
}
