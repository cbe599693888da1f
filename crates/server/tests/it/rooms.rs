//! Chat rooms, black-box over the WebSocket (docs/protocol.md § 5.10): list,
//! join and leave; only current members receive; the recent messages on
//! join (capped); refusals (not in the room, muted, banned, roles); delete.
//! Runs on SQLite, on PostgreSQL (`scripts/test-postgres.sh`) and across two
//! nodes (`scripts/test-cluster.sh`: `addr()` alternates between them).

use crate::common;
use crate::rooms_support;

use std::time::Duration;

use common::{uid, TestServer};
use rooms_support::*;
use tern_proto::{ErrorCode, Platform, Push, Request, Response, RoomId, RoomLeftReason};

const QUIET: Duration = Duration::from_millis(600);

#[tokio::test]
async fn rooms_are_listed_joined_and_left() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let room = create_room(&mut alice, "  Friday stream ").await;
    assert_eq!(
        (room.name.as_str(), room.member_count),
        ("Friday stream", 1)
    );
    assert_eq!(room.owner, uid("alice"));

    let Response::Rooms { rooms } = bob
        .ok(Request::ListRooms {
            after: None,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert_eq!(rooms, vec![room.clone()]);
    let (joined, recent) = join(&mut bob, &room.room).await;
    assert_eq!(joined.member_count, 2);
    assert!(recent.is_empty());
    // Joining again changes nothing.
    assert_eq!(join(&mut bob, &room.room).await.0.member_count, 2);
    assert_eq!(member_ids(&mut bob, &room.room).await, ["alice", "bob"]);

    bob.ok(Request::LeaveRoom {
        room: room.room.clone(),
    })
    .await;
    let leave_again = bob
        .err_code(Request::LeaveRoom {
            room: room.room.clone(),
        })
        .await;
    assert_eq!(leave_again, ErrorCode::NotInRoom);
    assert_eq!(member_ids(&mut alice, &room.room).await, ["alice"]);

    let nowhere = RoomId::new("rnothere").unwrap();
    assert_eq!(
        bob.err_code(Request::JoinRoom { room: nowhere }).await,
        ErrorCode::NotFound
    );

    // Paging by id.
    let second = create_room(&mut bob, "second").await;
    let mut ids = [room.room.clone(), second.room.clone()];
    ids.sort();
    let Response::Rooms { rooms } = bob
        .ok(Request::ListRooms {
            after: Some(ids[0].clone()),
            limit: Some(5),
        })
        .await
    else {
        panic!()
    };
    assert_eq!(
        rooms.iter().map(|r| r.room.clone()).collect::<Vec<_>>(),
        vec![ids[1].clone()]
    );
    server.stop().await;
}

#[tokio::test]
async fn only_current_members_receive() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut alice2 = server.device("alice", "phone", Platform::Mobile).await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let room = create_room(&mut alice, "live").await.room;
    join(&mut bob, &room).await;

    let seq = send(&mut alice, &room, "one").await;
    assert_eq!(seq, 1);
    let m = next_message(&mut bob).await;
    assert_eq!(
        (
            m.seq,
            m.from.as_str(),
            texts(std::slice::from_ref(&m))[0].as_str()
        ),
        (1, "alice", "one")
    );
    // The sender's other device gets it; the sending connection and a
    // non-member do not.
    assert_eq!(next_message(&mut alice2).await.seq, 1);
    assert!(messages_within(&mut alice, QUIET).await.is_empty());
    assert!(messages_within(&mut carol, QUIET).await.is_empty());

    // After leaving, nothing more.
    bob.ok(Request::LeaveRoom { room: room.clone() }).await;
    send(&mut alice, &room, "two").await;
    assert_eq!(next_message(&mut alice2).await.seq, 2);
    assert!(messages_within(&mut bob, QUIET).await.is_empty());

    // A non-member may neither send nor list members.
    assert_eq!(
        carol.err_code(send_req(&room, "hi")).await,
        ErrorCode::NotInRoom
    );
    let members = Request::RoomMembers {
        room: room.clone(),
        after: None,
        limit: None,
    };
    assert_eq!(carol.err_code(members).await, ErrorCode::NotInRoom);
    server.stop().await;
}

