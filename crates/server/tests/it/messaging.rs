//! One-to-one messaging: same seq order for every member and device, resends
//! deduplicated (also across a restart), content types, history, conversation
//! list, authorization and the friendship option.

use crate::common;

use common::*;
use serde_json::json;
use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, FileId, FileRef, GroupId, Message, Platform,
    Push, Request, Response, Seq,
};

fn seq_and_cid(ms: &[Message]) -> Vec<(u64, String)> {
    ms.iter()
        .map(|m| (m.seq.0, m.client_id.to_string()))
        .collect()
}

#[tokio::test]
async fn every_member_and_device_sees_the_same_seq_order() {
    let server = TestServer::start().await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut b1 = server.device("bob", "b1", Platform::Desktop).await;
    let mut b2 = server.device("bob", "b2", Platform::Mobile).await;
    let conv = dm("alice", "bob");
    const N: usize = 60;

    // Alice and Bob send concurrently, each pipelining their messages.
    let (ca, cb) = (conv.clone(), conv.clone());
    let ta = tokio::spawn(async move {
        let reqs = (0..N)
            .map(|i| text_msg(&ca, &format!("a{i}"), &format!("from alice {i} 🙂")))
            .collect();
        let acks = a1.pipeline(reqs).await;
        (a1, acks)
    });
    let tb = tokio::spawn(async move {
        let reqs = (0..N)
            .map(|i| text_msg(&cb, &format!("b{i}"), &format!("from bob {i}")))
            .collect();
        let acks = b1.pipeline(reqs).await;
        (b1, acks)
    });
    let (mut a1, acks_a) = ta.await.unwrap();
    let (mut b1, acks_b) = tb.await.unwrap();

    // Each sender's acks are in its own sending order with increasing seqs.
    let seqs = |acks: &[Result<Response, _>]| -> Vec<u64> {
        acks.iter()
            .map(|r| match r {
                Ok(Response::Sent {
                    seq,
                    duplicate: false,
                    ..
                }) => seq.0,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let (sa, sb) = (seqs(&acks_a), seqs(&acks_b));
    assert!(sa.windows(2).all(|w| w[0] < w[1]) && sb.windows(2).all(|w| w[0] < w[1]));
    let mut all: Vec<u64> = sa.iter().chain(&sb).copied().collect();
    all.sort();
    assert_eq!(
        all,
        (1..=2 * N as u64).collect::<Vec<_>>(),
        "gap-free, no duplicates"
    );

    // The passive devices get every message, in seq order.
    let on_a2 = a2.messages(2 * N).await;
    let on_b2 = b2.messages(2 * N).await;
    assert_eq!(
        on_a2.iter().map(|m| m.seq.0).collect::<Vec<_>>(),
        (1..=2 * N as u64).collect::<Vec<_>>()
    );
    assert_eq!(seq_and_cid(&on_a2), seq_and_cid(&on_b2));
    // The senders get the other side's messages (not their own), also in seq order.
    let on_a1 = a1.messages(N).await;
    let on_b1 = b1.messages(N).await;
    assert!(on_a1.iter().all(|m| m.sender.as_str() == "bob"));
    assert!(on_b1.iter().all(|m| m.sender.as_str() == "alice"));
    assert!(on_a1.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(on_b1.windows(2).all(|w| w[0].seq < w[1].seq));
    // And the stored history agrees with what was pushed.
    let (stored, _) = a1.pull_all(&conv, 1, 2 * N as u64, 500).await;
    assert_eq!(seq_and_cid(&stored), seq_and_cid(&on_a2));
    assert!(
        a1.drain_pushes(std::time::Duration::from_millis(200))
            .await
            .is_empty(),
        "no duplicate pushes"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_same_client_id_three_times_stores_one_message_even_across_a_restart() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let req = text_msg(&conv, "dup-1", "only once");
    let Response::Sent {
        seq,
        id,
        sent_at,
        duplicate,
        ..
    } = alice.ok(req.clone()).await
    else {
        panic!()
    };
    assert!(!duplicate);
    let again = alice.ok(req.clone()).await;
    assert_eq!(
        again,
        Response::Sent {
            conv: conv.clone(),
            seq,
            id,
            sent_at,
            duplicate: true
        }
    );
    assert_eq!(bob.messages(1).await.len(), 1);
    drop((alice, bob));

    let server = server.restart().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let third = alice.ok(req.clone()).await;
    assert_eq!(
        third,
        Response::Sent {
            conv: conv.clone(),
            seq,
            id,
            sent_at,
            duplicate: true
        }
    );
    let (stored, _) = bob.pull_all(&conv, 1, 100, 100).await;
    assert_eq!(stored.len(), 1, "stored once");
    assert!(
        bob.drain_pushes(std::time::Duration::from_millis(200))
            .await
            .is_empty(),
        "a duplicate is not re-pushed"
    );
    // The next new message continues the seq without a gap.
    let Response::Sent { seq: next, .. } = alice.ok(text_msg(&conv, "dup-2", "next")).await else {
        panic!()
    };
    assert_eq!(next.0, seq.0 + 1);
    server.stop().await;
}

fn file(name: &str, mime: &str) -> FileRef {
    FileRef {
        id: FileId::new("f123").unwrap(),
        name: name.into(),
        size: 42,
        mime: mime.into(),
    }
}

#[tokio::test]
async fn every_content_type_and_ext_round_trips() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let contents = [
        Content::Text {
            text: "héllo 世界 👋🏽".into(),
        },
        Content::Image {
            file: file("cat.png", "image/png"),
            width: 640,
            height: 480,
        },
        Content::File {
            file: file("report.pdf", "application/pdf"),
        },
        Content::Audio {
            file: file("note.ogg", "audio/ogg"),
            duration_ms: 3000,
        },
        Content::Video {
            file: file("clip.mp4", "video/mp4"),
            duration_ms: 9000,
        },
        Content::Location {
            lat: 48.85,
            lon: 2.35,
            label: "Paris".into(),
        },
        Content::Custom {
            data: json!({"card": {"title": "hi", "n": [1, 2]}}),
        },
    ];
    for (i, content) in contents.iter().enumerate() {
        let req = Request::Send {
            conv: conv.clone(),
            client_id: ClientMsgId::new(format!("c{i}")).unwrap(),
            content: content.clone(),
            ext: Some(json!({"i": i, "tag": "x"})),
            after: None,
            reply_to: None,
            mentions: None,
        };
        assert!(matches!(alice.ok(req).await, Response::Sent { .. }));
    }
    let pushed = bob.messages(contents.len()).await;
    let (stored, _) = bob.pull_all(&conv, 1, 100, 100).await;
    assert_eq!(pushed, stored);
    for (i, m) in stored.iter().enumerate() {
        assert_eq!(m.content, contents[i]);
        assert_eq!(m.ext, Some(json!({"i": i, "tag": "x"})));
        assert_eq!(m.sender.as_str(), "alice");
    }

    let bad = |content: Content, ext: Option<serde_json::Value>| Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new("bad").unwrap(),
        content,
        ext,
        after: None,
        reply_to: None,
        mentions: None,
    };
    assert_eq!(
        alice
            .err_code(bad(Content::System { text: "x".into() }, None))
            .await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        alice
            .err_code(bad(
                Content::Text {
                    text: String::new()
                },
                None
            ))
            .await,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        alice
            .err_code(bad(Content::Text { text: "x".into() }, Some(json!([1]))))
            .await,
        ErrorCode::InvalidArgument
    );
    let far = Content::Location {
        lat: 91.0,
        lon: 0.0,
        label: String::new(),
    };
    assert_eq!(
        alice.err_code(bad(far, None)).await,
        ErrorCode::InvalidArgument
    );
    let long = Content::Text {
        text: "é".repeat(8001),
    };
    assert_eq!(alice.err_code(bad(long, None)).await, ErrorCode::TooLarge);
    server.stop().await;
}

#[tokio::test]
async fn only_members_read_or_write_and_the_sender_is_the_session_user() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let _carol = server.user("carol").await;
    let Response::Sent { .. } = bob.ok(text_msg(&dm("bob", "carol"), "x1", "private")).await else {
        panic!()
    };
    let theirs = dm("bob", "carol");
    assert_eq!(
        alice.err_code(text_msg(&theirs, "x2", "intrude")).await,
        ErrorCode::Forbidden
    );
    let pull = Request::Pull {
        conv: theirs.clone(),
        from: Seq(1),
        to: Seq(10),
        limit: None,
    };
    assert_eq!(alice.err_code(pull).await, ErrorCode::Forbidden);
    let hist = Request::History {
        conv: theirs.clone(),
        before: None,
        limit: None,
    };
    assert_eq!(alice.err_code(hist).await, ErrorCode::Forbidden);
    assert_eq!(
        alice
            .err_code(Request::MarkRead {
                conv: theirs.clone(),
                seq: Seq(1)
            })
            .await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        alice
            .err_code(Request::Recall {
                conv: theirs,
                seq: Seq(1)
            })
            .await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        alice
            .err_code(text_msg(&dm("alice", "ghost"), "x3", "hi"))
            .await,
        ErrorCode::NotFound
    );
    let group = ConversationId::Group(GroupId::new("nope").unwrap());
    assert_eq!(
        alice.err_code(text_msg(&group, "x4", "hi")).await,
        ErrorCode::NotFound
    );
    // Whatever the frame says, the stored sender is the session's user.
    let Response::Sent { .. } = alice.ok(text_msg(&dm("alice", "bob"), "x5", "me")).await else {
        panic!()
    };
    let m = bob.messages(1).await.remove(0);
    assert_eq!(m.sender.as_str(), "alice");
    server.stop().await;
}

#[tokio::test]
async fn history_pages_backwards_and_conversations_list_unread() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let reqs = (1..=30)
        .map(|i| text_msg(&conv, &format!("h{i}"), &format!("m{i}")))
        .collect();
    alice.pipeline(reqs).await;
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let req = Request::History {
            conv: conv.clone(),
            before,
            limit: Some(7),
        };
        let Response::Messages { messages } = bob.ok(req).await else {
            panic!()
        };
        if messages.is_empty() {
            break;
        }
        assert!(
            messages.windows(2).all(|w| w[0].seq > w[1].seq),
            "newest first"
        );
        before = Some(messages.last().unwrap().seq);
        seen.extend(messages.into_iter().map(|m| m.seq.0));
    }
    assert_eq!(seen, (1..=30).rev().collect::<Vec<_>>());
    let req = Request::History {
        conv: conv.clone(),
        before: Some(Seq(11)),
        limit: Some(3),
    };
    let Response::Messages { messages } = bob.ok(req).await else {
        panic!()
    };
    assert_eq!(
        messages.iter().map(|m| m.seq.0).collect::<Vec<_>>(),
        vec![10, 9, 8]
    );

    assert_eq!(
        alice
            .err_code(text_msg(&dm("alice", "carol"), "other", "hi"))
            .await,
        ErrorCode::NotFound
    );
    let Response::Conversations { conversations } = bob.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(conversations.len(), 1);
    let c = &conversations[0];
    assert_eq!(
        (c.conv.clone(), c.max_seq, c.read_seq, c.unread),
        (conv.clone(), Seq(30), Seq(0), 30)
    );
    assert_eq!(c.last.as_ref().unwrap().client_id.as_str(), "h30");
    let Response::Conversations { conversations } = alice.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(
        conversations.len(),
        1,
        "a failed send to a missing user created nothing"
    );
    assert_eq!(conversations[0].unread, 0, "own messages count as read");
    server.stop().await;
}

#[tokio::test]
async fn friendship_can_be_required_by_config() {
    let server = TestServer::start_with(|c| c.require_friendship = true).await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    assert_eq!(
        alice.err_code(text_msg(&conv, "f1", "hi")).await,
        ErrorCode::NotFriends
    );
    alice
        .ok(Request::ApplyFriend {
            to: uid("bob"),
            greeting: String::new(),
        })
        .await;
    bob.ok(Request::AcceptFriend { from: uid("alice") }).await;
    assert!(matches!(
        alice.ok(text_msg(&conv, "f1", "hi")).await,
        Response::Sent { .. }
    ));
    let p = bob.push_where(|p| matches!(p, Push::Message { .. })).await;
    assert!(matches!(p, Push::Message { message } if message.client_id.as_str() == "f1"));
    server.stop().await;
}
