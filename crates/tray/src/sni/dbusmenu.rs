//! The tray item's menu as `com.canonical.dbusmenu` serves it: Open Tern, the
//! accounts, Mute notifications, Quit; its layout, and what a click on an entry means.

use dbus::arg::{PropMap, RefArg, Variant};
use dbus_crossroads::Crossroads;

use super::{prop, Click, Data, Model};

/// The menu's D-Bus interface.
pub(super) const MENU: &str = "com.canonical.dbusmenu";

/// Fixed menu ids; account entries are [`FIRST_ACCOUNT`] onwards.
const OPEN: i32 = 1;
const MUTE: i32 = 2;
const QUIT: i32 = 3;
const SEPARATOR_1: i32 = 4;
const SEPARATOR_2: i32 = 5;
const FIRST_ACCOUNT: i32 = 100;

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

pub(super) fn register_menu(cr: &mut Crossroads) -> dbus_crossroads::IfaceToken<Data> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::menu::MenuEntry;
    use crate::texts::Lang;

    fn model(accounts: usize) -> Model {
        Model {
            lang: Lang::En,
            unread: 3,
            tooltip: "Tern: 3 unread messages".into(),
            accounts: (0..accounts)
                .map(|i| MenuEntry {
                    id: format!("account:u{i}@ws://h"),
                    text: format!("u{i}@h"),
                    checked: i == 0,
                })
                .collect(),
            muted: false,
        }
    }

    fn labels(m: &Model) -> Vec<String> {
        items(m)
            .into_iter()
            .filter_map(|(_, p)| p.get("label").and_then(|v| v.0.as_str().map(str::to_owned)))
            .collect()
    }

    #[test]
    fn the_menu_is_open_accounts_mute_quit_and_clicks_name_what_was_clicked() {
        let m = model(2);
        assert_eq!(
            labels(&m),
            ["Open Tern", "u0@h", "u1@h", "Mute notifications", "Quit"]
        );
        assert_eq!(
            labels(&model(0)),
            ["Open Tern", "Mute notifications", "Quit"]
        );
        assert_eq!(click_of(&m, OPEN), Some(Click::Open));
        assert_eq!(
            click_of(&m, FIRST_ACCOUNT + 1),
            Some(Click::Account("u1@ws://h".into()))
        );
        assert_eq!(click_of(&m, FIRST_ACCOUNT + 2), None);
        assert_eq!(click_of(&m, SEPARATOR_1), None);
        assert_eq!(click_of(&m, QUIT), Some(Click::Quit));
        let zh = Model {
            lang: Lang::ZhCn,
            ..model(0)
        };
        assert_eq!(labels(&zh), ["打开 Tern", "通知静音", "退出"]);
    }
}
