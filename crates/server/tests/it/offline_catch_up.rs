//! Offline catch-up: a device that was offline asks for each conversation's max
//! seq and pulls the missing range in pages; a push revealing a gap triggers
//! the same pull.

use crate::common;

use common::*;
use tern_proto::{Platform, Push, Request, Response, Seq};

#[tokio::test]
async fn ten_thousand_messages_are_caught_up_in_pages() {
    const N: u64 = 10_000;
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await; // registers bob; this device goes away
    drop(_bob);
    let conv = dm("alice", "bob");
    for chunk in 0..(N / 500) {
        let reqs = (0..500)
            .map(|i| text_msg(&conv, &format!("m{}", chunk * 500 + i), "catch me"))
            .collect();
        for r in alice.pipeline(reqs).await {
            assert!(
                matches!(
                    r,
                    Ok(Response::Sent {
                        duplicate: false,
                        ..
                    })
                ),
                "{r:?}"
            );
        }
    }

    let mut bob = server.device("bob", "phone", Platform::Mobile).await;
    let Response::Conversations { conversations } = bob.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(
        (conversations[0].max_seq, conversations[0].unread),
        (Seq(N), N)
    );
    let (messages, pages) = bob.pull_all(&conv, 1, N, 500).await;
    assert_eq!(pages, 20);
    assert_eq!(messages.len() as u64, N);
    for (i, m) in messages.iter().enumerate() {
        assert_eq!(m.seq.0, i as u64 + 1);
        assert_eq!(m.client_id.as_str(), format!("m{i}"));
    }
    // A page never exceeds the server's max page, whatever is asked.
    let req = Request::Pull {
        conv: conv.clone(),
        from: Seq(1),
        to: Seq(N),
        limit: Some(100_000),
    };
    let Response::Messages { messages } = bob.ok(req).await else {
        panic!()
    };
    assert_eq!(messages.len(), 500);
    server.stop().await;
}

#[tokio::test]
async fn a_push_that_reveals_a_gap_is_filled_by_a_pull() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    alice.ok(text_msg(&conv, "g1", "one")).await;
    let mut last_seen = bob.messages(1).await[0].seq.0;
    drop(bob); // offline while 2..=4 are sent
    alice
        .pipeline(
            (2..=4)
                .map(|i| text_msg(&conv, &format!("g{i}"), "missed"))
                .collect(),
        )
        .await;

    let mut bob = server.user("bob").await;
    alice.ok(text_msg(&conv, "g5", "five")).await;
    let Push::Message { message } = bob.push_where(|p| matches!(p, Push::Message { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(message.seq.0, 5);
    let mut log = vec![1];
    if message.seq.0 > last_seen + 1 {
        let (gap, _) = bob
            .pull_all(&conv, last_seen + 1, message.seq.0 - 1, 2)
            .await;
        log.extend(gap.iter().map(|m| m.seq.0));
    }
    log.push(message.seq.0);
    last_seen = message.seq.0;
    assert_eq!(log, vec![1, 2, 3, 4, 5]);
    assert_eq!(last_seen, 5);
    server.stop().await;
}
