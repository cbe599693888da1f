//! Attack: make one `recall` keep the database writer busy. File messages may
//! name any id; a chat history can name the same made-up id over and over
//! (1,500 times here), and recalling it used to search the conversation's
//! messages once per name for another message still referencing that id —
//! through every newer message that merely contains the id's text (10,000 of
//! them here), parsing each. Now a recall looks only at files the message
//! actually granted access to, each once: this one granted none. SQLite and
//! PostgreSQL. (The answer must come within the test client's wait; before,
//! the recall took 30 s on SQLite, every other write on the server waiting;
//! now 10 ms.)

use crate::common;
use crate::groups_support;

use std::time::Instant;

use common::TestServer;
use groups_support::*;
use tern_proto::{ClientMsgId, Content, ConversationId, FileId, FileRef, Request, Response, Seq};

fn file_msg(conv: &ConversationId, cid: &str) -> Request {
    Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new(cid).unwrap(),
        content: Content::File {
            file: FileRef {
                id: FileId::new("a").unwrap(),
                name: "a".into(),
                size: 1,
                mime: "text/plain".into(),
            },
        },
        ext: None,
        after: None,
        reply_to: None,
        mentions: None,
    }
}

fn merged(cid: &str, conv: &ConversationId, seqs: Vec<u64>) -> Request {
    Request::Forward {
        client_id: ClientMsgId::new(cid).unwrap(),
        from: conv.clone(),
        seqs: seqs.into_iter().map(Seq).collect(),
        to: vec![conv.clone()],
        merged: true,
        title: None,
    }
}

async fn forwarded(c: &mut common::Client, req: Request) -> u64 {
    match c.ok(req).await {
        Response::Forwarded { results } => {
            assert!(results[0].error.is_none(), "{results:?}");
            results[0].seqs[0].0
        }
        other => panic!("{other:?}"),
    }
}

async fn pipelined(c: &mut common::Client, reqs: Vec<Request>) {
    for chunk in reqs.chunks(100) {
        for r in c.pipeline(chunk.to_vec()).await {
            r.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recalling_a_history_that_names_one_made_up_file_1500_times_scans_nothing() {
    let server = TestServer::start().await;
    let [mut mallory, mut bob] = users(&server, ["mallory", "bob"]).await;
    let g = create(&mut mallory, "scan", &["bob"], None).await.group;
    let conv = ConversationId::Group(g.clone());
    // 100 file messages naming id "a" (seqs 1..=100), 15 chat histories of
    // them, and one history of those 15: 1,500 names of "a".
    pipelined(
        &mut mallory,
        (0..100)
            .map(|i| file_msg(&conv, &format!("f{i}")))
            .collect(),
    )
    .await;
    let mut histories = Vec::new();
    for h in 0..15 {
        let seq = forwarded(
            &mut mallory,
            merged(&format!("h{h}"), &conv, (1..=100).collect()),
        )
        .await;
        histories.push(seq);
    }
    let big = forwarded(&mut mallory, merged("big", &conv, histories)).await;
    // 10,000 newer messages whose text contains "a".
    pipelined(
        &mut mallory,
        (0..10_000)
            .map(|i| gtext(&g, &format!("t{i}"), "a banana"))
            .collect(),
    )
    .await;

    let t = Instant::now();
    mallory
        .ok(Request::Recall {
            conv: conv.clone(),
            seq: Seq(big),
        })
        .await;
    println!("recall scan: the recall took {:?}", t.elapsed());
    // The server still answers others at once.
    gsend(&mut bob, &g, "after", "still here").await;
}