#[tokio::test]
async fn a_joiner_gets_the_last_n_messages() {
    let server = TestServer::start_with(|c| c.rooms.recent = 3).await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let room = create_room(&mut alice, "history").await.room;
    for i in 1..=5 {
        send(&mut alice, &room, &format!("m{i}")).await;
    }
    let (_, recent) = join(&mut bob, &room).await;
    assert_eq!(texts(&recent), ["m3", "m4", "m5"]);
    assert_eq!(recent.iter().map(|m| m.seq).collect::<Vec<_>>(), [3, 4, 5]);
    // Live from here on.
    send(&mut alice, &room, "m6").await;
    assert_eq!(texts(&[next_message(&mut bob).await]), ["m6"]);
    server.stop().await;
}

#[tokio::test]
async fn mute_and_roles() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let room = create_room(&mut alice, "moderated").await.room;
    join(&mut bob, &room).await;
    join(&mut carol, &room).await;

    // A plain member manages nobody.
    assert_eq!(
        bob.err_code(mute(&room, "carol", 5)).await,
        ErrorCode::NotManager
    );
    assert_eq!(
        bob.err_code(kick(&room, "carol", 0)).await,
        ErrorCode::NotManager
    );
    let promote = |user: &str, admin| Request::SetRoomAdmin {
        room: room.clone(),
        user: uid(user),
        admin,
    };
    assert_eq!(
        bob.err_code(promote("bob", true)).await,
        ErrorCode::NotManager
    );

    alice.ok(mute(&room, "carol", 5)).await;
    let e = carol.err(send_req(&room, "hello?")).await;
    assert_eq!(e.code, ErrorCode::Muted, "{e}");
    let Response::RoomMembers { members, .. } = alice
        .ok(Request::RoomMembers {
            room: room.clone(),
            after: None,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert!(members
        .iter()
        .any(|m| m.user == uid("carol") && m.muted_until.is_some()));
    // Paged by id; `next` is absent on the last page, also when it is full.
    for (after, limit, want, want_next) in [
        (None, 2, vec!["alice", "bob"], Some("bob")),
        (Some("bob"), 2, vec!["carol"], None),
        (None, 3, vec!["alice", "bob", "carol"], None),
    ] {
        let Response::RoomMembers { members, next } = alice
            .ok(Request::RoomMembers {
                room: room.clone(),
                after: after.map(uid),
                limit: Some(limit),
            })
            .await
        else {
            panic!()
        };
        let ids: Vec<&str> = members.iter().map(|m| m.user.as_str()).collect();
        assert_eq!((ids, next), (want, want_next.map(uid)), "{after:?} {limit}");
    }
    alice.ok(mute(&room, "carol", 0)).await;
    send(&mut carol, &room, "back").await;

    // An admin mutes and kicks plain members, never the owner or an admin.
    alice.ok(promote("bob", true)).await;
    bob.ok(mute(&room, "carol", 1)).await;
    assert_eq!(
        bob.err_code(kick(&room, "alice", 0)).await,
        ErrorCode::NotManager
    );
    assert_eq!(
        alice.err_code(promote("alice", true)).await,
        ErrorCode::SelfTarget
    );
    alice.ok(promote("carol", true)).await;
    assert_eq!(
        bob.err_code(kick(&room, "carol", 0)).await,
        ErrorCode::NotManager
    );
    assert_eq!(
        alice.err_code(mute(&room, "dave", 1)).await,
        ErrorCode::NotInRoom
    );
    assert_eq!(
        alice.err_code(mute(&room, "carol", 43_201)).await,
        ErrorCode::InvalidArgument
    );
    server.stop().await;
}

#[tokio::test]
async fn a_kick_bans_until_the_ban_ends() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut bob2 = server.device("bob", "phone", Platform::Mobile).await;
    let room = create_room(&mut alice, "strict").await.room;
    join(&mut bob, &room).await;

    alice.ok(kick(&room, "bob", 2)).await;
    for c in [&mut bob, &mut bob2] {
        let p = c.push_where(|p| matches!(p, Push::RoomLeft { .. })).await;
        let Push::RoomLeft {
            room: r,
            reason,
            banned_until,
        } = p
        else {
            unreachable!()
        };
        assert_eq!((r, reason), (room.clone(), RoomLeftReason::Kicked));
        assert!(banned_until.is_some());
    }
    assert_eq!(
        bob.err_code(send_req(&room, "let me in")).await,
        ErrorCode::NotInRoom
    );
    let e = bob.err(Request::JoinRoom { room: room.clone() }).await;
    assert_eq!(e.code, ErrorCode::RoomBanned, "{e}");
    send(&mut alice, &room, "without bob").await;
    assert!(messages_within(&mut bob, QUIET).await.is_empty());

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    join(&mut bob, &room).await;
    send(&mut alice, &room, "welcome back").await;
    assert_eq!(texts(&[next_message(&mut bob).await]), ["welcome back"]);

    // A kick without a ban: back at once. The owner cannot be kicked.
    alice.ok(kick(&room, "bob", 0)).await;
    join(&mut bob, &room).await;
    assert_eq!(
        alice.err_code(kick(&room, "alice", 0)).await,
        ErrorCode::NotManager
    );
    assert_eq!(
        alice.err_code(kick(&room, "bob", 2_592_001)).await,
        ErrorCode::InvalidArgument
    );
    server.stop().await;
}

