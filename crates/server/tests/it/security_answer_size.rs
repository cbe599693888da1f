//! Attack: fill a conversation with the largest messages a frame allows (and
//! edit them to the largest texts) so that one page of `pull`, `history` or
//! `edits` is larger than a WebSocket message a client accepts (16 MiB), and
//! every member's sync of it fails for good. Each page stops at the server's
//! byte budget (4 MiB of stored content, at least one item) and paging on from
//! where it stopped returns every item once. SQLite and PostgreSQL.

use crate::common;
use crate::groups_support;

use common::TestServer;
use groups_support::*;
use tern_proto::{ConversationId, Message, Request, Response, Seq};

const N: u64 = 300;
/// The budget, plus one message that may overshoot it, plus field names.
const MOST: usize = 4 * 1024 * 1024 + 64 * 1024 + 256 * 300;

fn huge() -> String {
    // 8,000 characters that JSON escapes to six bytes each: 48 KB.
    std::iter::repeat_n('\u{1}', 8_000).collect()
}

async fn page(c: &mut common::Client, req: Request) -> Vec<Message> {
    match c.ok(req).await {
        Response::Messages { messages } => {
            let bytes = serde_json::to_string(&messages).unwrap().len();
            assert!(bytes <= MOST, "a page of {bytes} bytes");
            messages
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_huge_messages_stop_at_the_byte_budget_and_page_on() {
    let server = TestServer::start().await;
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    let g = create(&mut alice, "big", &["bob"], None).await.group;
    let conv = ConversationId::Group(g.clone());
    let text = huge();
    gsend_many(&mut alice, &g, N, &text).await;

    // pull: oldest first, clipped, on from the last seq + 1.
    let (mut from, mut seqs, mut pages) = (1, Vec::new(), 0);
    while from <= N && pages < N {
        let got = page(
            &mut bob,
            Request::Pull {
                conv: conv.clone(),
                from: Seq(from),
                to: Seq(N),
                limit: Some(500),
            },
        )
        .await;
        assert!(!got.is_empty(), "a clipped page still holds one message");
        assert!(got
            .iter()
            .all(|m| matches!(&m.content, tern_proto::Content::Text { text: t } if *t == text)));
        seqs.extend(got.iter().map(|m| m.seq.0));
        from = got.last().unwrap().seq.0 + 1;
        pages += 1;
    }
    assert_eq!(seqs, (1..=N).collect::<Vec<_>>());
    println!("answer size: pull of {N} messages of 48 KB took {pages} pages");
    assert!(pages >= 4, "19 MB in pages of 4 MiB: {pages}");

    // history: newest first, clipped, on from the oldest seq it returned.
    let (mut before, mut seqs) = (None, Vec::new());
    for _ in 0..N {
        let got = page(
            &mut bob,
            Request::History {
                conv: conv.clone(),
                before,
                limit: Some(500),
            },
        )
        .await;
        let Some(oldest) = got.last() else { break };
        before = Some(oldest.seq);
        seqs.extend(got.iter().map(|m| m.seq.0));
    }
    assert_eq!(seqs, (1..=N).rev().collect::<Vec<_>>());

    // edits: the log of 300 edits to 8,000 characters each, by version.
    let edited: String = std::iter::repeat_n('\u{2}', 8_000).collect();
    for chunk in (1..=N).collect::<Vec<_>>().chunks(50) {
        let reqs = chunk
            .iter()
            .map(|s| Request::Edit {
                conv: conv.clone(),
                seq: Seq(*s),
                text: edited.clone(),
            })
            .collect();
        for r in alice.pipeline(reqs).await {
            r.unwrap();
        }
    }
    let (mut since, mut seen, mut pages) = (0, Vec::new(), 0);
    loop {
        let (latest, edits) = match bob
            .ok(Request::Edits {
                conv: conv.clone(),
                since,
                limit: Some(500),
            })
            .await
        {
            Response::Edits { latest, edits } => (latest, edits),
            other => panic!("{other:?}"),
        };
        let bytes = serde_json::to_string(&edits).unwrap().len();
        assert!(bytes <= MOST, "an edits page of {bytes} bytes");
        assert!(!edits.is_empty() || since >= latest);
        seen.extend(edits.iter().map(|e| e.seq.0));
        pages += 1;
        match edits.last() {
            Some(e) if e.version < latest => since = e.version,
            _ => break,
        }
        assert!(pages < N, "the edits log does not end");
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=N).collect::<Vec<_>>());
    assert!(pages >= 4, "19 MB of edits in pages of 4 MiB: {pages}");
}

/// The victim's conversation list: 70 groups the attacker put them in, each
/// ending with a 240 KB chat history, made one `conversations` answer of
/// 17 MB — every sync of the victim's account failed. The last messages
/// share the budget; past it `last` is left out (null).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_messages_of_the_conversation_list_share_the_byte_budget() {
    let server = TestServer::start().await;
    let [mut mallory, mut victim] = users(&server, ["mallory", "victim"]).await;
    let text = huge();
    let base = create(&mut mallory, "base", &[], None).await.group;
    let base_conv = ConversationId::Group(base.clone());
    for i in 0..5 {
        gsend(&mut mallory, &base, &format!("b{i}"), &text).await;
    }
    let history = match mallory
        .ok(forward(
            "h",
            &base_conv,
            (1..=5).collect(),
            vec![base_conv.clone()],
        ))
        .await
    {
        Response::Forwarded { results } => results[0].seqs[0],
        other => panic!("{other:?}"),
    };
    let mut groups = Vec::new();
    for i in 0..70 {
        let g = create(&mut mallory, &format!("g{i}"), &["victim"], None).await;
        groups.push(ConversationId::Group(g.group));
    }
    for (k, targets) in groups.chunks(10).enumerate() {
        match mallory
            .ok(forward(
                &format!("f{k}"),
                &base_conv,
                vec![history.0],
                targets.to_vec(),
            ))
            .await
        {
            Response::Forwarded { results } => {
                assert!(results.iter().all(|r| r.error.is_none()), "{results:?}")
            }
            other => panic!("{other:?}"),
        }
    }
    let conversations = match victim.ok(Request::Conversations).await {
        Response::Conversations { conversations } => conversations,
        other => panic!("{other:?}"),
    };
    let bytes = serde_json::to_string(&conversations).unwrap().len();
    let with_last = conversations.iter().filter(|c| c.last.is_some()).count();
    println!("answer size: conversations of 70 groups: {bytes} bytes, {with_last} with `last`");
    assert_eq!(conversations.len(), 70);
    assert!(bytes <= MOST, "a conversation list of {bytes} bytes");
    assert!(
        with_last >= 10,
        "the newest keep their last message: {with_last}"
    );
    assert!(with_last < 70);
}

fn forward(cid: &str, from: &ConversationId, seqs: Vec<u64>, to: Vec<ConversationId>) -> Request {
    Request::Forward {
        client_id: tern_proto::ClientMsgId::new(cid).unwrap(),
        from: from.clone(),
        seqs: seqs.into_iter().map(Seq).collect(),
        to,
        merged: true,
        title: None,
    }
}

/// The change log: 120 drafts of 8,000 control characters (each entry carries
/// the whole settings row, 48 KB) made one `sync_changes` page of 5.8 MB,
/// and 350 of them more than a client reads in one message. Pages stop at
/// the budget and page on by version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_log_pages_stop_at_the_byte_budget() {
    let server = TestServer::start().await;
    let [mut alice] = users(&server, ["alice"]).await;
    let conv = ConversationId::Group(create(&mut alice, "drafts", &[], None).await.group);
    let start = match alice
        .ok(Request::SyncChanges {
            since: 0,
            limit: Some(1),
        })
        .await
    {
        Response::Changes { latest, .. } => latest,
        other => panic!("{other:?}"),
    };
    let text = huge();
    for i in 0..120 {
        let mut t: String = text.chars().skip(4).collect();
        t.push_str(&format!("{i:04}"));
        let edit = tern_proto::ConvEdit::Draft {
            text: t,
            edited_at: tern_proto::Millis::from(1_700_000_000_000i64 + i),
        };
        alice
            .ok(Request::EditConv {
                conv: conv.clone(),
                edit,
            })
            .await;
    }
    let (mut since, mut got, mut pages) = (start, 0, 0);
    loop {
        let (changes, latest) = match alice
            .ok(Request::SyncChanges {
                since,
                limit: Some(500),
            })
            .await
        {
            Response::Changes { changes, latest } => (changes, latest),
            other => panic!("{other:?}"),
        };
        let bytes = serde_json::to_string(&changes).unwrap().len();
        assert!(bytes <= MOST, "a change-log page of {bytes} bytes");
        let Some(last) = changes.last() else { break };
        got += changes.len();
        pages += 1;
        since = last.version;
        if since >= latest || pages > 200 {
            break;
        }
    }
    println!("answer size: 120 drafts took {pages} change-log pages");
    assert!(got >= 120, "{got} entries");
    assert!(pages >= 2);
}
