//! The tray-only process's tray item, spoken over D-Bus as a tray host expects
//! it: a `org.kde.StatusNotifierItem` registered with the
//! `org.kde.StatusNotifierWatcher` (KDE, the GNOME AppIndicator extension, most
//! panels), its menu exported as `com.canonical.dbusmenu`, and the unread count as
//! the item's label (`XAyatanaLabel`, as libayatana-appindicator gives the app's
//! tray) and a red dot on its icon. The same connection answers a second launch of
//! Tern (the single-instance name the app's plugin uses): it opens the app.
//!
//! One thread owns the bus connection ([`start`]); the rest of the process changes
//! what the tray shows through [`Tray::show`] and hears clicks on a channel.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use dbus::arg::{RefArg, Variant};
use dbus::blocking::Connection;
use dbus::channel::{MatchingReceiver, Sender as _};
use dbus::message::MatchRule;
use dbus_crossroads::{Context, Crossroads};
use parking_lot::Mutex;
use tokio::sync::mpsc::UnboundedSender;

mod dbusmenu;

use crate::menu::MenuEntry;
use crate::texts::Lang;
use dbusmenu::{register_menu, MENU};

/// The item's object path.
pub const ITEM_PATH: &str = "/StatusNotifierItem";
/// The menu's object path.
pub const MENU_PATH: &str = "/MenuBar";
const ITEM: &str = "org.kde.StatusNotifierItem";
const WATCHER: &str = "org.kde.StatusNotifierWatcher";
/// The app's single-instance interface (tauri-plugin-single-instance on Linux).
const SINGLE_INSTANCE: &str = "org.SingleInstance.DBus";

/// What the user did with the tray or a second launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Click {
    /// "Open Tern", a click on the icon, or a second launch.
    Open,
    /// An account entry: open the app on that account.
    Account(String),
    /// "Mute notifications" toggled.
    Mute,
    /// "Quit".
    Quit,
}

/// What the tray shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    /// The language of the fixed entries.
    pub lang: Lang,
    /// The unread total.
    pub unread: u64,
    /// The tooltip.
    pub tooltip: String,
    /// The account entries.
    pub accounts: Vec<MenuEntry>,
    /// "Mute notifications" checked.
    pub muted: bool,
}

struct Shared {
    model: Mutex<Model>,
    revision: Mutex<u32>,
    /// Clicks of the call being answered, sent on once its reply is out (a click
    /// may end this process at once: it becomes the app).
    pending: Mutex<Vec<Click>>,
    clicks: UnboundedSender<Click>,
    icon: (i32, i32, Vec<u8>),
}

/// The tray item, shown while this handle lives.
pub struct Tray {
    shared: Arc<Shared>,
    changed: mpsc::Sender<()>,
}

impl Tray {
    /// Shows `model` (signals the tray host when something changed).
    pub fn show(&self, model: Model) {
        {
            let mut m = self.shared.model.lock();
            if *m == model {
                return;
            }
            *m = model;
            *self.shared.revision.lock() += 1;
        }
        let _ = self.changed.send(());
    }
}

/// `rgba` (`w`×`h`) with a red dot in its top-right corner (the unread badge).
pub fn add_badge(rgba: &mut [u8], w: u32, h: u32) {
    let r = (w.min(h) as f32 * 0.22).max(2.0);
    let (cx, cy) = (w as f32 - r - 0.5, r + 0.5);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let i = ((y * w + x) * 4) as usize;
            if dx * dx + dy * dy <= r * r && i + 4 <= rgba.len() {
                rgba[i..i + 4].copy_from_slice(&[0xE5, 0x39, 0x35, 0xFF]);
            }
        }
    }
}

/// The app's 32×32 icon as RGBA.
fn icon_rgba() -> (u32, u32, Vec<u8>) {
    let decoded = (|| {
        let decoder = png::Decoder::new(std::io::Cursor::new(
            &include_bytes!("../../../icons/32x32.png")[..],
        ));
        let mut reader = decoder.read_info().ok()?;
        let mut buf = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut buf).ok()?;
        (info.color_type == png::ColorType::Rgba && info.bit_depth == png::BitDepth::Eight)
            .then(|| (info.width, info.height, buf[..info.buffer_size()].to_vec()))
    })();
    decoded.unwrap_or_else(|| (32, 32, [0x1E, 0x88, 0xE5, 0xFF].repeat(32 * 32)))
}

/// RGBA to the ARGB32 (network byte order) of `IconPixmap`.
fn argb(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| [p[3], p[0], p[1], p[2]])
        .collect()
}

type Pixmaps = Vec<(i32, i32, Vec<u8>)>;

