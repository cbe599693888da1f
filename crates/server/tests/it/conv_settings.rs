//! Conversation settings and account settings (issue 18): every change reaches
//! the user's other devices live (`change` push) and an offline device through
//! `sync_changes`; the peer sees nothing; bad input is refused with its code.
//! Runs on SQLite and, with `scripts/test-postgres.sh`, on PostgreSQL.

use crate::common;

use std::time::Duration;

use common::*;
use tern_proto::{
    AccountSettings, Change, ConvEdit, ConvSettings, ConversationId, DndSchedule, ErrorCode,
    Platform, Push, Request, Response, Seq, ServerFrame, Weekday,
};

fn edit(conv: &ConversationId, edit: ConvEdit) -> Request {
    Request::EditConv {
        conv: conv.clone(),
        edit,
    }
}

async fn edited(c: &mut Client, conv: &ConversationId, e: ConvEdit) -> ConvSettings {
    match c.ok(edit(conv, e)).await {
        Response::ConvSettings { settings } => settings,
        other => panic!("{other:?}"),
    }
}

/// The next `conv_settings_changed` pushed to `c`.
async fn settings_push(c: &mut Client) -> ConvSettings {
    let p = c
        .push_where(|p| {
            matches!(
                p,
                Push::Change(v) if matches!(v.change, Change::ConvSettingsChanged { .. })
            )
        })
        .await;
    let Push::Change(v) = p else { unreachable!() };
    let Change::ConvSettingsChanged { settings } = v.change else {
        unreachable!()
    };
    settings
}

