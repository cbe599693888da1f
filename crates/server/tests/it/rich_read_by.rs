//! Group read-by (issue 17): the sender and the group's managers see who read
//! a message and who has not, derived from the members' read seqs, paged by
//! member id; a plain member asking about someone else's message gets
//! NotManager, an outsider Forbidden; the group can turn it off (ReadByOff).

use crate::common;
use crate::groups_support;

use common::*;
use groups_support::{create, gconv, gsend, set_role, users};
use tern_proto::{ConversationId, ErrorCode, GroupRole, Request, Response, Seq, UserId};

fn read_by(conv: &ConversationId, seq: Seq, after: Option<&str>, limit: u32) -> Request {
    Request::ReadBy {
        conv: conv.clone(),
        seq,
        after: after.map(uid),
        limit: Some(limit),
    }
}

type Page = (u32, u32, Vec<String>, Vec<String>, Option<String>);

async fn page(c: &mut Client, req: Request) -> Page {
    match c.ok(req).await {
        Response::ReadBy {
            read_count,
            unread_count,
            read,
            unread,
            next,
            ..
        } => {
            let ids = |v: Vec<UserId>| v.into_iter().map(|u| u.to_string()).collect();
            (
                read_count,
                unread_count,
                ids(read),
                ids(unread),
                next.map(|n| n.to_string()),
            )
        }
        other => panic!("{other:?}"),
    }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn sender_and_managers_see_who_read_paged_from_read_seqs() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave, mut erin, mut frank] =
        users(&server, ["alice", "bob", "carol", "dave", "erin", "frank"]).await;
    let g = create(&mut alice, "Team", &["bob", "carol", "dave", "erin"], None).await;
    let conv = gconv(&g.group);
    let seq = gsend(&mut bob, &g.group, "b1", "read me").await;
    for c in [&mut carol, &mut erin] {
        c.ok(Request::MarkRead {
            conv: conv.clone(),
            seq,
        })
        .await;
    }
    // Bob (the sender): everyone but him, by id, two per page.
    assert_eq!(
        page(&mut bob, read_by(&conv, seq, None, 2)).await,
        (
            2,
            2,
            names(&["carol"]),
            names(&["alice"]),
            Some("carol".into())
        )
    );
    assert_eq!(
        page(&mut bob, read_by(&conv, seq, Some("carol"), 2)).await,
        (2, 2, names(&["erin"]), names(&["dave"]), None),
        "the last page has no cursor"
    );
    assert_eq!(
        page(&mut bob, read_by(&conv, seq, Some("erin"), 2)).await,
        (2, 2, vec![], vec![], None)
    );
    // The owner may ask too; reading later moves dave over.
    dave.ok(Request::MarkRead {
        conv: conv.clone(),
        seq,
    })
    .await;
    assert_eq!(
        page(&mut alice, read_by(&conv, seq, None, 10)).await,
        (
            3,
            1,
            names(&["carol", "dave", "erin"]),
            names(&["alice"]),
            None
        )
    );
    // A plain member about someone else's message; an outsider; a missing message.
    assert_eq!(
        carol.err_code(read_by(&conv, seq, None, 10)).await,
        ErrorCode::NotManager
    );
    assert_eq!(
        frank.err_code(read_by(&conv, seq, None, 10)).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        bob.err_code(read_by(&conv, Seq(99), None, 10)).await,
        ErrorCode::NotFound
    );
    let d = dm("alice", "bob");
    alice.ok(text_msg(&d, "a1", "hi")).await;
    assert_eq!(
        alice.err_code(read_by(&d, Seq(1), None, 10)).await,
        ErrorCode::InvalidArgument
    );
    // An admin may ask; someone who joins later is not counted for older messages.
    set_role(&mut alice, &g.group, "carol", GroupRole::Admin).await;
    alice
        .ok(Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("frank")],
        })
        .await;
    assert_eq!(page(&mut carol, read_by(&conv, seq, None, 10)).await.0, 3);
    assert_eq!(page(&mut carol, read_by(&conv, seq, None, 10)).await.1, 1);
    server.stop().await;
}

#[tokio::test]
async fn a_group_can_turn_read_by_off_and_on() {
    let server = TestServer::start().await;
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    let g = create(&mut alice, "Quiet", &["bob"], None).await;
    assert!(g.read_by, "on by default");
    let conv = gconv(&g.group);
    let seq = gsend(&mut bob, &g.group, "b1", "hello").await;
    let set = |on| Request::UpdateGroup {
        group: g.group.clone(),
        name: None,
        avatar: None,
        notice: None,
        join_policy: None,
        history_visible: None,
        read_by: Some(on),
    };
    assert_eq!(bob.err_code(set(false)).await, ErrorCode::Forbidden);
    let Response::Group { group } = alice.ok(set(false)).await else {
        panic!()
    };
    assert!(!group.read_by);
    for c in [&mut alice, &mut bob] {
        assert_eq!(
            c.err_code(read_by(&conv, seq, None, 10)).await,
            ErrorCode::ReadByOff
        );
    }
    alice.ok(set(true)).await;
    assert_eq!(page(&mut bob, read_by(&conv, seq, None, 10)).await.1, 1);
    server.stop().await;
}

/// Sending implies having read: a member who sent after a message counts as
/// having read it — while theirs is the group's last message (SQLite keeps that
/// mark on the conversation's tail) and after someone else sent after them.
#[tokio::test]
async fn a_member_who_sent_after_a_message_has_read_it() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let g = create(&mut alice, "Team", &["bob", "carol", "dave"], None).await;
    let conv = gconv(&g.group);
    let seq = gsend(&mut bob, &g.group, "b1", "read me").await;
    gsend(&mut carol, &g.group, "c1", "seen it").await;
    assert_eq!(
        page(&mut bob, read_by(&conv, seq, None, 10)).await,
        (1, 2, names(&["carol"]), names(&["alice", "dave"]), None)
    );
    gsend(&mut dave, &g.group, "d1", "me too").await;
    assert_eq!(
        page(&mut bob, read_by(&conv, seq, None, 10)).await,
        (2, 1, names(&["carol", "dave"]), names(&["alice"]), None)
    );
    server.stop().await;
}

/// Attack (a blocked member watches the one who blocked them): carol blocked
/// bob, so bob's group messages are not sent to her; `read_by` on one of them
/// listed her anyway, read or unread, so bob learned when carol read the
/// group. Members who blocked a message's sender are in neither list nor count.
#[tokio::test]
async fn members_who_blocked_the_sender_are_left_out() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(&mut alice, "Team", &["bob", "carol"], None).await;
    let conv = gconv(&g.group);
    carol.ok(Request::Block { user: uid("bob") }).await;
    let seq = gsend(&mut bob, &g.group, "b1", "carol cannot see this").await;
    gsend(&mut alice, &g.group, "a1", "but this").await;
    carol
        .ok(Request::MarkRead {
            conv: conv.clone(),
            seq: Seq(seq.0 + 1),
        })
        .await;
    assert_eq!(
        page(&mut bob, read_by(&conv, seq, None, 10)).await,
        (1, 0, names(&["alice"]), vec![], None),
        "alice (who sent after it) read it; carol is not listed"
    );
    // The owner asking about bob's message sees the same.
    assert_eq!(page(&mut alice, read_by(&conv, seq, None, 10)).await.0, 1);
    server.stop().await;
}