fn pixmaps(shared: &Shared) -> Pixmaps {
    let (w, h, plain) = &shared.icon;
    if shared.model.lock().unread == 0 {
        return vec![(*w, *h, argb(plain))];
    }
    let mut rgba = plain.clone();
    add_badge(&mut rgba, *w as u32, *h as u32);
    vec![(*w, *h, argb(&rgba))]
}

/// The item's label: the unread count ("" when none, "99+" above 99).
pub fn label(unread: u64) -> String {
    crate::menu::title_for(unread).unwrap_or_default()
}

fn prop(v: impl RefArg + 'static) -> Variant<Box<dyn RefArg>> {
    Variant(Box::new(v))
}

type Data = Arc<Shared>;

fn register_item(cr: &mut Crossroads) -> dbus_crossroads::IfaceToken<Data> {
    cr.register(ITEM, |b| {
        b.property("Category")
            .get(|_, _: &mut Data| Ok("Communications".to_owned()));
        b.property("Id")
            .get(|_, _: &mut Data| Ok("tern".to_owned()));
        b.property("Title")
            .get(|_, _: &mut Data| Ok("Tern".to_owned()));
        b.property("Status")
            .get(|_, _: &mut Data| Ok("Active".to_owned()));
        b.property("WindowId").get(|_, _: &mut Data| Ok(0i32));
        b.property("IconName")
            .get(|_, _: &mut Data| Ok(String::new()));
        b.property("IconPixmap")
            .get(|_, s: &mut Data| Ok(pixmaps(s)));
        b.property("ItemIsMenu").get(|_, _: &mut Data| Ok(false));
        b.property("Menu")
            .get(|_, _: &mut Data| Ok(dbus::Path::from(MENU_PATH)));
        b.property("ToolTip").get(|_, s: &mut Data| {
            let tip = s.model.lock().tooltip.clone();
            Ok((String::new(), Pixmaps::new(), tip, String::new()))
        });
        b.property("XAyatanaLabel")
            .get(|_, s: &mut Data| Ok(label(s.model.lock().unread)));
        b.property("XAyatanaLabelGuide")
            .get(|_, _: &mut Data| Ok("99+".to_owned()));
        b.method(
            "Activate",
            ("x", "y"),
            (),
            |_, s: &mut Data, (_, _): (i32, i32)| {
                s.pending.lock().push(Click::Open);
                Ok(())
            },
        );
        b.method(
            "SecondaryActivate",
            ("x", "y"),
            (),
            |_, _: &mut Data, (_, _): (i32, i32)| Ok(()),
        );
        b.method(
            "ContextMenu",
            ("x", "y"),
            (),
            |_, _: &mut Data, (_, _): (i32, i32)| Ok(()),
        );
        b.method(
            "Scroll",
            ("delta", "orientation"),
            (),
            |_, _: &mut Data, (_, _): (i32, String)| Ok(()),
        );
        b.signal::<(), _>("NewIcon", ());
        b.signal::<(), _>("NewToolTip", ());
        b.signal::<(String, String), _>("XAyatanaNewLabel", ("label", "guide"));
    })
}

fn register_single_instance(cr: &mut Crossroads) -> dbus_crossroads::IfaceToken<Data> {
    cr.register(SINGLE_INSTANCE, |b| {
        b.method(
            "ExecuteCallback",
            ("argv", "cwd"),
            (),
            |_: &mut Context, s: &mut Data, (_, _): (Vec<String>, String)| {
                s.pending.lock().push(Click::Open);
                Ok(())
            },
        );
    })
}

/// The single-instance bus name and object path for `instance` (as
/// tauri-plugin-single-instance makes them).
pub fn single_instance_names(instance: &str) -> (String, String) {
    let name = format!("{instance}.SingleInstance");
    let path = format!("/{}", name.replace('.', "/").replace('-', "_"));
    (name, path)
}

