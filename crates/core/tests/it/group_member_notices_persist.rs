//! Membership lines of group timelines ("Alice removed Carol", "Dave joined", "Dave
//! left") are recorded in each device's cache when it applies the change, live or
//! replayed after being offline, survive a restart of the client, and are not made
//! up for the history a freshly synced device never saw. The creator and the first
//! members start with "Alice created the group".

use crate::common;

use common::*;
use tern_core::proto::{Change, JoinPolicy};
use tern_core::{Client, Event, MemberNotice, MemberNoticeKind};

/// (kind, user, by) of each notice, to compare.
fn lines(notices: &[MemberNotice]) -> Vec<(MemberNoticeKind, String, Option<String>)> {
    notices
        .iter()
        .map(|n| {
            (
                n.kind,
                n.user.to_string(),
                n.by.as_ref().map(|b| b.to_string()),
            )
        })
        .collect()
}

/// The notices after the group's creation line (checked on its own below).
async fn since_creation(c: &Client, conv: &tern_core::proto::ConversationId) -> Vec<MemberNotice> {
    let all = c.member_notices(conv, None, 100).await.unwrap();
    assert_eq!(
        all.first().map(|n| (n.kind, n.user.as_str())),
        Some((MemberNoticeKind::Created, "alice")),
        "{all:?}"
    );
    all[1..].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_notices_survive_restart_and_come_from_offline_replay() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, mut a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let (_carol, _c_rx) = user(dir.path(), addr, "carol").await;
    let (dave, _d_rx) = user(dir.path(), addr, "dave").await;

    let g = alice
        .create_group("Team", &[uid("bob"), uid("carol")], Some(JoinPolicy::Open))
        .await
        .unwrap();
    let group = g.group.clone();
    let conv = alice.group_conversation(&group);
    wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;
    // The creator and the first members get the line of its creation, at that time.
    for c in [&alice, &bob] {
        let n = c.member_notices(&conv, None, 100).await.unwrap();
        assert_eq!(
            lines(&n),
            [(MemberNoticeKind::Created, "alice".into(), None)]
        );
        assert_eq!(n[0].at, g.created_at);
    }
    bob.close().await;
    let before = tern_core::proto::Millis::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();

    // ---- while bob is offline ----
    alice.kick_member(&group, &uid("carol")).await.unwrap();
    assert!(dave.join_group(&group, "").await.unwrap());
    wait_for(&mut a_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupMemberJoined { .. }))
    })
    .await;
    dave.leave_group(&group).await.unwrap();
    wait_for(
        &mut a_rx,
        |e| matches!(e.group_change(), Some(Change::GroupMemberLeft { user, .. }) if user.as_str() == "dave"),
    )
    .await;

    let want = vec![
        (
            MemberNoticeKind::Kicked,
            "carol".into(),
            Some("alice".into()),
        ),
        (MemberNoticeKind::Joined, "dave".into(), None),
        (MemberNoticeKind::Left, "dave".into(), None),
    ];
    let live = since_creation(&alice, &conv).await;
    assert_eq!(lines(&live), want);
    assert!(live.iter().all(|n| n.conv == conv && n.at >= before));
    assert!(live.windows(2).all(|w| w[0].at <= w[1].at));
    // Bounded: the newest ones; `since` bounds from below.
    let newest = alice.member_notices(&conv, None, 1).await.unwrap();
    assert_eq!(lines(&newest), want[2..]);
    let later = alice
        .member_notices(&conv, Some(live[2].at), 100)
        .await
        .unwrap();
    assert_eq!(later.last(), live.last());

    // ---- alice restarts her app: the same rows, no duplicates after the resync ----
    alice.close().await;
    let alice = Client::new(fast_config(dir.path().join("alice"), addr)).unwrap();
    let mut a_rx = alice.subscribe();
    alice.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut a_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    assert_eq!(since_creation(&alice, &conv).await, live);

    // ---- bob comes back on the same device: the replayed change log records them ----
    let bob = Client::new(fast_config(dir.path().join("bob"), addr)).unwrap();
    let mut b_rx = bob.subscribe();
    bob.login(&uid("bob"), "password123").await.unwrap();
    wait_for(&mut b_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let replayed = since_creation(&bob, &conv).await;
    assert_eq!(lines(&replayed), want);
    // "When this device learnt of it": after bob came back.
    assert!(replayed.iter().all(|n| n.at > live[2].at));
    bob.close().await;
    let bob = Client::new(fast_config(dir.path().join("bob"), addr)).unwrap();
    let mut b_rx = bob.subscribe();
    bob.login(&uid("bob"), "password123").await.unwrap();
    wait_for(&mut b_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    assert_eq!(since_creation(&bob, &conv).await, replayed);

    // ---- a later live change reaches both, once ----
    assert!(dave.join_group(&group, "").await.unwrap());
    wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupMemberJoined { .. }))
    })
    .await;
    let now = since_creation(&bob, &conv).await;
    assert_eq!(now.len(), 4);
    assert_eq!(now[..3], replayed[..]);
    assert_eq!(
        lines(&now[3..]),
        [(MemberNoticeKind::Joined, "dave".to_string(), None)]
    );

    // ---- a brand-new device of bob's starts from a snapshot: no history made up ----
    let laptop = Client::new(fast_config(dir.path().join("bob-laptop"), addr)).unwrap();
    let mut l_rx = laptop.subscribe();
    laptop.login(&uid("bob"), "password123").await.unwrap();
    wait_for(&mut l_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    assert!(laptop
        .groups()
        .await
        .unwrap()
        .iter()
        .any(|x| x.group == group));
    assert!(laptop
        .member_notices(&conv, None, 100)
        .await
        .unwrap()
        .is_empty());
    server.shutdown().await;
}
