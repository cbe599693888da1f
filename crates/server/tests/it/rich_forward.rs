//! Forward (issue 17): messages I can read, copied one by one or merged into a
//! chat history, into conversations I can send to. Every source must be
//! readable (BadForward), every target goes through the send rules (its own
//! error per target), files go by reference to the target's members only,
//! retries are idempotent, and the caps hold (ForwardLimit).

// The targets read best as `&[conv.clone()]` lists next to multi-target ones.
#![allow(clippy::cloned_ref_to_slice_refs)]

use crate::common;
use crate::groups_support;

use common::*;
use groups_support::{create, gconv, gsend, users};
use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, ForwardResult, Request, Response, Seq,
};

fn forward(
    cid: &str,
    from: &ConversationId,
    seqs: &[u64],
    to: &[ConversationId],
    merged: bool,
) -> Request {
    Request::Forward {
        client_id: ClientMsgId::new(cid).unwrap(),
        from: from.clone(),
        seqs: seqs.iter().map(|&s| Seq(s)).collect(),
        to: to.to_vec(),
        merged,
        title: merged.then(|| "Our chat".to_string()),
    }
}

async fn forwarded(c: &mut Client, req: Request) -> Vec<ForwardResult> {
    match c.ok(req).await {
        Response::Forwarded { results } => results,
        other => panic!("forward answered {other:?}"),
    }
}

#[tokio::test]
async fn one_by_one_and_merged_forwards_reach_the_targets_with_senders_and_times() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let (ab, ac) = (dm("alice", "bob"), dm("alice", "carol"));
    bob.ok(text_msg(&ab, "b1", "the build is red")).await;
    alice.ok(text_msg(&ab, "a1", "looking")).await;
    let originals = alice.pull_all(&ab, 1, 2, 10).await.0;
    let g = create(&mut alice, "Team", &["carol"], None).await;
    let team = gconv(&g.group);
    alice
        .drain_pushes(std::time::Duration::from_millis(200))
        .await;
    carol
        .drain_pushes(std::time::Duration::from_millis(200))
        .await;

    let results = forwarded(
        &mut alice,
        forward("f1", &ab, &[2, 1], &[ac.clone()], false),
    )
    .await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].seqs, vec![Seq(1), Seq(2)]);
    assert!(results[0].error.is_none() && !results[0].duplicate);
    let got = carol.messages(2).await;
    assert_eq!(
        got[0].content, originals[1].content,
        "in the request's order"
    );
    assert_eq!(got[1].content, originals[0].content);
    assert_eq!(
        got[0].sender,
        uid("alice"),
        "the forwarder sends the copies"
    );
    assert_eq!(got[0].client_id.as_str(), "f1.0.0");
    // The forwarding device gets its copies pushed too (the answer has only seqs).
    assert_eq!(alice.messages(2).await[1].conv, ac);

    let results = forwarded(
        &mut alice,
        forward("f2", &ab, &[1, 2], &[ac.clone(), team.clone()], true),
    )
    .await;
    assert_eq!(results[0].seqs, vec![Seq(3)]);
    assert_eq!(results[1].conv, team);
    assert_eq!(results[1].seqs.len(), 1);
    for m in carol.messages(2).await {
        let Content::ChatHistory { title, items } = &m.content else {
            panic!("{m:?}")
        };
        assert_eq!(title, "Our chat");
        assert_eq!(items.len(), 2);
        assert_eq!(
            (&items[0].sender, items[0].sent_at),
            (&uid("bob"), originals[0].sent_at)
        );
        assert_eq!(
            (&items[1].sender, &items[1].content),
            (&uid("alice"), &originals[1].content)
        );
    }
    // Catch-up: the merged message is in the target's history like any message.
    let (stored, _) = carol.pull_all(&team, 1, 10, 10).await;
    assert!(matches!(
        stored.last().unwrap().content,
        Content::ChatHistory { .. }
    ));
    // Nobody may send a chat history of their own making.
    let fake = Request::Send {
        conv: ac.clone(),
        client_id: ClientMsgId::new("fake").unwrap(),
        content: stored.last().unwrap().content.clone(),
        ext: None,
        after: None,
        reply_to: None,
        mentions: None,
    };
    assert_eq!(alice.err_code(fake).await, ErrorCode::InvalidArgument);
    server.stop().await;
}

