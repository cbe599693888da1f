//! Attack: get into a group (invited, or accepted) and read everything said
//! and shared there before you joined. By default a group hides its earlier
//! history from newcomers; the owner or an admin may choose to show it.

use crate::common;
use crate::groups_support;

use common::{uid, upload_as, TestServer};
use groups_support::*;
use tern_proto::{ClientMsgId, Content, FileRef, GroupId, Request, Response, Seq};

async fn messages(c: &mut common::Client, req: Request) -> Vec<u64> {
    match c.ok(req).await {
        Response::Messages { messages } => messages.iter().map(|m| m.seq.0).collect(),
        other => panic!("{other:?}"),
    }
}

async fn readable(server: &TestServer, c: &common::Client, id: &str) -> bool {
    let res = common::http_client()
        .get(format!("http://{}/files/{id}", server.addr()))
        .bearer_auth(c.token.as_ref().unwrap())
        .send()
        .await
        .unwrap();
    res.status() == 200
}

async fn invite(owner: &mut common::Client, g: &GroupId, user: &str) {
    owner
        .ok(Request::InviteMembers {
            group: g.clone(),
            users: vec![uid(user)],
        })
        .await;
}

#[tokio::test]
async fn newcomers_see_only_what_was_said_after_they_joined_unless_the_group_shows_it() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let g = create(&mut alice, "team", &["bob"], None).await;
    let conv = gconv(&g.group);
    gsend(&mut alice, &g.group, "a1", "the plan is secret").await;
    let token = alice.token.clone().unwrap();
    let file = upload_as(
        server.addr(),
        &token,
        "plan.pdf",
        "application/pdf",
        vec![9; 32],
    )
    .await;
    alice
        .ok(Request::Send {
            conv: conv.clone(),
            client_id: ClientMsgId::new("a2").unwrap(),
            content: Content::File {
                file: FileRef {
                    id: file.clone(),
                    name: "plan.pdf".into(),
                    size: 32,
                    mime: "application/pdf".into(),
                },
            },
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        })
        .await;
    invite(&mut alice, &g.group, "carol").await;
    let after = gsend(&mut bob, &g.group, "b1", "welcome carol").await;
    let pull = Request::Pull {
        conv: conv.clone(),
        from: Seq(1),
        to: Seq(100),
        limit: None,
    };
    let history = Request::History {
        conv: conv.clone(),
        before: None,
        limit: None,
    };
    assert_eq!(messages(&mut carol, pull.clone()).await, vec![after.0]);
    assert_eq!(messages(&mut carol, history.clone()).await, vec![after.0]);
    assert!(!readable(&server, &carol, file.as_str()).await);
    let convs = get_conversations(&mut carol).await;
    let info = convs.iter().find(|c| c.conv == conv).unwrap();
    assert_eq!(info.visible_from, Seq(after.0 - 1));
    // Bob, who was there, still sees everything.
    assert_eq!(messages(&mut bob, pull.clone()).await.len() as u64, after.0);
    assert!(readable(&server, &bob, file.as_str()).await);

    // The owner shows the history to newcomers: Dave, who joins now, sees it all.
    let Response::Group { group } = alice
        .ok(Request::UpdateGroup {
            group: g.group.clone(),
            name: None,
            avatar: None,
            notice: None,
            join_policy: None,
            history_visible: Some(true),
            read_by: None,
        })
        .await
    else {
        panic!()
    };
    assert!(group.history_visible);
    // A plain member cannot change it.
    fails(
        &mut bob,
        Request::UpdateGroup {
            group: g.group.clone(),
            name: None,
            avatar: None,
            notice: None,
            join_policy: None,
            history_visible: Some(false),
            read_by: None,
        },
        tern_proto::ErrorCode::Forbidden,
    )
    .await;
    invite(&mut alice, &g.group, "dave").await;
    assert_eq!(messages(&mut dave, pull).await.len() as u64, after.0);
    assert!(readable(&server, &dave, file.as_str()).await);
    // A member who could see nothing of it is not given it by the change.
    assert_eq!(messages(&mut carol, history).await, vec![after.0]);
}

/// Attack: join a group that hides its history, then wait for old messages to be
/// edited or reacted to — an edit carries the new text of a message from before I
/// joined. Neither the `edited` / `reactions` pushes nor the edit log give it to me.
#[tokio::test]
async fn edits_and_reactions_of_older_messages_do_not_reach_a_newcomer() {
    use std::time::Duration;
    use tern_proto::Push;
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(&mut alice, "team", &["bob"], None).await;
    let conv = gconv(&g.group);
    let old = gsend(&mut alice, &g.group, "a1", "the plan is secret").await;
    invite(&mut alice, &g.group, "carol").await;
    carol.drain_pushes(Duration::from_millis(200)).await;

    alice
        .ok(Request::Edit {
            conv: conv.clone(),
            seq: old,
            text: "the plan: meet at the bridge at dawn".into(),
        })
        .await;
    bob.ok(Request::React {
        conv: conv.clone(),
        seq: old,
        emoji: "👍".into(),
        on: true,
    })
    .await;
    // A message sent after both, which carol may read: its push comes after theirs.
    let new = gsend(&mut bob, &g.group, "b1", "welcome carol").await;
    let mut seen = Vec::new();
    loop {
        let p = carol.push_where(|_| true).await;
        let done = matches!(&p, Push::Message { message } if message.seq == new);
        seen.push(p);
        if done {
            break;
        }
    }
    assert!(
        !seen
            .iter()
            .any(|p| matches!(p, Push::Edited { .. } | Push::Reactions { .. })),
        "carol was told of a message from before she joined: {seen:?}"
    );
    let Response::Edits { latest, edits } = carol
        .ok(Request::Edits {
            conv: conv.clone(),
            since: 0,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert_eq!((latest, edits.len()), (1, 0), "{edits:?}");
    let Response::ReactionLog { messages, .. } = carol
        .ok(Request::Reactions {
            conv: conv.clone(),
            since: 0,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert!(messages.is_empty(), "{messages:?}");
    // Bob, who was there, gets both.
    let p = bob.push_where(|p| matches!(p, Push::Edited { .. })).await;
    assert!(matches!(p, Push::Edited { seq, .. } if seq == old), "{p:?}");
    let Response::Edits { edits, .. } = bob
        .ok(Request::Edits {
            conv,
            since: 0,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert_eq!(edits.len(), 1);
}
