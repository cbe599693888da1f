//! Group messages: one seq per group, delivered to every member's devices;
//! non-members cannot read, post, pull, mark read or see recalls; read state
//! per member; mutes; recalls by the sender and by the owner/admins.

use crate::common;
use crate::groups_support;

use std::time::Duration;

use common::{uid, TestServer};
use groups_support::*;
use tern_proto::{ErrorCode, GroupRole, Platform, Push, Request, Response, Seq};

#[tokio::test]
async fn group_messages_reach_every_members_devices_with_one_seq_per_group() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut alice_phone = server.device("alice", "phone", Platform::Mobile).await;
    let [mut bob, mut carol] = users(&server, ["bob", "carol"]).await;
    let g = create(&mut alice, "Chat", &["bob", "carol"], None).await;
    joined(&mut [&mut bob, &mut carol], &g.group).await;
    let other = create(&mut bob, "Other", &["carol"], None).await;
    joined(&mut [&mut carol], &other.group).await;
    assert_eq!(gsend(&mut alice, &g.group, "a1", "hello").await, Seq(1));
    assert_eq!(gsend(&mut bob, &g.group, "b1", "hi").await, Seq(2));
    assert_eq!(
        gsend(&mut carol, &other.group, "c1", "elsewhere").await,
        Seq(1),
        "each group has its own seq"
    );
    assert_eq!(gsend(&mut carol, &g.group, "c2", "yo").await, Seq(3));
    let seqs = |ms: Vec<tern_proto::Message>| {
        ms.into_iter()
            .filter(|m| m.conv == gconv(&g.group))
            .map(|m| (m.seq.0, m.sender.to_string()))
            .collect::<Vec<_>>()
    };
    // alice's phone gets her own message too; her sending connection does not.
    assert_eq!(
        seqs(alice_phone.messages(3).await),
        [(1, "alice".into()), (2, "bob".into()), (3, "carol".into())]
    );
    assert_eq!(
        seqs(alice.messages(2).await),
        [(2, "bob".into()), (3, "carol".into())]
    );
    assert_eq!(
        seqs(bob.messages(3).await),
        [(1, "alice".into()), (3, "carol".into())],
        "bob also got carol's message in the other group"
    );
    let left = alice.drain_pushes(Duration::from_millis(200)).await;
    assert!(
        !left.iter().any(|p| matches!(p, Push::Message { .. })),
        "{left:?}"
    );
    // Pull and history work for members.
    let (pulled, _) = carol.pull_all(&gconv(&g.group), 1, 3, 2).await;
    assert_eq!(pulled.len(), 3);
    let Response::Messages { messages } = carol
        .ok(Request::History {
            conv: gconv(&g.group),
            before: None,
            limit: Some(10),
        })
        .await
    else {
        panic!()
    };
    assert_eq!(messages[0].seq, Seq(3));
    server.stop().await;
}

