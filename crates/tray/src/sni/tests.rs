//! Unit tests of the tray icon: its menu, its label and badge, the single-instance names.

use super::*;

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