#[tokio::test]
async fn a_message_the_forwarder_cannot_read_is_refused_and_nothing_is_forwarded() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let (ab, cd) = (dm("alice", "bob"), dm("carol", "dave"));
    alice.ok(text_msg(&ab, "a1", "secret")).await;
    alice.ok(text_msg(&ab, "a2", "oops")).await;
    dave.ok(text_msg(&cd, "d1", "hi carol")).await;
    // Carol is no member of d:alice:bob.
    for merged in [false, true] {
        let req = forward("x1", &ab, &[1], &[cd.clone()], merged);
        assert_eq!(carol.err_code(req).await, ErrorCode::BadForward);
    }
    // No seq 9 (yet).
    let req = forward("x3", &ab, &[1, 9], &[ab.clone()], false);
    assert_eq!(alice.err_code(req).await, ErrorCode::BadForward);
    // A recalled message cannot be forwarded.
    alice
        .ok(Request::Recall {
            conv: ab.clone(),
            seq: Seq(2),
        })
        .await;
    assert_eq!(
        bob.err_code(forward("x4", &ab, &[1, 2], &[ab.clone()], true))
            .await,
        ErrorCode::BadForward
    );
    // A newcomer of a group hiding its history cannot forward what came before.
    let g = create(&mut alice, "Team", &["bob"], None).await;
    let before = gsend(&mut bob, &g.group, "b1", "before dave").await;
    alice
        .ok(Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("dave")],
        })
        .await;
    let after = gsend(&mut bob, &g.group, "b2", "welcome dave").await;
    let team = gconv(&g.group);
    assert_eq!(
        dave.err_code(forward("x5", &team, &[before.0], &[cd.clone()], false))
            .await,
        ErrorCode::BadForward
    );
    let ok = forwarded(
        &mut dave,
        forward("x6", &team, &[after.0], &[cd.clone()], false),
    )
    .await;
    assert_eq!(
        ok[0].seqs,
        vec![Seq(2)],
        "only the readable forward was stored"
    );
    assert_eq!(carol.pull_all(&cd, 1, 10, 10).await.0.len(), 2);
    assert_eq!(alice.pull_all(&ab, 1, 10, 10).await.0.len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn forwarded_files_go_by_reference_to_the_target_members_only() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, carol, dave, mut erin] =
        users(&server, ["alice", "bob", "carol", "dave", "erin"]).await;
    let token = |c: &Client| c.token.clone().unwrap();
    let (ta, tc, td, te) = (token(&alice), token(&carol), token(&dave), token(&erin));
    let ab = dm("alice", "bob");
    let file = upload_as(
        server.addr(),
        &ta,
        "plan.pdf",
        "application/pdf",
        vec![5; 64],
    )
    .await;
    let content = Content::File {
        file: tern_proto::FileRef {
            id: file.clone(),
            name: "plan.pdf".into(),
            size: 64,
            mime: "application/pdf".into(),
        },
    };
    let send = Request::Send {
        conv: ab.clone(),
        client_id: ClientMsgId::new("a1").unwrap(),
        content,
        ext: None,
        after: None,
        reply_to: None,
        mentions: None,
    };
    alice.ok(send).await;
    let status = |t: String| {
        let (addr, id) = (server.addr(), file.to_string());
        async move { download_status(addr, &t, &id).await }
    };
    assert_eq!(status(tc.clone()).await, 404);
    // Erin, not in d:alice:bob, cannot forward it to herself and a friend.
    let ed = dm("dave", "erin");
    assert_eq!(
        erin.err_code(forward("e1", &ab, &[1], &[ed.clone()], false))
            .await,
        ErrorCode::BadForward
    );
    assert_eq!(
        erin.err_code(forward("e2", &ab, &[1], &[ed], true)).await,
        ErrorCode::BadForward
    );
    assert_eq!(
        status(te.clone()).await,
        404,
        "a refused forward grants nothing"
    );
    assert_eq!(status(td.clone()).await, 404);
    // Bob forwards it to carol: carol may download it, no upload happened.
    let r = forwarded(
        &mut bob,
        forward("b1", &ab, &[1], &[dm("bob", "carol")], false),
    )
    .await;
    assert!(r[0].error.is_none());
    assert_eq!(status(tc).await, 200);
    assert_eq!(status(td.clone()).await, 404, "nobody else gains access");
    assert_eq!(status(te.clone()).await, 404);
    // Inside a merged chat history too.
    let r = forwarded(
        &mut bob,
        forward("b2", &ab, &[1], &[dm("bob", "dave")], true),
    )
    .await;
    assert!(r[0].error.is_none());
    assert_eq!(status(td).await, 200);
    assert_eq!(status(te).await, 404);
    server.stop().await;
}

