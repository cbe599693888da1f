//! The `forward` caps are server settings (issue 17): `max_forward_messages`,
//! `max_forward_targets`, `max_forward_copies` and `max_history_depth`,
//! announced in `hello`'s limits and enforced from the configuration
//! (`ForwardLimit`, 4019, nothing forwarded).

use crate::common;
use crate::groups_support;

use common::*;
use groups_support::users;
use tern_proto::{
    ClientMsgId, ConversationId, ErrorCode, Limits, Request, Response, Seq, PROTOCOL_VERSION,
};
use tern_server::ForwardSettings;

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
        title: None,
    }
}

async fn hello_limits(server: &TestServer) -> Limits {
    let mut c = Client::connect(server.addr()).await;
    match c
        .ok(Request::Hello {
            version: PROTOCOL_VERSION,
        })
        .await
    {
        Response::Hello { limits, .. } => limits,
        other => panic!("hello answered {other:?}"),
    }
}

/// Forwards; the seqs stored in each target (panics on a refused target).
async fn forwarded(c: &mut Client, req: Request) -> Vec<u64> {
    match c.ok(req).await {
        Response::Forwarded { results } => results
            .into_iter()
            .map(|r| {
                assert!(r.error.is_none(), "{r:?}");
                r.seqs[0].0
            })
            .collect(),
        other => panic!("forward answered {other:?}"),
    }
}

#[tokio::test]
async fn hello_announces_the_default_forward_caps() {
    let server = TestServer::start().await;
    let l = hello_limits(&server).await;
    assert_eq!(
        (
            l.max_forward_messages,
            l.max_forward_targets,
            l.max_forward_copies,
            l.max_history_depth
        ),
        (100, 10, 50, 3)
    );
    server.stop().await;
}

#[tokio::test]
async fn a_server_with_lowered_caps_announces_and_enforces_them() {
    let server = TestServer::start_with(|c| {
        c.forward = ForwardSettings {
            max_messages: 2,
            max_targets: 2,
            max_copies: 3,
            max_depth: 1,
        }
    })
    .await;
    let l = hello_limits(&server).await;
    assert_eq!(
        (
            l.max_forward_messages,
            l.max_forward_targets,
            l.max_forward_copies,
            l.max_history_depth
        ),
        (2, 2, 3, 1)
    );
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let (ab, ac) = (dm("alice", "bob"), dm("alice", "carol"));
    for i in 1..=3 {
        alice
            .ok(text_msg(&ab, &format!("a{i}"), &format!("m{i}")))
            .await;
    }
    let two = [ab.clone(), ac.clone()];
    let three = [ab.clone(), ac.clone(), dm("alice", "dave")];
    let refused = [
        // 3 messages > 2.
        forward("l1", &ab, &[1, 2, 3], std::slice::from_ref(&ac), true),
        // 3 targets > 2.
        forward("l2", &ab, &[1], &three, true),
        // One by one: 2 messages × 2 targets = 4 copies > 3.
        forward("l3", &ab, &[1, 2], &two, false),
    ];
    for req in refused {
        let e = alice.err(req).await;
        assert_eq!(e.code, ErrorCode::ForwardLimit, "{e:?}");
    }
    assert_eq!(
        carol.pull_all(&ac, 1, 10, 10).await.0.len(),
        0,
        "nothing was forwarded"
    );
    // At the caps it goes through: 2 messages merged to 2 targets, and one
    // by one 1 × 2 = 2 copies.
    assert_eq!(
        forwarded(&mut alice, forward("ok1", &ab, &[1, 2], &two, true))
            .await
            .len(),
        2
    );
    forwarded(&mut alice, forward("ok2", &ab, &[3], &two, false)).await;
    // A history is 1 deep; forwarding it merged again would make 2 > 1.
    let history = forwarded(
        &mut alice,
        forward("h1", &ab, &[1], std::slice::from_ref(&ac), true),
    )
    .await[0];
    let e = alice
        .err(forward(
            "h2",
            &ac,
            &[history],
            std::slice::from_ref(&ab),
            true,
        ))
        .await;
    assert_eq!(e.code, ErrorCode::ForwardLimit);
    assert!(e.message.contains("1 deep"), "{}", e.message);
    assert!(bob.pull_all(&ab, 1, 20, 20).await.0.len() >= 5);
    server.stop().await;
}
