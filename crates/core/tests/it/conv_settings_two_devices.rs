//! Settings that follow the user (issue 18), through tern-core: two devices of
//! alice converge on pin order, mute, draft (newest wins, cleared by a send)
//! and clear history (hidden on both, not for the peer); a device that was
//! offline catches up; `should_notify` honours mute and the do-not-disturb
//! window at an injected time.

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::proto::{AccountSettings, ConvEdit, ConversationId, DndSchedule, Seq, Weekday};
use tern_core::{Client, Event};

/// Polls `f` until it holds (the other device applies a change-log push).
async fn eventually<F, Fut>(what: &str, f: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

fn ms(rfc: &str) -> i64 {
    rfc.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

async fn second_device(dir: &std::path::Path, addr: std::net::SocketAddr) -> Client {
    let mut cfg = fast_config(dir.join("alice-laptop"), addr);
    cfg.device = Some(tern_core::proto::DeviceId::new("laptop").unwrap());
    let laptop = Client::new(cfg).unwrap();
    let mut rx = laptop.subscribe();
    laptop.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    laptop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_converge_and_an_offline_one_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (phone, mut p_rx) = user(dir.path(), addr, "alice").await;
    let laptop = second_device(dir.path(), addr).await;
    let (bob, _) = user(dir.path(), addr, "bob").await;
    let ab = phone.direct_conversation(&uid("bob")).unwrap();
    for t in ["granite one", "granite two", "granite three"] {
        bob.send_text(&ab, t).await.unwrap();
    }
    wait_for(&mut p_rx, |e| {
        matches!(e, Event::UnreadChanged { unread: 3, .. })
    })
    .await;
    let group = bob
        .create_group("Climbing", &[uid("alice")], None)
        .await
        .unwrap();
    let g = ConversationId::Group(group.group.clone());
    eventually("the laptop has the group", || async {
        laptop.group(&group.group).await.unwrap().is_some()
    })
    .await;

    // Pin on one device, the other reorders: the newest pin first.
    phone.pin_conv(&ab).await.unwrap();
    laptop.pin_conv(&g).await.unwrap();
    let order = |c: Client| async move {
        let all = c.all_conv_settings().await.unwrap();
        all.iter()
            .filter(|s| s.pinned.is_some())
            .map(|s| s.conv.clone())
            .collect::<Vec<_>>()
    };
    eventually("both list g then ab as pinned", || async {
        order(phone.clone()).await == vec![g.clone(), ab.clone()]
            && order(laptop.clone()).await == vec![g.clone(), ab.clone()]
    })
    .await;

    // Mute on the laptop: the phone shows no notification for that chat.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let until = now + 3_600_000;
    laptop.mute_conv(&ab, Some(until)).await.unwrap();
    eventually("the phone has the mute", || async {
        phone.conv_settings(&ab).await.unwrap().is_muted(now)
    })
    .await;
    assert!(!phone.should_notify(&ab, now).await.unwrap());
    assert!(
        phone.should_notify(&ab, until).await.unwrap(),
        "the mute ended"
    );
    assert!(phone.should_notify(&g, now).await.unwrap());

    // Draft typed on the phone appears on the laptop; an older edit loses.
    phone.set_draft(&ab, "see you at the crag").await.unwrap();
    eventually("the laptop shows the draft", || async {
        laptop.conversation(&ab).await.unwrap().unwrap().draft == "see you at the crag"
    })
    .await;
    let stale = ConvEdit::Draft {
        text: "stale".into(),
        edited_at: 1,
    };
    assert_eq!(
        laptop.edit_conv(&ab, stale).await.unwrap().draft,
        "see you at the crag"
    );
    // Sending from the laptop clears the draft everywhere.
    laptop.send_text(&ab, "granite four").await.unwrap();
    eventually("the draft is cleared on the phone", || async {
        phone.conv_settings(&ab).await.unwrap().draft.is_empty()
            && phone
                .conversation(&ab)
                .await
                .unwrap()
                .unwrap()
                .draft
                .is_empty()
    })
    .await;

    // Clear history on the phone: hidden on both of alice's devices, not for bob.
    let hits = |c: Client, conv: ConversationId| async move {
        c.search_in("granite", Some(&conv), 0, 20)
            .await
            .unwrap()
            .messages
            .len()
    };
    eventually("the laptop has all four", || async {
        laptop.messages(&ab, None, 50).await.unwrap().len() == 4
    })
    .await;
    eventually("the laptop's search finds all four first", || async {
        hits(laptop.clone(), ab.clone()).await == 4
    })
    .await;
    let cleared = phone.clear_history(&ab, None).await.unwrap();
    assert_eq!(cleared.cleared_seq, Seq(4));
    for (name, c) in [("phone", &phone), ("laptop", &laptop)] {
        eventually(&format!("{name} hides the cleared range"), || async {
            c.conv_settings(&ab).await.unwrap().cleared_seq == Seq(4)
        })
        .await;
        assert!(
            c.messages(&ab, None, 50).await.unwrap().is_empty(),
            "{name}"
        );
        assert_eq!(hits(c.clone(), ab.clone()).await, 0, "{name} search");
        let conv = c.conversation(&ab).await.unwrap().unwrap();
        assert_eq!((conv.unread, conv.last.is_none()), (0, true), "{name}");
    }
    assert_eq!(bob.messages(&ab, None, 50).await.unwrap().len(), 4);
    eventually("bob still finds them", || async {
        hits(bob.clone(), ab.clone()).await == 4
    })
    .await;
    // A newer message shows again.
    bob.send_text(&ab, "granite five").await.unwrap();
    eventually("the phone shows the new one", || async {
        phone.messages(&ab, None, 50).await.unwrap().len() == 1
    })
    .await;

    // The laptop goes offline; the phone changes things; the laptop catches up.
    laptop.close().await;
    phone.unpin_conv(&g).await.unwrap();
    phone.archive_conv(&g).await.unwrap();
    let dnd = DndSchedule {
        start: "22:00".into(),
        end: "08:00".into(),
        tz: "Europe/Paris".into(),
        days: vec![Weekday::Tue],
    };
    let acct = AccountSettings {
        dnd: Some(dnd),
        sound: false,
        ..AccountSettings::default()
    };
    let stored = phone.set_account_settings(acct).await.unwrap();
    let laptop = second_device(dir.path(), addr).await;
    assert_eq!(laptop.account_settings().await.unwrap(), stored);
    assert_eq!(
        laptop.all_conv_settings().await.unwrap(),
        phone.all_conv_settings().await.unwrap()
    );
    let gs = laptop.conv_settings(&g).await.unwrap();
    assert_eq!(gs.pinned, None);
    assert!(gs.archived.is_some(), "{gs:?}");
    assert!(laptop.is_archived(&g, now).await.unwrap());
    // A new message brings it back (it is not muted) on both devices ...
    bob.send_text(&g, "anyone climbing?").await.unwrap();
    for (name, c) in [("phone", &phone), ("laptop", &laptop)] {
        eventually(&format!("{name}: back from the archive"), || async {
            !c.is_archived(&g, now).await.unwrap()
        })
        .await;
    }
    // ... but not a muted one.
    phone.archive_conv(&g).await.unwrap();
    phone.mute_conv(&g, None).await.unwrap();
    let max = |c: Client, g: ConversationId| async move {
        c.conversation(&g).await.unwrap().map_or(0, |c| c.max_seq.0)
    };
    let before = max(laptop.clone(), g.clone()).await;
    eventually("the laptop has the archive and the mute", || async {
        let s = laptop.conv_settings(&g).await.unwrap();
        s.archived == Some(Seq(before)) && s.muted
    })
    .await;
    bob.send_text(&g, "anyone at all?").await.unwrap();
    eventually("the laptop has the message", || async {
        max(laptop.clone(), g.clone()).await > before
    })
    .await;
    assert!(
        laptop.is_archived(&g, now).await.unwrap(),
        "muted: stays archived"
    );
    phone.unmute_conv(&g).await.unwrap();
    eventually("unmuted: back on the laptop", || async {
        !laptop.is_archived(&g, now).await.unwrap()
    })
    .await;

    // DND with injected time (Paris is UTC+1 in December): Tuesday 23:00
    // local is inside; Tuesday 21:00 and Wednesday 23:00 are not.
    let tue_2300 = ms("2026-12-01T22:00:00Z");
    assert!(!laptop.should_notify(&g, tue_2300).await.unwrap());
    assert!(!laptop
        .should_notify(&g, ms("2026-12-02T06:30:00Z"))
        .await
        .unwrap());
    assert!(laptop
        .should_notify(&g, ms("2026-12-01T20:00:00Z"))
        .await
        .unwrap());
    assert!(laptop
        .should_notify(&g, ms("2026-12-02T22:00:00Z"))
        .await
        .unwrap());
    // Notifications off: never.
    let off = AccountSettings {
        notifications: false,
        ..AccountSettings::default()
    };
    laptop.set_account_settings(off).await.unwrap();
    eventually("the phone has notifications off", || async {
        !phone
            .should_notify(&g, ms("2026-12-01T20:00:00Z"))
            .await
            .unwrap()
    })
    .await;

    for c in [phone, laptop, bob] {
        c.close().await;
    }
    server.shutdown().await;
}