#[tokio::test]
async fn each_target_gets_the_send_rules_blocks_mutes_and_membership() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let ac = dm("alice", "carol");
    carol.ok(text_msg(&ac, "c1", "pass it on")).await;
    // Bob blocked alice; dave's group mutes alice; alice is not in carol's group.
    bob.ok(Request::Block { user: uid("alice") }).await;
    let muting = create(&mut dave, "Muting", &["alice"], None).await;
    dave.ok(Request::MuteMember {
        group: muting.group.clone(),
        user: uid("alice"),
        minutes: 5,
    })
    .await;
    let closed = create(&mut carol, "Closed", &[], None).await;
    let ad = dm("alice", "dave");
    let to = [
        dm("alice", "bob"),
        gconv(&muting.group),
        gconv(&closed.group),
        ad.clone(),
    ];
    let results = forwarded(&mut alice, forward("f1", &ac, &[1], &to, true)).await;
    let codes: Vec<_> = results
        .iter()
        .map(|r| r.error.as_ref().map(|e| e.code))
        .collect();
    assert_eq!(
        codes,
        [
            Some(ErrorCode::Blocked),
            Some(ErrorCode::Muted),
            Some(ErrorCode::Forbidden),
            None
        ]
    );
    assert!(results[..3].iter().all(|r| r.seqs.is_empty()));
    assert_eq!(results[3].seqs, vec![Seq(1)]);
    assert_eq!(
        bob.pull_all(&dm("alice", "bob"), 1, 10, 10).await.0.len(),
        0
    );
    assert_eq!(
        dave.pull_all(&gconv(&muting.group), 1, 10, 10)
            .await
            .0
            .len(),
        0
    );
    assert_eq!(dave.pull_all(&ad, 1, 10, 10).await.0.len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_retried_forward_is_idempotent_and_the_caps_hold() {
    let server = TestServer::start().await;
    let [mut alice, _bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let (ab, ac) = (dm("alice", "bob"), dm("alice", "carol"));
    for i in 1..=6 {
        alice
            .ok(text_msg(&ab, &format!("a{i}"), &format!("m{i}")))
            .await;
    }
    let req = forward("f1", &ab, &[1, 2, 3], &[ac.clone()], false);
    let first = forwarded(&mut alice, req.clone()).await;
    let again = forwarded(&mut alice, req).await;
    assert_eq!(first[0].seqs, again[0].seqs);
    assert!(!first[0].duplicate && again[0].duplicate);
    assert_eq!(
        carol.pull_all(&ac, 1, 20, 20).await.0.len(),
        3,
        "stored once"
    );

    let many: Vec<u64> = (1..=101).collect();
    let targets: Vec<ConversationId> = (0..11).map(|i| dm("alice", &format!("u{i}"))).collect();
    let limit = [
        forward("l1", &ab, &many, &[ac.clone()], true),
        forward("l2", &ab, &[1], &targets, true),
        // 6 messages × 9 targets = 54 copies > 50.
        forward("l3", &ab, &[1, 2, 3, 4, 5, 6], &targets[..9], false),
    ];
    for req in limit {
        assert_eq!(alice.err_code(req).await, ErrorCode::ForwardLimit);
    }
    let long = "x".repeat(49);
    let invalid = [
        forward(&long, &ab, &[1], &[ac.clone()], false),
        forward("i1", &ab, &[1, 1], &[ac.clone()], false),
        forward("i2", &ab, &[1], &[ac.clone(), ac.clone()], false),
        forward("i3", &ab, &[], &[ac.clone()], false),
    ];
    for req in invalid {
        assert_eq!(alice.err_code(req).await, ErrorCode::InvalidArgument);
    }
    // Chat histories nest at most 3 deep.
    let mut from = ab.clone();
    let mut seq = 1;
    for depth in 1..=3 {
        let r = forwarded(
            &mut alice,
            forward(&format!("n{depth}"), &from, &[seq], &[ac.clone()], true),
        )
        .await;
        (from, seq) = (ac.clone(), r[0].seqs[0].0);
    }
    assert_eq!(
        alice
            .err_code(forward("n4", &from, &[seq], &[ab.clone()], true))
            .await,
        ErrorCode::ForwardLimit
    );
    // One by one, a deep history is copied as it is.
    assert!(forwarded(
        &mut alice,
        forward("n5", &from, &[seq], &[ab.clone()], false)
    )
    .await[0]
        .error
        .is_none());
    server.stop().await;
}
