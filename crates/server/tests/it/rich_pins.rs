//! Pinned messages (issue 17): a group's owner and admins pin, a plain member
//! cannot (NotManager), either side of a one-to-one chat can (not when
//! blocked); at most `max_pins`; every member's devices get the list; the
//! conversation's `pin_version` tells an offline device to ask `get_pins`.

use crate::common;
use crate::groups_support;

use common::*;
use groups_support::{create, gconv, gsend, set_role, users};
use tern_proto::{ConversationId, ErrorCode, GroupRole, Push, Request, Response, Seq};

fn pin(conv: &ConversationId, seq: u64, on: bool) -> Request {
    Request::Pin {
        conv: conv.clone(),
        seq: Seq(seq),
        on,
    }
}

async fn pinned(c: &mut Client, req: Request) -> Vec<(u64, String)> {
    match c.ok(req).await {
        Response::Pins { pins, .. } => pins.iter().map(|p| (p.seq.0, p.by.to_string())).collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn group_owner_and_admins_pin_members_cannot_and_everyone_gets_the_list() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let g = create(&mut alice, "Team", &["bob", "carol"], None).await;
    let conv = gconv(&g.group);
    for i in 1..=3 {
        gsend(&mut carol, &g.group, &format!("c{i}"), "note").await;
    }
    assert_eq!(
        carol.err_code(pin(&conv, 1, true)).await,
        ErrorCode::NotManager
    );
    assert_eq!(
        dave.err_code(pin(&conv, 1, true)).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        pinned(&mut alice, pin(&conv, 1, true)).await,
        vec![(1, "alice".to_string())]
    );
    for c in [&mut bob, &mut carol] {
        let p = c.push_where(|p| matches!(p, Push::Pins { .. })).await;
        let Push::Pins { pins, .. } = p else {
            unreachable!()
        };
        assert_eq!(pins.len(), 1);
    }
    set_role(&mut alice, &g.group, "bob", GroupRole::Admin).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(
        pinned(&mut bob, pin(&conv, 2, true)).await,
        vec![(2, "bob".to_string()), (1, "alice".to_string())],
        "most recently pinned first"
    );
    // Pinning again changes nothing; unpinning removes it for everyone.
    assert_eq!(pinned(&mut bob, pin(&conv, 2, true)).await.len(), 2);
    assert_eq!(
        pinned(&mut alice, pin(&conv, 2, false)).await,
        vec![(1, "alice".to_string())]
    );
    assert_eq!(
        pinned(&mut carol, Request::GetPins { conv: conv.clone() }).await,
        vec![(1, "alice".to_string())]
    );
    assert_eq!(
        dave.err_code(Request::GetPins { conv: conv.clone() }).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        alice.err_code(pin(&conv, 99, true)).await,
        ErrorCode::NotFound
    );
    alice
        .ok(Request::Recall {
            conv: conv.clone(),
            seq: Seq(3),
        })
        .await;
    assert_eq!(
        alice.err_code(pin(&conv, 3, true)).await,
        ErrorCode::NotEditable
    );
    // A muted admin cannot pin.
    alice
        .ok(Request::MuteMember {
            group: g.group.clone(),
            user: uid("bob"),
            minutes: 5,
        })
        .await;
    assert_eq!(bob.err_code(pin(&conv, 2, true)).await, ErrorCode::Muted);
    server.stop().await;
}

#[tokio::test]
async fn either_side_pins_a_direct_chat_up_to_the_limit_and_offline_devices_see_the_version() {
    let server = TestServer::start_with(|c| c.max_pins = 2).await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    for i in 1..=3 {
        alice.ok(text_msg(&conv, &format!("a{i}"), "x")).await;
    }
    pinned(&mut alice, pin(&conv, 1, true)).await;
    pinned(&mut bob, pin(&conv, 2, true)).await;
    assert_eq!(
        bob.err_code(pin(&conv, 3, true)).await,
        ErrorCode::TooManyPins
    );
    let Response::Conversations { conversations } = alice.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(conversations[0].pin_version, 2);
    pinned(&mut alice, pin(&conv, 1, false)).await;
    assert_eq!(pinned(&mut bob, pin(&conv, 3, true)).await.len(), 2);
    let mut carol = server.user("carol").await;
    assert_eq!(
        carol.err_code(pin(&conv, 3, false)).await,
        ErrorCode::Forbidden
    );
    alice.ok(Request::Block { user: uid("bob") }).await;
    assert_eq!(bob.err_code(pin(&conv, 3, false)).await, ErrorCode::Blocked);
    server.stop().await;
}
