//! Local full-text search finds Chinese substrings and English words, newest first, paged.

use crate::common;

use common::*;
use tern_core::proto::Content;

fn text(m: &tern_core::LocalMessage) -> &str {
    match &m.content {
        Content::Text { text } => text,
        _ => "",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_chinese_substrings_and_english_words() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let (alice, _) = user(dir.path(), server.addr(), "alice").await;
    let (bob, mut b_rx) = user(dir.path(), server.addr(), "bob").await;
    let conv = alice.direct_conversation(&uid("bob")).unwrap();
    for t in [
        "大家你好呀",
        "hello world",
        "nothing to see",
        "Say HELLO again",
        "你们好",
        "今天天气很好",
    ] {
        alice.send_text(&conv, t).await.unwrap();
    }
    for _ in 0..6 {
        wait_for(&mut b_rx, |e| {
            matches!(e, tern_core::Event::NewMessage { .. })
        })
        .await;
    }
    for client in [&alice, &bob] {
        let hits = client.search("你好", 0, 10).await.unwrap();
        assert_eq!(
            hits.messages.iter().map(text).collect::<Vec<_>>(),
            ["大家你好呀"]
        );
        let hits = client.search("大家你好", 0, 10).await.unwrap();
        assert_eq!(
            hits.messages.len(),
            1,
            "3+ characters go through the trigram index"
        );
        let hits = client.search("hello", 0, 10).await.unwrap();
        assert_eq!(
            hits.messages.iter().map(text).collect::<Vec<_>>(),
            ["Say HELLO again", "hello world"]
        );
        let hits = client.search("好", 0, 10).await.unwrap();
        assert_eq!(hits.messages.len(), 3);
        assert_eq!(text(&hits.messages[0]), "今天天气很好", "newest first");
        let hits = client.search("hello world", 0, 10).await.unwrap();
        assert_eq!(hits.messages.len(), 1, "every term must match");
        assert!(client
            .search("goodbye", 0, 10)
            .await
            .unwrap()
            .messages
            .is_empty());
        assert!(client.search("%", 0, 10).await.unwrap().messages.is_empty());
    }
    let p0 = alice.search("好", 0, 2).await.unwrap();
    let p1 = alice.search("好", 1, 2).await.unwrap();
    assert!(p0.has_more && !p1.has_more);
    assert_eq!((p0.messages.len(), p1.messages.len()), (2, 1));
    assert_eq!(text(&p1.messages[0]), "大家你好呀");

    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

/// `search_in` keeps to one conversation (the app's Ctrl+F in the open chat); `None` searches all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_in_one_conversation_leaves_the_others_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let (alice, _) = user(dir.path(), server.addr(), "alice").await;
    let (_bob, _) = user(dir.path(), server.addr(), "bob").await;
    let (_carol, _) = user(dir.path(), server.addr(), "carol").await;
    let with_bob = alice.direct_conversation(&uid("bob")).unwrap();
    let with_carol = alice.direct_conversation(&uid("carol")).unwrap();
    for (conv, t) in [
        (&with_bob, "周末去爬山"),
        (&with_carol, "爬山要带水"),
        (&with_bob, "mountain trip"),
        (&with_carol, "the mountain is high"),
    ] {
        alice.send_text(conv, t).await.unwrap();
    }
    for (q, conv, want) in [
        ("爬山", Some(&with_bob), vec!["周末去爬山"]),
        ("爬山", Some(&with_carol), vec!["爬山要带水"]),
        ("mountain", Some(&with_carol), vec!["the mountain is high"]),
        ("爬山", None, vec!["爬山要带水", "周末去爬山"]),
    ] {
        let hits = alice.search_in(q, conv, 0, 10).await.unwrap();
        assert_eq!(
            hits.messages.iter().map(text).collect::<Vec<_>>(),
            want,
            "{q} in {conv:?}"
        );
        assert!(hits
            .messages
            .iter()
            .all(|m| conv.is_none_or(|c| &m.conv == c)));
    }
    alice.close().await;
    server.shutdown().await;
}
