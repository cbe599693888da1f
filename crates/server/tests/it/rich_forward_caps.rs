//! The `forward` caps are server settings (issue 17): `max_forward_messages`,
//! `max_forward_targets`, `max_forward_copies`, `max_history_depth` and
//! `max_history_bytes`,
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
            l.max_history_depth,
            l.max_history_bytes
        ),
        (100, 10, 50, 3, 262_144)
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
            max_history_bytes: 262_144,
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

/// Attack: histories of histories, each a hundredfold the last, until one message
/// is gigabytes. Depth alone allowed it; the size of a history is capped too.
#[tokio::test]
async fn a_merged_forward_over_the_size_cap_is_refused() {
    let server = TestServer::start_with(|c| c.forward.max_history_bytes = 4_000).await;
    assert_eq!(hello_limits(&server).await.max_history_bytes, 4_000);
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    let ab = dm("alice", "bob");
    for i in 1..=3 {
        alice
            .ok(text_msg(&ab, &format!("a{i}"), &"x".repeat(1_500)))
            .await;
    }
    // Two messages of 1,500 characters fit in 4,000 bytes; three do not.
    forwarded(
        &mut alice,
        forward("ok", &ab, &[1, 2], std::slice::from_ref(&ab), true),
    )
    .await;
    let e = alice
        .err(forward(
            "big",
            &ab,
            &[1, 2, 3],
            std::slice::from_ref(&ab),
            true,
        ))
        .await;
    assert_eq!(e.code, ErrorCode::ForwardLimit, "{e:?}");
    assert!(e.message.contains("at most 4000 bytes"), "{e:?}");
    // Nor can the history that fitted be wrapped with more around it.
    let e = alice
        .err(forward(
            "nest",
            &ab,
            &[3, 4],
            std::slice::from_ref(&ab),
            true,
        ))
        .await;
    assert_eq!(e.code, ErrorCode::ForwardLimit, "{e:?}");
    // One by one, the copies are ordinary messages (each within the frame's size).
    forwarded(
        &mut alice,
        forward("one", &ab, &[3], std::slice::from_ref(&ab), false),
    )
    .await;
    // Attack: copy big messages one by one to many targets (5 chat histories of
    // 256 KiB to 10 conversations stored 12.5 MiB from one request). The
    // copies of one forward hold at most the history cap together too.
    let e = alice
        .err(forward(
            "many",
            &ab,
            &[1, 2, 3],
            std::slice::from_ref(&ab),
            false,
        ))
        .await;
    assert_eq!(e.code, ErrorCode::ForwardLimit, "{e:?}");
    assert!(e.message.contains("at most 4000 bytes together"), "{e:?}");
    let (stored, _) = bob.pull_all(&ab, 1, 10, 10).await;
    assert_eq!(stored.len(), 5, "three sent, one history, one copy");
    server.stop().await;
}