/// Both devices get the change (the one that made it too, like `read`).
async fn on_both(a1: &mut Client, a2: &mut Client, want: &ConvSettings) {
    assert_eq!(&settings_push(a1).await, want);
    assert_eq!(&settings_push(a2).await, want);
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn night() -> DndSchedule {
    DndSchedule {
        start: "22:00".into(),
        end: "08:00".into(),
        tz: "Europe/Paris".into(),
        days: vec![Weekday::Mon, Weekday::Fri],
    }
}

#[tokio::test]
async fn two_devices_of_one_user_converge_live_and_the_peer_sees_nothing() {
    let server = TestServer::start().await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut bob = server.user("bob").await;
    let _carol = server.user("carol").await;
    let (ab, ac) = (dm("alice", "bob"), dm("alice", "carol"));
    bob.pipeline(
        (1..=3)
            .map(|i| text_msg(&ab, &format!("m{i}"), "hi"))
            .collect(),
    )
    .await;

    // Pin order: the newest pin goes on top (highest order).
    let p1 = edited(&mut a1, &ab, ConvEdit::Pin { order: None }).await;
    on_both(&mut a1, &mut a2, &p1).await;
    let p2 = edited(&mut a2, &ac, ConvEdit::Pin { order: None }).await;
    on_both(&mut a1, &mut a2, &p2).await;
    assert!(p2.pinned > p1.pinned, "{p1:?} {p2:?}");
    // Mute until a time, archive at the current max seq.
    let until = now() + 3_600_000;
    let m = edited(&mut a1, &ab, ConvEdit::Mute { until: Some(until) }).await;
    assert_eq!((m.muted, m.muted_until), (true, Some(until)));
    on_both(&mut a1, &mut a2, &m).await;
    let a = edited(&mut a2, &ab, ConvEdit::Archive).await;
    assert_eq!(a.archived, Some(Seq(3)));
    on_both(&mut a1, &mut a2, &a).await;
    // Draft: the newest edit wins by its time; an older one is ignored (no push).
    let t = now();
    let d = ConvEdit::Draft {
        text: "see you at".into(),
        edited_at: t,
    };
    let newer = edited(&mut a1, &ab, d).await;
    on_both(&mut a1, &mut a2, &newer).await;
    let older = ConvEdit::Draft {
        text: "stale".into(),
        edited_at: t - 1000,
    };
    assert_eq!(
        edited(&mut a2, &ab, older).await,
        newer,
        "the older edit lost"
    );
    // Cleared when a message is sent: the sender's client writes "" at a later time.
    let cleared = ConvEdit::Draft {
        text: String::new(),
        edited_at: t + 1,
    };
    let empty = edited(&mut a2, &ab, cleared).await;
    assert_eq!(empty.draft, "");
    on_both(&mut a1, &mut a2, &empty).await;
    // Clear history: up to the max seq by default, clamped, never backwards.
    let c = edited(&mut a1, &ab, ConvEdit::Clear { seq: None }).await;
    assert_eq!(c.cleared_seq, Seq(3));
    on_both(&mut a1, &mut a2, &c).await;
    let back = edited(&mut a2, &ab, ConvEdit::Clear { seq: Some(Seq(1)) }).await;
    assert_eq!(back.cleared_seq, Seq(3));
    // Unmute, unarchive, unpin reach the other device too.
    for (e, check) in [
        (ConvEdit::Unmute, 0),
        (ConvEdit::Unarchive, 1),
        (ConvEdit::Unpin, 2),
    ] {
        let s = edited(&mut a1, &ab, e).await;
        on_both(&mut a1, &mut a2, &s).await;
        match check {
            0 => assert!(!s.muted && s.muted_until.is_none()),
            1 => assert_eq!(s.archived, None),
            _ => assert_eq!(s.pinned, None),
        }
    }
    // Both devices' snapshots are the same; the peer's are untouched and
    // the peer still pulls every message.
    let snap = |r| match r {
        Response::ConvSettingsList { settings } => settings,
        other => panic!("{other:?}"),
    };
    let s1 = snap(a1.ok(Request::GetConvSettings).await);
    assert_eq!(s1, snap(a2.ok(Request::GetConvSettings).await));
    assert_eq!(s1.len(), 2);
    assert!(snap(bob.ok(Request::GetConvSettings).await).is_empty());
    let pushes = bob.drain_pushes(Duration::from_millis(300)).await;
    assert!(
        !pushes.iter().any(|p| matches!(p, Push::Change(_))),
        "bob got {pushes:?}"
    );
    assert_eq!(bob.pull_all(&ab, 1, 3, 10).await.0.len(), 3);

    // Account settings.
    let mut want = AccountSettings {
        show_text: false,
        dnd: Some(night()),
        ..AccountSettings::default()
    };
    let Response::Settings { settings } = a1
        .ok(Request::SetSettings {
            settings: want.clone(),
        })
        .await
    else {
        panic!()
    };
    want.updated_at = settings.updated_at;
    assert_eq!(settings, want);
    let p = a2
        .push_where(
            |p| matches!(p, Push::Change(v) if matches!(v.change, Change::SettingsChanged { .. })),
        )
        .await;
    let Push::Change(v) = p else { unreachable!() };
    assert_eq!(
        v.change,
        Change::SettingsChanged {
            settings: want.clone()
        }
    );
    assert_eq!(
        a2.ok(Request::GetSettings).await,
        Response::Settings { settings: want }
    );
}

#[tokio::test]
async fn an_offline_device_catches_up_through_sync_changes_and_the_snapshot() {
    let server = TestServer::start().await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let _bob = server.user("bob").await;
    let Response::Group { group } = a1
        .ok(Request::CreateGroup {
            name: "Climbing".into(),
            members: vec![uid("bob")],
            join_policy: None,
        })
        .await
    else {
        panic!()
    };
    let g = ConversationId::Group(group.group.clone());
    let ab = dm("alice", "bob");
    let Response::Changes { latest: before, .. } = a1
        .ok(Request::SyncChanges {
            since: 0,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    // While a2 is offline:
    edited(&mut a1, &g, ConvEdit::Pin { order: Some(7) }).await;
    edited(&mut a1, &g, ConvEdit::Mute { until: None }).await;
    edited(
        &mut a1,
        &ab,
        ConvEdit::Draft {
            text: "later".into(),
            edited_at: now(),
        },
    )
    .await;
    let Response::Settings { settings: acct } = a1
        .ok(Request::SetSettings {
            settings: AccountSettings {
                notifications: false,
                ..AccountSettings::default()
            },
        })
        .await
    else {
        panic!()
    };

    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let Response::Changes { changes, latest } = a2
        .ok(Request::SyncChanges {
            since: before,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert_eq!(latest, before + 4);
    let kinds: Vec<_> = changes.iter().map(|c| &c.change).collect();
    let Change::ConvSettingsChanged { settings: last_g } = kinds[1] else {
        panic!("{kinds:?}")
    };
    assert_eq!(
        (last_g.pinned, last_g.muted, last_g.muted_until),
        (Some(7), true, None)
    );
    let Change::ConvSettingsChanged { settings: d } = kinds[2] else {
        panic!("{kinds:?}")
    };
    assert_eq!((&d.conv, d.draft.as_str()), (&ab, "later"));
    assert_eq!(
        kinds[3],
        &Change::SettingsChanged {
            settings: acct.clone()
        }
    );
    // The snapshot (for a device whose log was compacted) says the same.
    let Response::ConvSettingsList { settings } = a2.ok(Request::GetConvSettings).await else {
        panic!()
    };
    assert_eq!(settings, vec![d.clone(), last_g.clone()]);
    assert_eq!(
        a2.ok(Request::GetSettings).await,
        Response::Settings { settings: acct }
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_its_code() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let _carol = server.user("carol").await;
    let Response::Group { group } = bob
        .ok(Request::CreateGroup {
            name: "Bob's".into(),
            members: vec![],
            join_policy: None,
        })
        .await
    else {
        panic!()
    };
    let bobs_group = ConversationId::Group(group.group);
    let pin = ConvEdit::Pin { order: None };
    // Unknown conversation: no such group, no such peer.
    let no_group: ConversationId = "g:nosuchgroup".parse().unwrap();
    assert_eq!(
        alice.err_code(edit(&no_group, pin.clone())).await,
        ErrorCode::NotFound
    );
    let ghost = dm("alice", "ghost");
    assert_eq!(
        alice.err_code(edit(&ghost, pin.clone())).await,
        ErrorCode::NotFound
    );
    // A conversation I am not in.
    let bc = dm("bob", "carol");
    assert_eq!(
        alice.err_code(edit(&bc, pin.clone())).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        alice.err_code(edit(&bobs_group, pin.clone())).await,
        ErrorCode::Forbidden
    );
    // Draft too long, or from the far future; a mute that ends in the past.
    let ab = dm("alice", "bob");
    let long = ConvEdit::Draft {
        text: "x".repeat(8001),
        edited_at: now(),
    };
    assert_eq!(alice.err_code(edit(&ab, long)).await, ErrorCode::TooLarge);
    let future = ConvEdit::Draft {
        text: "hi".into(),
        edited_at: now() + 3_600_000,
    };
    assert_eq!(
        alice.err_code(edit(&ab, future)).await,
        ErrorCode::InvalidArgument
    );
    let past = ConvEdit::Mute {
        until: Some(now() - 1),
    };
    assert_eq!(
        alice.err_code(edit(&ab, past)).await,
        ErrorCode::InvalidArgument
    );
    // Malformed schedules.
    let bad = |f: &dyn Fn(&mut DndSchedule)| {
        let mut d = night();
        f(&mut d);
        Request::SetSettings {
            settings: AccountSettings {
                dnd: Some(d),
                ..AccountSettings::default()
            },
        }
    };
    let cases: [&dyn Fn(&mut DndSchedule); 7] = [
        &|d| d.start = "24:00".into(),
        &|d| d.end = "8:00".into(),
        &|d| d.end = d.start.clone(),
        &|d| d.tz = "Mars/Olympus".into(),
        &|d| d.tz = "x".repeat(65),
        &|d| d.days.clear(),
        &|d| d.days = vec![Weekday::Sun, Weekday::Sun],
    ];
    for (i, case) in cases.iter().enumerate() {
        let e = alice.err(bad(case)).await;
        assert_eq!(e.code, ErrorCode::InvalidArgument, "case {i}: {e:?}");
    }
    // Fields serde refuses: an unknown op, an unknown day.
    for raw in [
        r#"{"id":900,"req":{"cmd":"edit_conv","conv":"d:alice:bob","edit":{"op":"explode"}}}"#,
        r#"{"id":901,"req":{"cmd":"set_settings","settings":{"notifications":true,"show_text":true,"sound":true,"dnd":{"start":"22:00","end":"08:00","tz":"UTC","days":["funday"]}}}}"#,
    ] {
        alice.send_text(raw).await;
        match alice.frame().await {
            ServerFrame::Err { err, .. } => assert_eq!(err.code, ErrorCode::InvalidArgument),
            other => panic!("{other:?}"),
        }
    }
    // Nothing was stored by any refused request.
    let Response::ConvSettingsList { settings } = alice.ok(Request::GetConvSettings).await else {
        panic!()
    };
    assert!(settings.is_empty(), "{settings:?}");
    assert_eq!(
        alice.ok(Request::GetSettings).await,
        Response::Settings {
            settings: AccountSettings::default()
        }
    );
}
