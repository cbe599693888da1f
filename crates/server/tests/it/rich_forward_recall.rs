//! Recalling a forwarded file withdraws the file access the forward granted
//! (issue 17), over the real HTTP file routes: a recalled chat history (merged
//! forward, nested ones too) no longer lets the target's members download the
//! files inside it (`404 NotFound`, the documented refusal), while a file that
//! another live message of the same conversation still references stays
//! reachable, and the original chat keeps serving it.

use crate::common;
use crate::groups_support;

use common::*;
use groups_support::users;
use tern_proto::{ClientMsgId, Content, ConversationId, FileId, FileRef, Request, Response, Seq};

fn forward(
    cid: &str,
    from: &ConversationId,
    seq: u64,
    to: &ConversationId,
    merged: bool,
) -> Request {
    Request::Forward {
        client_id: ClientMsgId::new(cid).unwrap(),
        from: from.clone(),
        seqs: vec![Seq(seq)],
        to: vec![to.clone()],
        merged,
        title: None,
    }
}

/// Forwards and returns the seq stored in the one target.
async fn forwarded(c: &mut Client, req: Request) -> u64 {
    match c.ok(req).await {
        Response::Forwarded { results } => {
            assert!(results[0].error.is_none(), "{results:?}");
            results[0].seqs[0].0
        }
        other => panic!("forward answered {other:?}"),
    }
}

fn file_msg(conv: &ConversationId, cid: &str, id: &FileId) -> Request {
    Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new(cid).unwrap(),
        content: Content::File {
            file: FileRef {
                id: id.clone(),
                name: "plan.pdf".into(),
                size: 64,
                mime: "application/pdf".into(),
            },
        },
        ext: None,
        after: None,
        reply_to: None,
        mentions: None,
    }
}

fn recall(conv: &ConversationId, seq: u64) -> Request {
    Request::Recall {
        conv: conv.clone(),
        seq: Seq(seq),
    }
}

#[tokio::test]
async fn a_recalled_chat_history_withdraws_the_file_access_it_granted() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, carol, dave] = users(&server, ["alice", "bob", "carol", "dave"]).await;
    let token = |c: &Client| c.token.clone().unwrap();
    let (tb, tc, td) = (token(&bob), token(&carol), token(&dave));
    let ab = dm("alice", "bob");
    let file = upload_as(
        server.addr(),
        &token(&alice),
        "plan.pdf",
        "application/pdf",
        vec![5; 64],
    )
    .await;
    alice.ok(file_msg(&ab, "a1", &file)).await;
    let status = |t: &String| {
        let (addr, id, t) = (server.addr(), file.to_string(), t.clone());
        async move { download_status(addr, &t, &id).await }
    };

    // Bob merges it into a chat history for carol, and that history again
    // (nested) into one for dave.
    let (bc, bd) = (dm("bob", "carol"), dm("bob", "dave"));
    let history = forwarded(&mut bob, forward("h1", &ab, 1, &bc, true)).await;
    let nested = forwarded(&mut bob, forward("h2", &bc, history, &bd, true)).await;
    assert_eq!((status(&tc).await, status(&td).await), (200, 200));

    bob.ok(recall(&bc, history)).await;
    assert_eq!(
        status(&tc).await,
        404,
        "carol's only reference was recalled"
    );
    assert_eq!(
        status(&td).await,
        200,
        "dave's nested history still grants it"
    );
    bob.ok(recall(&bd, nested)).await;
    assert_eq!(
        status(&td).await,
        404,
        "a recalled nested history withdraws too"
    );

    // The original chat still serves it: bob is no uploader, only a member.
    assert_eq!(status(&tb).await, 200);
    assert_eq!(status(&token(&alice)).await, 200);
    server.stop().await;
}

#[tokio::test]
async fn a_file_another_live_message_references_stays_reachable() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, carol] = users(&server, ["alice", "bob", "carol"]).await;
    let tc = carol.token.clone().unwrap();
    let ab = dm("alice", "bob");
    let ta = alice.token.clone().unwrap();
    let file = upload_as(
        server.addr(),
        &ta,
        "plan.pdf",
        "application/pdf",
        vec![6; 64],
    )
    .await;
    alice.ok(file_msg(&ab, "a1", &file)).await;
    alice.ok(text_msg(&ab, "a2", "and some words")).await;
    let status = || {
        let (addr, id, t) = (server.addr(), file.to_string(), tc.clone());
        async move { download_status(addr, &t, &id).await }
    };

    // Carol's chat gets the file three ways: a plain copy, two merged
    // histories (one with a text beside it).
    let bc = dm("bob", "carol");
    let plain = forwarded(&mut bob, forward("p1", &ab, 1, &bc, false)).await;
    let first = forwarded(&mut bob, forward("h1", &ab, 1, &bc, true)).await;
    let second = match bob
        .ok(Request::Forward {
            client_id: ClientMsgId::new("h2").unwrap(),
            from: ab.clone(),
            seqs: vec![Seq(1), Seq(2)],
            to: vec![bc.clone()],
            merged: true,
            title: Some("Both".into()),
        })
        .await
    {
        Response::Forwarded { results } => results[0].seqs[0].0,
        other => panic!("forward answered {other:?}"),
    };
    assert_eq!(status().await, 200);
    // Recalling the newest and the plain copy leaves the first history.
    bob.ok(recall(&bc, second)).await;
    assert_eq!(status().await, 200, "two live messages still reference it");
    bob.ok(recall(&bc, plain)).await;
    assert_eq!(status().await, 200, "the first history still references it");
    // A custom message that merely names the id is no reference.
    bob.ok(Request::Send {
        conv: bc.clone(),
        client_id: ClientMsgId::new("c1").unwrap(),
        content: Content::Custom {
            data: serde_json::json!({"file": {"id": file.to_string()}, "note": file.to_string()}),
        },
        ext: None,
        after: None,
        reply_to: None,
        mentions: None,
    })
    .await;
    bob.ok(recall(&bc, first)).await;
    assert_eq!(status().await, 404, "nothing live references it any more");
    // Recalling the original withdraws it from bob, not from its uploader.
    alice.ok(recall(&ab, 1)).await;
    let tb = bob.token.clone().unwrap();
    assert_eq!(
        download_status(server.addr(), &tb, &file.to_string()).await,
        404
    );
    assert_eq!(
        download_status(server.addr(), &ta, &file.to_string()).await,
        200
    );
    server.stop().await;
}