#[tokio::test]
async fn caps_are_enforced() {
    let server = TestServer::start_with(|c| {
        c.rooms.per_owner = 2;
        c.rooms.max_members = 2;
        c.rooms.messages_per_minute = 3;
    })
    .await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;

    let e = alice
        .err(Request::CreateRoom {
            name: "x".repeat(65),
        })
        .await;
    assert_eq!(e.code, ErrorCode::TooLarge, "{e}");
    let e = alice.err(Request::CreateRoom { name: "   ".into() }).await;
    assert_eq!(e.code, ErrorCode::InvalidArgument, "{e}");
    let room = create_room(&mut alice, &"x".repeat(64)).await.room;
    create_room(&mut alice, "two").await;
    let e = alice
        .err(Request::CreateRoom {
            name: "three".into(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::TooManyRooms, "{e}");

    join(&mut bob, &room).await;
    let e = carol.err(Request::JoinRoom { room: room.clone() }).await;
    assert_eq!(e.code, ErrorCode::RoomFull, "{e}");

    for i in 0..3 {
        send(&mut bob, &room, &format!("{i}")).await;
    }
    let e = bob.err(send_req(&room, "one too many")).await;
    assert_eq!(e.code, ErrorCode::RoomRateLimited, "{e}");

    // Files are for groups.
    let file = Request::RoomSend {
        room: room.clone(),
        content: serde_json::from_str(
            r#"{"type":"file","file":{"id":"f1","name":"a.txt","size":1,"mime":"text/plain"}}"#,
        )
        .unwrap(),
    };
    assert_eq!(alice.err_code(file).await, ErrorCode::InvalidArgument);
    server.stop().await;
}

#[tokio::test]
async fn a_deleted_room_tells_its_members() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let room = create_room(&mut alice, "short-lived").await.room;
    join(&mut bob, &room).await;
    assert_eq!(
        bob.err_code(Request::DeleteRoom { room: room.clone() })
            .await,
        ErrorCode::NotManager
    );
    alice.ok(Request::DeleteRoom { room: room.clone() }).await;
    let p = bob.push_where(|p| matches!(p, Push::RoomLeft { .. })).await;
    assert!(
        matches!(
            p,
            Push::RoomLeft {
                reason: RoomLeftReason::Deleted,
                ..
            }
        ),
        "{p:?}"
    );
    assert_eq!(
        bob.err_code(send_req(&room, "anyone?")).await,
        ErrorCode::NotFound
    );
    let Response::Rooms { rooms } = bob
        .ok(Request::ListRooms {
            after: None,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert!(rooms.is_empty());
    server.stop().await;
}

/// Attack: a muted member leaves and joins again to get a fresh, unmuted
/// membership. The mute comes back with them until it ends; unmuting clears it.
#[tokio::test]
async fn a_mute_outlives_leaving_and_joining_again() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut carol = server.user("carol").await;
    let room = create_room(&mut alice, "moderated").await.room;
    join(&mut carol, &room).await;
    alice.ok(mute(&room, "carol", 5)).await;
    carol.ok(Request::LeaveRoom { room: room.clone() }).await;
    join(&mut carol, &room).await;
    let e = carol.err(send_req(&room, "I am back")).await;
    assert_eq!(e.code, ErrorCode::Muted, "{e}");
    // Unmuted, then out and in again: free to speak.
    alice.ok(mute(&room, "carol", 0)).await;
    carol.ok(Request::LeaveRoom { room: room.clone() }).await;
    join(&mut carol, &room).await;
    send(&mut carol, &room, "hello again").await;
    server.stop().await;
}