#[tokio::test]
async fn non_members_cannot_post_read_pull_mark_read_or_see_recalls() {
    let server = TestServer::start().await;
    let [mut alice, mut eve] = users(&server, ["alice", "eve"]).await;
    let g = create(&mut alice, "Private", &[], None).await;
    gsend(&mut alice, &g.group, "a1", "secret").await;
    let conv = gconv(&g.group);
    let mut reqs = member_reads(&g.group, "e1", "let me in");
    reqs.extend([
        Request::Recalls {
            conv: conv.clone(),
            since: 0,
            limit: None,
        },
        Request::Recall {
            conv: conv.clone(),
            seq: Seq(1),
        },
    ]);
    for req in reqs {
        let name = req.name();
        let msg = fails(&mut eve, req, ErrorCode::Forbidden).await;
        assert!(msg.contains("not a member"), "{name}: {msg}");
    }
    let conversations = get_conversations(&mut eve).await;
    assert!(conversations.is_empty());
    // A kicked member loses access at once.
    alice
        .ok(Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("eve")],
        })
        .await;
    eve.ok(pull_first(&conv)).await;
    alice
        .ok(Request::KickMember {
            group: g.group.clone(),
            user: uid("eve"),
        })
        .await;
    fails(
        &mut eve,
        gtext(&g.group, "e2", "still?"),
        ErrorCode::Forbidden,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn mark_read_moves_only_my_read_seq_and_tells_only_my_devices() {
    let server = TestServer::start().await;
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    let mut bob_phone = server.device("bob", "phone", Platform::Mobile).await;
    let mut carol = server.user("carol").await;
    let g = create(&mut alice, "Reads", &["bob", "carol"], None).await;
    joined(&mut [&mut bob, &mut carol], &g.group).await;
    for i in 0..3 {
        gsend(&mut alice, &g.group, &format!("a{i}"), "m").await;
    }
    bob.messages(3).await;
    bob.ok(Request::MarkRead {
        conv: gconv(&g.group),
        seq: Seq(2),
    })
    .await;
    let p = bob_phone
        .push_where(|p| matches!(p, Push::Read { .. }))
        .await;
    assert_eq!(
        p,
        Push::Read {
            conv: gconv(&g.group),
            user: uid("bob"),
            seq: Seq(2)
        }
    );
    for c in [&mut alice, &mut carol] {
        let got = c.drain_pushes(Duration::from_millis(300)).await;
        assert!(
            !got.iter().any(|p| matches!(p, Push::Read { .. })),
            "read receipts are not fanned out to the group: {got:?}"
        );
    }
    let unread = |c: Response| match c {
        Response::Conversations { conversations } => {
            let c = &conversations[0];
            (c.read_seq.0, c.unread, c.peer_read_seq.0)
        }
        _ => panic!(),
    };
    assert_eq!(unread(bob.ok(Request::Conversations).await), (2, 1, 0));
    assert_eq!(unread(carol.ok(Request::Conversations).await), (0, 3, 0));
    assert_eq!(
        unread(alice.ok(Request::Conversations).await),
        (3, 0, 0),
        "sending reads up to one's own message"
    );
    server.stop().await;
}

#[tokio::test]
async fn muted_members_cannot_post_until_unmuted_and_mute_all_leaves_admins_their_voice() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(&mut alice, "Mutes", &["bob", "carol"], None).await;
    joined(&mut [&mut bob, &mut carol], &g.group).await;
    let gid = g.group.clone();
    alice
        .ok(Request::MuteMember {
            group: gid.clone(),
            user: uid("bob"),
            minutes: 10,
        })
        .await;
    let msg = fails(&mut bob, gtext(&gid, "b1", "hey"), ErrorCode::Muted).await;
    assert!(msg.contains("muted"), "{msg}");
    gsend(&mut carol, &gid, "c1", "I can talk").await;
    alice
        .ok(Request::MuteMember {
            group: gid.clone(),
            user: uid("bob"),
            minutes: 0,
        })
        .await;
    gsend(&mut bob, &gid, "b1", "free again").await;
    fails(
        &mut alice,
        Request::MuteMember {
            group: gid.clone(),
            user: uid("bob"),
            minutes: 43_201,
        },
        ErrorCode::InvalidArgument,
    )
    .await;

    set_role(&mut alice, &gid, "carol", GroupRole::Admin).await;
    fails(
        &mut bob,
        Request::MuteAll {
            group: gid.clone(),
            muted: true,
        },
        ErrorCode::Forbidden,
    )
    .await;
    carol
        .ok(Request::MuteAll {
            group: gid.clone(),
            muted: true,
        })
        .await;
    let Response::Group { group } = bob.ok(Request::GetGroupInfo { group: gid.clone() }).await
    else {
        panic!()
    };
    assert!(group.all_muted);
    let msg = fails(&mut bob, gtext(&gid, "b2", "hello?"), ErrorCode::Muted).await;
    assert!(msg.contains("only the owner and admins"), "{msg}");
    gsend(&mut carol, &gid, "c2", "admins may").await;
    gsend(&mut alice, &gid, "a1", "owner may").await;
    alice
        .ok(Request::MuteAll {
            group: gid.clone(),
            muted: false,
        })
        .await;
    gsend(&mut bob, &gid, "b2", "back").await;
    server.stop().await;
}

#[tokio::test]
async fn owner_and_admins_recall_anyones_message_members_only_their_own() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(&mut alice, "Recalls", &["bob", "carol"], None).await;
    joined(&mut [&mut bob, &mut carol], &g.group).await;
    let gid = g.group.clone();
    let conv = gconv(&gid);
    let s1 = gsend(&mut bob, &gid, "b1", "oops").await;
    let s2 = gsend(&mut carol, &gid, "c1", "spam").await;
    let s3 = gsend(&mut carol, &gid, "c2", "more spam").await;
    let recall = |seq| Request::Recall {
        conv: conv.clone(),
        seq,
    };
    fails(&mut bob, recall(s2), ErrorCode::Forbidden).await;
    bob.ok(recall(s1)).await;
    alice.ok(recall(s2)).await;
    set_role(&mut alice, &gid, "bob", GroupRole::Admin).await;
    bob.ok(recall(s3)).await;
    let pushes = carol.drain_pushes(Duration::from_millis(300)).await;
    let recalled: Vec<(u64, String)> = pushes
        .iter()
        .filter_map(|p| match p {
            Push::Recalled { seq, by, .. } => Some((seq.0, by.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(
        recalled,
        [(1, "bob".into()), (2, "alice".into()), (3, "bob".into())]
    );
    let Response::Recalls { latest, .. } = carol
        .ok(Request::Recalls {
            conv: conv.clone(),
            since: 0,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert_eq!(latest, 3);
    server.stop().await;
}
