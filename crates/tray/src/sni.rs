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

use dbus::arg::{PropMap, RefArg, Variant};
use dbus::blocking::Connection;
use dbus::channel::{MatchingReceiver, Sender as _};
use dbus::message::MatchRule;
use dbus_crossroads::{Context, Crossroads};
use parking_lot::Mutex;
use tokio::sync::mpsc::UnboundedSender;

use crate::menu::MenuEntry;
use crate::texts::Lang;

/// The item's object path.
pub const ITEM_PATH: &str = "/StatusNotifierItem";
/// The menu's object path.
pub const MENU_PATH: &str = "/MenuBar";
const ITEM: &str = "org.kde.StatusNotifierItem";
const MENU: &str = "com.canonical.dbusmenu";
const WATCHER: &str = "org.kde.StatusNotifierWatcher";
/// The app's single-instance interface (tauri-plugin-single-instance on Linux).
const SINGLE_INSTANCE: &str = "org.SingleInstance.DBus";

/// Fixed menu ids; account entries are [`FIRST_ACCOUNT`] onwards.
const OPEN: i32 = 1;
const MUTE: i32 = 2;
const QUIT: i32 = 3;
const SEPARATOR_1: i32 = 4;
const SEPARATOR_2: i32 = 5;
const FIRST_ACCOUNT: i32 = 100;

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

/// One menu node: (id, properties, children).
type Node = (i32, PropMap, Vec<Variant<Box<dyn RefArg>>>);

/// The menu as (id, properties) in order: Open Tern, ─, accounts, ─, Mute, Quit.
fn items(m: &Model) -> Vec<(i32, PropMap)> {
    let t = m.lang.texts();
    let standard = |label: &str| {
        let mut p = PropMap::new();
        p.insert("label".into(), prop(label.to_owned()));
        p
    };
    let separator = || {
        let mut p = PropMap::new();
        p.insert("type".into(), prop("separator".to_owned()));
        p
    };
    let check = |label: &str, on: bool| {
        let mut p = standard(label);
        p.insert("toggle-type".into(), prop("checkmark".to_owned()));
        p.insert("toggle-state".into(), prop(i32::from(on)));
        p
    };
    let mut out = vec![(OPEN, standard(t.open_tern))];
    if !m.accounts.is_empty() {
        out.push((SEPARATOR_1, separator()));
        for (i, e) in m.accounts.iter().enumerate() {
            out.push((FIRST_ACCOUNT + i as i32, check(&e.text, e.checked)));
        }
        out.push((SEPARATOR_2, separator()));
    }
    out.push((MUTE, check(t.mute_notifications, m.muted)));
    out.push((QUIT, standard(t.quit)));
    out
}

fn layout(m: &Model) -> Node {
    let children = items(m)
        .into_iter()
        .map(|(id, p)| prop((id, p, Vec::<Variant<Box<dyn RefArg>>>::new())))
        .collect();
    let mut root = PropMap::new();
    root.insert("children-display".into(), prop("submenu".to_owned()));
    (0, root, children)
}

/// What a click on menu item `id` means.
fn click_of(m: &Model, id: i32) -> Option<Click> {
    match id {
        OPEN => Some(Click::Open),
        MUTE => Some(Click::Mute),
        QUIT => Some(Click::Quit),
        id if id >= FIRST_ACCOUNT => m
            .accounts
            .get((id - FIRST_ACCOUNT) as usize)
            .and_then(|e| crate::menu::account_of(&e.id).map(|a| Click::Account(a.to_owned()))),
        _ => None,
    }
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

fn register_menu(cr: &mut Crossroads) -> dbus_crossroads::IfaceToken<Data> {
    cr.register(MENU, |b| {
        b.property("Version").get(|_, _: &mut Data| Ok(3u32));
        b.property("TextDirection")
            .get(|_, _: &mut Data| Ok("ltr".to_owned()));
        b.property("Status")
            .get(|_, _: &mut Data| Ok("normal".to_owned()));
        b.property("IconThemePath")
            .get(|_, _: &mut Data| Ok(Vec::<String>::new()));
        b.method(
            "GetLayout",
            ("parentId", "recursionDepth", "propertyNames"),
            ("revision", "layout"),
            |_, s: &mut Data, (_, _, _): (i32, i32, Vec<String>)| {
                let m = s.model.lock().clone();
                Ok((*s.revision.lock(), layout(&m)))
            },
        );
        b.method(
            "GetGroupProperties",
            ("ids", "propertyNames"),
            ("properties",),
            |_, s: &mut Data, (ids, _): (Vec<i32>, Vec<String>)| {
                let all = items(&s.model.lock());
                let out: Vec<(i32, PropMap)> = all
                    .into_iter()
                    .filter(|(id, _)| ids.is_empty() || ids.contains(id))
                    .collect();
                Ok((out,))
            },
        );
        b.method(
            "Event",
            ("id", "eventId", "data", "timestamp"),
            (),
            |_, s: &mut Data, (id, event, _, _): (i32, String, Variant<Box<dyn RefArg>>, u32)| {
                if event == "clicked" {
                    if let Some(c) = click_of(&s.model.lock(), id) {
                        s.pending.lock().push(c);
                    }
                }
                Ok(())
            },
        );
        b.method(
            "AboutToShow",
            ("id",),
            ("needUpdate",),
            |_, _: &mut Data, (_,): (i32,)| Ok((false,)),
        );
        b.signal::<(u32, i32), _>("LayoutUpdated", ("revision", "parent"));
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
mod tests;
