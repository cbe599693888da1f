//! A member who is offline while her groups change replays every group event from
//! the change log when she comes back (same device: the log since her version; a new
//! device: a snapshot) and ends with the same groups, members and conversations as
//! the server. What was sent meanwhile, also into a group she was added to while
//! away, is backlog (not live news to notify) and counted by the sync.

use crate::common;

use common::*;
use tern_core::proto::{Change, ErrorCode, GroupRole, JoinPolicy};
use tern_core::{Client, Event, GroupUpdate};

/// A short name for each group event, to compare sequences.
fn describe(e: &Event) -> Option<String> {
    Some(match e.group_change() {
        Some(Change::GroupJoined { group, member, by }) => {
            format!(
                "joined {} as {:?} by {:?}",
                group.name,
                member.role,
                by.as_ref().map(|b| b.as_str())
            )
        }
        Some(Change::GroupMemberJoined { member, by, .. }) => {
            format!(
                "member_joined {} by {:?}",
                member.user,
                by.as_ref().map(|b| b.as_str())
            )
        }
        Some(Change::GroupMemberLeft {
            user, reason, by, ..
        }) => format!(
            "member_left {user} {reason:?} by {:?}",
            by.as_ref().map(|b| b.as_str())
        ),
        Some(Change::GroupInfoChanged { group, by }) => {
            format!("info {} by {by}", group.name)
        }
        Some(Change::GroupRoleChanged { user, role, .. }) => {
            format!("role {user} {role:?}")
        }
        Some(Change::GroupMemberMuted { user, until, .. }) => {
            format!("muted {user} {}", until.is_some())
        }
        Some(Change::GroupDismissed { by, .. }) => format!("dismissed by {by}"),
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_member_replays_group_events_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, _a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let (carol, mut c_rx) = user(dir.path(), addr, "carol").await;
    let (dave, _d_rx) = user(dir.path(), addr, "dave").await;

    let ops = alice
        .create_group("Ops", &[uid("bob"), uid("carol")], Some(JoinPolicy::Open))
        .await
        .unwrap();
    let g1 = ops.group.clone();
    let doomed = alice
        .create_group("Doomed", &[uid("carol")], None)
        .await
        .unwrap();
    let g2 = doomed.group.clone();
    for g in [&g1, &g2] {
        wait_for(
            &mut c_rx,
            |e| matches!(e.group_change(), Some(Change::GroupJoined { group, .. }) if &group.group == g),
        )
        .await;
    }
    wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;
    // Carol knows the full member list before she goes away.
    assert_eq!(carol.group_members(&g1).await.unwrap().len(), 3);
    carol.close().await;

    // ---- while carol is offline ----
    let c1 = alice.group_conversation(&g1);
    alice
        .update_group(
            &g1,
            GroupUpdate {
                name: Some("Ops 2".into()),
                notice: Some("on call this week: bob".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    alice
        .set_member_role(&g1, &uid("bob"), GroupRole::Admin)
        .await
        .unwrap();
    // Bob's cache saw his promotion before he acts as admin.
    wait_for(&mut b_rx, |e| {
        matches!(
            e.group_change(),
            Some(Change::GroupRoleChanged {
                role: GroupRole::Admin,
                ..
            })
        )
    })
    .await;
    bob.mute_member(&g1, &uid("carol"), 30).await.unwrap();
    assert!(dave.join_group(&g1, "").await.unwrap());
    bob.kick_member(&g1, &uid("dave")).await.unwrap();
    alice.invite_members(&g1, &[uid("dave")]).await.unwrap();
    for i in 1..=3 {
        alice.send_text(&c1, &format!("news {i}")).await.unwrap();
    }
    bob.send_text(&c1, "ack").await.unwrap();
    alice.dismiss_group(&g2).await.unwrap();
    let fresh = alice
        .create_group("Fresh", &[uid("carol")], None)
        .await
        .unwrap();
    let g3 = fresh.group.clone();
    let c3 = alice.group_conversation(&g3);
    for i in 1..=2 {
        alice.send_text(&c3, &format!("welcome {i}")).await.unwrap();
    }
    let brief = alice
        .create_group("Brief", &[uid("carol")], None)
        .await
        .unwrap();
    let g4 = brief.group.clone();
    alice.kick_member(&g4, &uid("carol")).await.unwrap();

    // ---- carol comes back on the same device ----
    let carol = Client::new(fast_config(dir.path().join("carol"), addr)).unwrap();
    let mut c_rx = carol.subscribe();
    carol.login(&uid("carol"), "password123").await.unwrap();
    let mut replayed = Vec::new();
    let mut news = Vec::new();
    let synced = loop {
        let e = wait_for(&mut c_rx, |_| true).await;
        if let Event::SyncFinished { messages, .. } = e {
            break messages;
        }
        if let Event::NewMessage { message, live } = &e {
            news.push((message.conv.clone(), *live));
        }
        if let Some(d) = describe(&e) {
            replayed.push(d);
        }
    };
    // Ops' four and Fresh's two, all backlog: Fresh was joined while she was away
    // (before: its messages were announced live, and left out of the count).
    assert_eq!(synced, 6, "{news:?}");
    assert_eq!(news.len(), 6, "{news:?}");
    assert!(news.iter().all(|(_, live)| !live), "{news:?}");
    assert_eq!(news.iter().filter(|(c, _)| c == &c3).count(), 2, "{news:?}");
    assert_eq!(
        replayed,
        [
            "info Ops 2 by alice",
            "role bob Admin",
            "muted carol true",
            "member_joined dave by None",
            "member_left dave Kicked by Some(\"bob\")",
            "member_joined dave by Some(\"alice\")",
            "dismissed by alice",
            "joined Fresh as Member by Some(\"alice\")",
            "joined Brief as Member by Some(\"alice\")",
            "member_left carol Kicked by Some(\"alice\")",
        ]
    );

    // Same groups as the server says, same members as the server lists.
    let mine: Vec<_> = carol.groups().await.unwrap();
    let ids: Vec<_> = mine.iter().map(|g| g.group.clone()).collect();
    let mut want = vec![g1.clone(), g3.clone()];
    want.sort();
    assert_eq!(ids, want);
    for g in &mine {
        assert_eq!(g, &alice.fetch_group_info(&g.group).await.unwrap());
    }
    let cached = carol.cached_group_members(&g1).await.unwrap();
    let truth = alice.group_members(&g1).await.unwrap();
    assert_eq!(cached, truth);
    let me = truth.iter().find(|m| m.user == uid("carol")).unwrap();
    assert!(me.muted_until.is_some());
    let roles: Vec<_> = truth.iter().map(|m| (m.user.as_str(), m.role)).collect();
    assert_eq!(
        roles,
        [
            ("alice", GroupRole::Owner),
            ("bob", GroupRole::Admin),
            ("carol", GroupRole::Member),
            ("dave", GroupRole::Member)
        ]
    );

    // Conversations: renamed, the missed messages unread; dismissed and kicked-from gone.
    let convs = carol.conversations().await.unwrap();
    let titles: Vec<_> = convs.iter().map(|c| (c.title.as_str(), c.unread)).collect();
    assert!(titles.contains(&("Ops 2", 4)), "{titles:?}");
    assert!(titles.contains(&("Fresh", 2)), "{titles:?}");
    assert_eq!(convs.len(), 2, "{titles:?}");
    assert_eq!(carol.total_unread().await.unwrap(), 6);
    let history = carol.messages(&c1, None, 10).await.unwrap();
    assert_eq!(history.len(), 4);
    // Still muted: the refusal carries the code.
    let err = carol.send_text(&c1, "back!").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Muted));

    // ---- a brand-new device of carol's takes a snapshot: same state ----
    let other = Client::new(fast_config(dir.path().join("carol-laptop"), addr)).unwrap();
    let mut o_rx = other.subscribe();
    other.login(&uid("carol"), "password123").await.unwrap();
    wait_for(&mut o_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    assert_eq!(other.groups().await.unwrap(), mine);
    assert_eq!(other.cached_group_members(&g1).await.unwrap(), truth);
    let titles: Vec<_> = other
        .conversations()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"Ops 2".to_string()));

    // The kicked group is gone everywhere for carol; a later change to it reaches her no more.
    assert!(carol.group(&g4).await.unwrap().is_none());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_lists_come_from_the_cache_while_the_server_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, mut a_rx) = user(dir.path(), addr, "alice").await;
    let (_bob, _b_rx) = user(dir.path(), addr, "bob").await;
    let g = alice
        .create_group("Offline", &[uid("bob")], None)
        .await
        .unwrap();
    let members = alice.group_members(&g.group).await.unwrap();
    assert_eq!(members.len(), 2);

    server.shutdown().await;
    wait_for(&mut a_rx, |e| matches!(e, Event::ConnectFailed { .. })).await;
    assert_eq!(alice.group_members(&g.group).await.unwrap(), members);
    assert_eq!(alice.groups().await.unwrap(), vec![g.clone()]);
    let convs = alice.conversations().await.unwrap();
    assert_eq!(convs[0].title, "Offline");
    let err = alice.fetch_group_info(&g.group).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}
