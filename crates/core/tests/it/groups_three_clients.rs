//! Groups with three clients against a real server: create, chat both ways (titles,
//! unread, no peer receipts), open join, leave, invite, approval with accept and
//! refuse, update, admin, mutes (`Muted` surfaces as MessageFailed with the code),
//! kick (the kicked client loses the group and its conversation) and dismiss.

use crate::common;

use common::*;
use tern_core::proto::{
    ApplicationState, Change, ConversationId, ErrorCode, GroupRole, JoinPolicy, LeaveReason,
};
use tern_core::{Client, DeliveryState, Error, Event, GroupUpdate};

async fn listed(client: &Client, conv: &ConversationId) -> Option<tern_core::Conversation> {
    client
        .conversations()
        .await
        .unwrap()
        .into_iter()
        .find(|c| &c.conv == conv)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_chat_membership_roles_mutes_kick_and_dismiss() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, mut a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let (carol, mut c_rx) = user(dir.path(), addr, "carol").await;

    // ---- create: the group and its (empty) conversation appear for both ----
    let team = alice
        .create_group("Team", &[uid("bob")], Some(JoinPolicy::Open))
        .await
        .unwrap();
    assert_eq!(
        (team.name.as_str(), team.member_count, &team.owner),
        ("Team", 2, &uid("alice"))
    );
    let g = team.group.clone();
    let conv = alice.group_conversation(&g);
    assert_eq!(conv.to_string(), format!("g:{g}"));
    assert_eq!(alice.groups().await.unwrap(), vec![team.clone()]);
    let joined = wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;
    let Some(Change::GroupJoined { group, member, by }) = joined.group_change() else {
        unreachable!()
    };
    assert_eq!(
        (
            group.group.clone(),
            member.role,
            by.as_ref().map(|u| u.as_str())
        ),
        (g.clone(), GroupRole::Member, Some("alice"))
    );
    assert_eq!(bob.group(&g).await.unwrap().unwrap().name, "Team");
    let c = listed(&bob, &conv).await.expect("bob lists the new group");
    assert_eq!(
        (c.title.as_str(), c.peer.clone(), c.unread),
        ("Team", None, 0)
    );
    // The join's catch-up (the new group's conversation and history) runs in
    // bob's connection task after the events above; a resync queues behind it,
    // so alice's first message below reaches bob as a push, not in that pull.
    bob.resync().await.unwrap();

    // ---- chat both ways ----
    let sent = alice.send_text(&conv, "hello team").await.unwrap();
    assert_eq!(sent.state, DeliveryState::Sent);
    let Event::NewMessage { message, live } =
        wait_for(&mut b_rx, |e| matches!(e, Event::NewMessage { .. })).await
    else {
        unreachable!()
    };
    assert!(live);
    assert_eq!(
        (message.conv.clone(), message.sender.clone()),
        (conv.clone(), uid("alice"))
    );
    wait_for(
        &mut b_rx,
        |e| matches!(e, Event::UnreadChanged { conv: c, unread: 1 } if c == &conv),
    )
    .await;
    let c = listed(&bob, &conv).await.unwrap();
    assert_eq!((c.title.as_str(), c.unread), ("Team", 1));

    bob.send_text(&conv, "hi alice").await.unwrap();
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.sender.as_str() == "bob"),
    )
    .await;
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::UnreadChanged { conv: c, unread: 1 } if c == &conv),
    )
    .await;
    let c = listed(&alice, &conv).await.unwrap();
    assert_eq!(
        (c.title.as_str(), c.unread, c.peer_read_seq.0),
        ("Team", 1, 0)
    );
    // Sending read up to bob's own message: nothing unread for him.
    assert_eq!(listed(&bob, &conv).await.unwrap().unread, 0);
    alice.mark_read(&conv).await.unwrap();
    assert_eq!(listed(&alice, &conv).await.unwrap().unread, 0);
    // Bob reading does not turn alice's group message into `read` (no peer receipts).
    let msgs = alice.messages(&conv, None, 10).await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert!(msgs
        .iter()
        .all(|m| m.state == DeliveryState::Sent && m.seq.is_some()));

    // ---- open join, leave, invite ----
    let info = carol.fetch_group_info(&g).await.unwrap();
    assert_eq!((info.name.as_str(), info.member_count), ("Team", 2));
    assert!(carol.join_group(&g, "").await.unwrap());
    assert_eq!(carol.group(&g).await.unwrap().unwrap().member_count, 3);
    // A new member starts reading at the group's end, and (the group does not show
    // its history to newcomers) never gets the two earlier messages.
    let c = listed(&carol, &conv).await.unwrap();
    assert_eq!((c.max_seq.0, c.read_seq.0, c.unread), (2, 2, 0));
    assert_eq!(carol.messages(&conv, None, 10).await.unwrap().len(), 0);
    let e = wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupMemberJoined { .. }))
    })
    .await;
    assert!(
        matches!(e.group_change(), Some(Change::GroupMemberJoined { member, by: None, .. }) if member.user == uid("carol")),
        "{e:?}"
    );
    assert_eq!(bob.group(&g).await.unwrap().unwrap().member_count, 3);

    carol.leave_group(&g).await.unwrap();
    assert!(carol.groups().await.unwrap().is_empty());
    assert!(listed(&carol, &conv).await.is_none());
    wait_for(
        &mut c_rx,
        |e| matches!(e, Event::ConversationRemoved { conv: c } if c == &conv),
    )
    .await;
    let e = wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupMemberLeft { .. }))
    })
    .await;
    assert!(
        matches!(e.group_change(), Some(Change::GroupMemberLeft { user, reason: LeaveReason::Left, by: None, .. }) if user == &uid("carol")),
        "{e:?}"
    );

    alice.invite_members(&g, &[uid("carol")]).await.unwrap();
    wait_for(
        &mut c_rx,
        |e| matches!(e.group_change(), Some(Change::GroupJoined { group, .. }) if group.group == g),
    )
    .await;
    let e = wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupMemberJoined { .. }))
    })
    .await;
    assert!(
        matches!(e.group_change(), Some(Change::GroupMemberJoined { by: Some(by), .. }) if by == &uid("alice")),
        "{e:?}"
    );
    // Carol sees the history from before she left (server's choice) and the title.
    assert_eq!(listed(&carol, &conv).await.unwrap().title, "Team");

    // ---- update: the title follows ----
    let renamed = alice
        .update_group(
            &g,
            GroupUpdate {
                name: Some("Team Blue".into()),
                notice: Some("be nice".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.notice.as_str()),
        ("Team Blue", "be nice")
    );
    wait_for(&mut b_rx, |e| {
        matches!(e, Event::ConversationChanged { conversation } if conversation.title == "Team Blue")
    })
    .await;
    assert_eq!(bob.group(&g).await.unwrap().unwrap().notice, "be nice");

    // ---- admin ----
    alice
        .set_member_role(&g, &uid("bob"), GroupRole::Admin)
        .await
        .unwrap();
    wait_for(&mut c_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupRoleChanged { user, role: GroupRole::Admin, .. }) if user == &uid("bob"))
    })
    .await;
    let members = bob.group_members(&g).await.unwrap();
    let roles: Vec<_> = members.iter().map(|m| (m.user.as_str(), m.role)).collect();
    assert_eq!(
        roles,
        [
            ("alice", GroupRole::Owner),
            ("bob", GroupRole::Admin),
            ("carol", GroupRole::Member)
        ]
    );
    assert_eq!(bob.cached_group_members(&g).await.unwrap(), members);

    // ---- mute one member: her send fails with Muted, surfaced with the code ----
    bob.mute_member(&g, &uid("carol"), 10).await.unwrap();
    let e = wait_for(&mut c_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupMemberMuted { .. }))
    })
    .await;
    assert!(
        matches!(e.group_change(), Some(Change::GroupMemberMuted { user, until: Some(_), by, .. }) if user == &uid("carol") && by == &uid("bob")),
        "{e:?}"
    );
    let err = carol.send_text(&conv, "can I talk?").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Muted), "{err:?}");
    let Event::MessageFailed { message, error } =
        wait_for(&mut c_rx, |e| matches!(e, Event::MessageFailed { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(message.state, DeliveryState::Failed);
    assert_eq!(error.map(|e| e.code), Some(ErrorCode::Muted));
    bob.mute_member(&g, &uid("carol"), 0).await.unwrap();
    wait_for(&mut c_rx, |e| {
        matches!(
            e.group_change(),
            Some(Change::GroupMemberMuted { until: None, .. })
        )
    })
    .await;
    let thanks = carol.send_text(&conv, "thanks").await.unwrap();
    // An admin may recall anyone's group message; every member sees the tombstone.
    bob.recall(&conv, thanks.seq.unwrap()).await.unwrap();
    wait_for(&mut c_rx, |e| {
        matches!(e, Event::Recalled { by, seq, .. } if by == &uid("bob") && Some(*seq) == thanks.seq)
    })
    .await;
    wait_for(&mut a_rx, |e| matches!(e, Event::Recalled { .. })).await;

    // ---- mute all: members cannot post, admins can ----
    alice.mute_all(&g, true).await.unwrap();
    wait_for(
        &mut c_rx,
        |e| matches!(e.group_change(), Some(Change::GroupInfoChanged { group, .. }) if group.all_muted),
    )
    .await;
    assert!(carol.group(&g).await.unwrap().unwrap().all_muted);
    let err = carol.send_text(&conv, "still there?").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Muted));
    bob.send_text(&conv, "admins may talk").await.unwrap();
    alice.mute_all(&g, false).await.unwrap();

    // ---- approval: apply, accept; apply, refuse ----
    let closed = alice
        .create_group("Closed", &[], Some(JoinPolicy::Approval))
        .await
        .unwrap();
    let g2 = closed.group.clone();
    assert!(!carol.join_group(&g2, "let me in").await.unwrap());
    assert!(carol.group(&g2).await.unwrap().is_none());
    let e = wait_for(&mut a_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupApplicationAdded { .. }))
    })
    .await;
    assert!(
        matches!(e.group_change(), Some(Change::GroupApplicationAdded { application }) if application.user == uid("carol") && application.message == "let me in"),
        "{e:?}"
    );
    let apps = alice.group_applications(&g2).await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].state, ApplicationState::Pending);
    alice
        .accept_group_application(&g2, &uid("carol"))
        .await
        .unwrap();
    // Both come, in the server's order.
    let (mut joined, mut handled) = (false, false);
    while !(joined && handled) {
        match wait_for(&mut c_rx, |e| {
            matches!(
                e.group_change(),
                Some(Change::GroupJoined { .. }) | Some(Change::GroupApplicationHandled { .. })
            )
        })
        .await
        .group_change()
        {
            Some(Change::GroupJoined { group, .. }) => joined |= group.group == g2,
            Some(Change::GroupApplicationHandled { application }) => {
                handled |= application.state == ApplicationState::Accepted
            }
            _ => unreachable!(),
        }
    }
    assert_eq!(carol.group(&g2).await.unwrap().unwrap().member_count, 2);
    assert!(!bob.join_group(&g2, "me too").await.unwrap());
    alice
        .refuse_group_application(&g2, &uid("bob"))
        .await
        .unwrap();
    wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupApplicationHandled { application }) if application.state == ApplicationState::Refused)
    })
    .await;
    assert!(bob.group(&g2).await.unwrap().is_none());

    // ---- kick: the kicked client loses the group and its conversation ----
    bob.kick_member(&g, &uid("carol")).await.unwrap();
    let e = wait_for(
        &mut c_rx,
        |e| matches!(e.group_change(), Some(Change::GroupMemberLeft { group, .. }) if group == &g),
    )
    .await;
    assert!(
        matches!(e.group_change(), Some(Change::GroupMemberLeft { user, reason: LeaveReason::Kicked, by: Some(by), .. }) if user == &uid("carol") && by == &uid("bob")),
        "{e:?}"
    );
    wait_for(
        &mut c_rx,
        |e| matches!(e, Event::ConversationRemoved { conv: c } if c == &conv),
    )
    .await;
    assert!(carol.group(&g).await.unwrap().is_none());
    assert!(listed(&carol, &conv).await.is_none());
    assert_eq!(carol.groups().await.unwrap().len(), 1); // still in "Closed"
    let err = carol.send_text(&conv, "let me back").await.unwrap_err();
    assert!(
        matches!(err.code(), Some(ErrorCode::Forbidden | ErrorCode::NotFound)),
        "{err:?}"
    );
    wait_for(&mut a_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupMemberLeft { user, reason: LeaveReason::Kicked, .. }) if user == &uid("carol"))
    })
    .await;
    assert_eq!(alice.group(&g).await.unwrap().unwrap().member_count, 2);

    // ---- dismiss: gone for everyone ----
    alice.dismiss_group(&g).await.unwrap();
    let e = wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupDismissed { .. }))
    })
    .await;
    assert!(
        matches!(e.group_change(), Some(Change::GroupDismissed { group, by }) if group == &g && by == &uid("alice")),
        "{e:?}"
    );
    wait_for(
        &mut b_rx,
        |e| matches!(e, Event::ConversationRemoved { conv: c } if c == &conv),
    )
    .await;
    for client in [&alice, &bob, &carol] {
        assert!(client.group(&g).await.unwrap().is_none());
        assert!(listed(client, &conv).await.is_none());
    }
    assert_eq!(bob.total_unread().await.unwrap(), 0);
    let err = bob.fetch_group_info(&g).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_moves_ownership_and_the_old_owner_may_leave() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, mut a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let g = alice
        .create_group("Handover", &[uid("bob")], None)
        .await
        .unwrap()
        .group;
    // The owner may not simply leave.
    let err = alice.leave_group(&g).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");

    alice.transfer_group(&g, &uid("bob")).await.unwrap();
    assert_eq!(alice.group(&g).await.unwrap().unwrap().owner, uid("bob"));
    // Applied by the call, then pushed: announced once, not twice.
    let seen = drain(&mut a_rx, std::time::Duration::from_millis(500)).await;
    let infos = seen
        .iter()
        .filter(|e| matches!(e.group_change(), Some(Change::GroupInfoChanged { .. })))
        .count();
    let roles = seen
        .iter()
        .filter(|e| matches!(e.group_change(), Some(Change::GroupRoleChanged { .. })))
        .count();
    assert_eq!((infos, roles), (1, 2), "{seen:?}");
    wait_for(
        &mut b_rx,
        |e| matches!(e.group_change(), Some(Change::GroupInfoChanged { group, .. }) if group.owner == uid("bob")),
    )
    .await;
    assert_eq!(bob.group(&g).await.unwrap().unwrap().owner, uid("bob"));
    let roles: Vec<_> = bob
        .group_members(&g)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.user.to_string(), m.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("bob".to_string(), GroupRole::Owner),
            ("alice".to_string(), GroupRole::Admin)
        ]
    );
    let err = alice.dismiss_group(&g).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Forbidden), "{err:?}");

    alice.leave_group(&g).await.unwrap();
    assert!(alice.groups().await.unwrap().is_empty());
    wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupMemberLeft { user, reason: LeaveReason::Left, .. }) if user == &uid("alice"))
    })
    .await;
    let left = bob.group(&g).await.unwrap().unwrap();
    assert_eq!(left.member_count, 1);
    assert_eq!(bob.cached_group_members(&g).await.unwrap().len(), 1);
    server.shutdown().await;
}