/// The signals telling tray hosts that the label, icon, tooltip and menu changed.
fn changed_signals(shared: &Shared) -> Vec<dbus::Message> {
    let unread = shared.model.lock().unread;
    let signal = |path: &str, iface: &str, member: &str| {
        dbus::Message::new_signal(path.to_owned(), iface, member).ok()
    };
    let revision = *shared.revision.lock();
    [
        signal(ITEM_PATH, ITEM, "XAyatanaNewLabel").map(|m| m.append2(label(unread), "99+")),
        signal(ITEM_PATH, ITEM, "NewIcon"),
        signal(ITEM_PATH, ITEM, "NewToolTip"),
        signal(MENU_PATH, MENU, "LayoutUpdated").map(|m| m.append2(revision, 0i32)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Starts the tray on its own thread and connection: answers as `instance`'s
/// single instance, registers the item with the tray host, and sends clicks to
/// `clicks`. `Err` when there is no session bus.
pub fn start(
    instance: &str,
    model: Model,
    clicks: UnboundedSender<Click>,
) -> Result<Tray, dbus::Error> {
    let conn = Connection::new_session()?;
    let (name, path) = single_instance_names(instance);
    if let Err(e) = conn.request_name(name.as_str(), false, false, true) {
        tracing::warn!("single-instance name {name}: {e}");
    }
    let (w, h, rgba) = icon_rgba();
    let shared = Arc::new(Shared {
        model: Mutex::new(model),
        revision: Mutex::new(1),
        pending: Mutex::new(Vec::new()),
        clicks,
        icon: (w as i32, h as i32, rgba),
    });
    let mut cr = Crossroads::new();
    let item = register_item(&mut cr);
    let menu = register_menu(&mut cr);
    let single = register_single_instance(&mut cr);
    let props = cr.properties();
    cr.insert(ITEM_PATH, &[item, props], shared.clone());
    cr.insert(MENU_PATH, &[menu, props], shared.clone());
    cr.insert(path, &[single], shared.clone());
    let cr = Arc::new(std::sync::Mutex::new(cr));
    let calls = shared.clone();
    conn.start_receive(
        MatchRule::new_method_call(),
        Box::new(move |msg, conn| {
            if let Ok(mut cr) = cr.lock() {
                let _ = cr.handle_message(msg, conn);
            }
            conn.channel().flush();
            for c in calls.pending.lock().drain(..) {
                let _ = calls.clicks.send(c);
            }
            true
        }),
    );
    register_with_watcher(&conn);
    let (changed, rx) = mpsc::channel::<()>();
    let thread_shared = shared.clone();
    std::thread::Builder::new()
        .name("tray-dbus".into())
        .spawn(move || serve(conn, thread_shared, rx))
        .map_err(|e| dbus::Error::new_failed(&e.to_string()))?;
    Ok(Tray { shared, changed })
}

fn register_with_watcher(conn: &Connection) {
    let watcher = conn.with_proxy(WATCHER, "/StatusNotifierWatcher", Duration::from_secs(5));
    let r: Result<(), dbus::Error> =
        watcher.method_call(WATCHER, "RegisterStatusNotifierItem", (ITEM_PATH,));
    if let Err(e) = r {
        tracing::info!("no tray host to show the tray item: {e}");
    }
}

/// The bus thread: answers calls; sends the change signals when told to; registers
/// again when a tray host (re)appears.
fn serve(conn: Connection, shared: Arc<Shared>, changed: mpsc::Receiver<()>) {
    let watcher_back = Arc::new(Mutex::new(false));
    let flag = watcher_back.clone();
    let rule = MatchRule::new_signal("org.freedesktop.DBus", "NameOwnerChanged");
    let _ = conn.add_match(
        rule,
        move |(name, _, new): (String, String, String), _, _| {
            if name == WATCHER && !new.is_empty() {
                *flag.lock() = true;
            }
            true
        },
    );
    loop {
        if let Err(e) = conn.process(Duration::from_millis(250)) {
            tracing::warn!("tray bus connection: {e}");
            return;
        }
        let mut dirty = false;
        loop {
            match changed.try_recv() {
                Ok(()) => dirty = true,
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => return,
            }
        }
        if dirty {
            for m in changed_signals(&shared) {
                let _ = conn.send(m);
            }
        }
        if std::mem::take(&mut *watcher_back.lock()) {
            register_with_watcher(&conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_is_the_count_and_the_icon_gets_a_dot() {
        assert_eq!(label(0), "");
        assert_eq!(label(7), "7");
        assert_eq!(label(120), "99+");
        let (w, h, rgba) = icon_rgba();
        assert_eq!((w, h), (32, 32));
        let mut dotted = rgba.clone();
        add_badge(&mut dotted, w, h);
        assert_ne!(dotted, rgba);
        // The top-right corner's centre is red, the bottom-left untouched.
        let at = |b: &[u8], x: u32, y: u32| b[((y * w + x) * 4) as usize..][..4].to_vec();
        assert_eq!(at(&dotted, w - 5, 5), [0xE5, 0x39, 0x35, 0xFF]);
        assert_eq!(at(&dotted, 0, h - 1), at(&rgba, 0, h - 1));
        assert_eq!(argb(&[1, 2, 3, 4]), [4, 1, 2, 3]);
    }

    #[test]
    fn single_instance_names_match_the_apps_plugin() {
        let (name, path) = single_instance_names("org.tern.app-test");
        assert_eq!(name, "org.tern.app-test.SingleInstance");
        assert_eq!(path, "/org/tern/app_test/SingleInstance");
    }
}
