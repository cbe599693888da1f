//! The writer's send cache against the rules it must not bend: the real
//! SQLite backend on a file, its writer thread, sends queued as a server does.

use std::sync::Arc;

use rusqlite::Connection;
use tern_proto::{ClientMsgId, Content, ConversationId, ErrorCode, KickReason, Push, Seq, UserId};

use super::{SqliteStorage, Store, StoreError, StoreResult};
use crate::storage::api::{Accounts, Messages, NewMessage, Operations, PendingSend, Social};
use crate::storage::{ConnId, Delivery, SendOutcome, Sink};

/// Nobody online: committed effects go nowhere.
struct Nobody;

impl Sink for Nobody {
    fn deliver(&self, _: &[Delivery]) {}
    fn message(&self, _: &[UserId], _: &Push, _: Option<ConnId>) {}
    fn kick_sessions(&self, _: &UserId, _: &[String], _: KickReason) {}
    fn kick_user(&self, _: &UserId, _: Option<&str>, _: KickReason) {}
}

fn uid(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

async fn storage(users: &[&str]) -> (tempfile::TempDir, SqliteStorage) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _writer) = Store::open(dir.path(), 256, 2).unwrap();
    let s = SqliteStorage::new(store, Arc::new(Nobody));
    for u in users {
        s.create_user(&uid(u), "x", None, 0).await.unwrap();
    }
    (dir, s)
}

fn message(from: &str, to: &str, id: &str) -> NewMessage {
    NewMessage {
        sender: uid(from),
        conv: ConversationId::direct(&uid(from), &uid(to)),
        client_id: ClientMsgId::new(id).unwrap(),
        content: Content::Text { text: id.into() },
        ext: None,
        reply_to: None,
        mentions: None,
        require_friendship: false,
        after: None,
    }
}

async fn queue(s: &SqliteStorage, m: NewMessage) -> PendingSend {
    s.send(m, 1, None).await.unwrap()
}

async fn send(s: &SqliteStorage, from: &str, to: &str, id: &str) -> StoreResult<SendOutcome> {
    queue(s, message(from, to, id)).await.await
}

fn code(r: StoreResult<SendOutcome>) -> ErrorCode {
    match r {
        Err(StoreError::Rejected(w)) => w.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Every direct chat's counter equals its highest stored seq, and its seqs run
/// 1..=n without a gap.
async fn assert_counters_match_rows(s: &SqliteStorage) {
    s.store
        .read(|c: &Connection| {
            let mut st = c.prepare(
                "SELECT c.id, c.max_seq, (SELECT count(*) FROM messages m WHERE m.conv = c.id), \
                 (SELECT coalesce(max(seq), 0) FROM messages m WHERE m.conv = c.id) FROM conversations c",
            )?;
            let rows = st.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
            })?;
            for row in rows {
                let (id, max_seq, count, top) = row?;
                assert_eq!((max_seq, top), (count, count), "{id}: counter, top seq, rows");
            }
            Ok(())
        })
        .await
        .unwrap();
}

/// Keeps the writer busy for a moment, so that what is queued meanwhile runs
/// as one batch.
async fn hold_writer(s: &SqliteStorage) -> tokio::task::JoinHandle<StoreResult<()>> {
    let store = s.store.clone();
    let held = tokio::spawn(async move {
        store
            .write(|_| {
                std::thread::sleep(std::time::Duration::from_millis(300));
                Ok(())
            })
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_after_remembered_sends_refuses_the_very_next_send() {
    let (_d, s) = storage(&["alice", "bob"]).await;
    for i in 0..20 {
        send(&s, "bob", "alice", &format!("b{i}")).await.unwrap();
    }
    // A send, the block and a send after it, all in one batch.
    let held = hold_writer(&s).await;
    let before = queue(&s, message("bob", "alice", "before")).await;
    let block = tokio::spawn({
        let s = s.clone();
        async move { s.block(&uid("alice"), &uid("bob"), 2).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let after = queue(&s, message("bob", "alice", "after")).await;
    held.await.unwrap().unwrap();
    block.await.unwrap().unwrap();
    assert_eq!(before.await.unwrap().message.seq, Seq(21));
    assert_eq!(code(after.await), ErrorCode::Blocked);
    // One-way: alice still writes to bob, on the same counter.
    let a = send(&s, "alice", "bob", "a0").await.unwrap();
    assert_eq!(a.message.seq, Seq(22));
    s.unblock(&uid("alice"), &uid("bob")).await.unwrap();
    let b = send(&s, "bob", "alice", "again").await.unwrap();
    assert_eq!(b.message.seq, Seq(23));
    assert_counters_match_rows(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_peer_is_refused_as_on_the_full_path() {
    let (_d, s) = storage(&["alice", "bob", "carol"]).await;
    send(&s, "bob", "alice", "b0").await.unwrap();
    send(&s, "bob", "alice", "b1").await.unwrap();
    s.delete_user(&uid("alice"), 3).await.unwrap();
    let remembered = code(send(&s, "bob", "alice", "b2").await);
    // carol never wrote to alice: her send takes the full path from the start.
    let fresh = code(send(&s, "carol", "alice", "c0").await);
    assert_eq!(remembered, fresh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_answers_the_original_and_takes_no_seq() {
    let (_d, s) = storage(&["alice", "bob"]).await;
    send(&s, "alice", "bob", "m0").await.unwrap();
    let first = send(&s, "alice", "bob", "m1").await.unwrap();
    let again = send(&s, "alice", "bob", "m1").await.unwrap();
    assert!(again.duplicate && again.members.is_empty());
    assert_eq!(
        (again.message.seq, again.message.id),
        (first.message.seq, first.message.id)
    );
    assert_eq!(
        send(&s, "alice", "bob", "m2").await.unwrap().message.seq,
        Seq(3)
    );
    assert_counters_match_rows(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_and_read_marks_hold_through_batches_mixing_other_jobs() {
    let users = ["u0", "u1", "u2", "u3", "u4", "u5"];
    let (_d, s) = storage(&users).await;
    let mut pending = Vec::new();
    let mut replies = 0;
    for round in 0..60 {
        for i in 0..users.len() {
            let (me, peer) = (users[i], users[i ^ 1]);
            pending.push(queue(&s, message(me, peer, &format!("{me}-{round}"))).await);
        }
        // Jobs that are not plain sends, queued among them: each writes out and
        // forgets the cache mid-batch (a reply, a read mark).
        if round % 7 == 3 {
            let mut reply = message("u2", "u3", &format!("reply-{round}"));
            reply.reply_to = Some(Seq(1));
            pending.push(queue(&s, reply).await);
            replies += 1;
            let conv = ConversationId::direct(&uid("u4"), &uid("u5"));
            s.mark_read(&uid("u5"), &conv, Seq(2)).await.unwrap();
        }
    }
    for p in pending {
        p.await.unwrap();
    }
    assert_counters_match_rows(&s).await;
    // Each sender has read its chat up to its own last message, at least.
    for pair in [("u0", "u1"), ("u2", "u3"), ("u4", "u5")] {
        for (me, peer) in [pair, (pair.1, pair.0)] {
            let convs = s.conversations(&uid(me)).await.unwrap();
            let info = convs
                .iter()
                .find(|c| c.conv.peer_of(&uid(me)) == Some(&uid(peer)))
                .unwrap();
            let mine = s
                .store
                .read({
                    let (conv, me) = (info.conv.to_string(), me.to_string());
                    move |c: &Connection| {
                        Ok(c.query_row(
                            "SELECT max(seq) FROM messages WHERE conv = ?1 AND sender = ?2",
                            [conv, me],
                            |r| r.get::<_, i64>(0),
                        )?)
                    }
                })
                .await
                .unwrap();
            assert_eq!(info.read_seq, Seq(mine as u64), "{me}'s read mark");
            let extra = if pair.0 == "u2" { replies } else { 0 };
            assert_eq!(info.max_seq, Seq(120 + extra));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_sqlite_rolls_back_loses_only_the_sends_that_ran_in_it() {
    let (_d, s) = storage(&["alice", "bob"]).await;
    send(&s, "alice", "bob", "m0").await.unwrap();
    let held = hold_writer(&s).await;
    let mut lost = Vec::new();
    for i in 0..5 {
        lost.push(queue(&s, message("alice", "bob", &format!("lost{i}"))).await);
    }
    // What SQLite does on a full disk or an I/O error: the whole transaction is
    // rolled back under the batch.
    let rollback = tokio::spawn({
        let store = s.store.clone();
        async move { store.write(|c| Ok(c.execute_batch("ROLLBACK")?)).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut kept = Vec::new();
    for i in 0..5 {
        kept.push(queue(&s, message("alice", "bob", &format!("kept{i}"))).await);
    }
    held.await.unwrap().unwrap();
    for p in lost {
        assert!(matches!(p.await, Err(StoreError::Commit(_))));
    }
    assert!(rollback.await.unwrap().is_err());
    for (i, p) in kept.into_iter().enumerate() {
        assert_eq!(p.await.unwrap().message.seq, Seq(2 + i as u64));
    }
    assert_eq!(
        send(&s, "alice", "bob", "next").await.unwrap().message.seq,
        Seq(7)
    );
    assert_counters_match_rows(&s).await;
}

/// `members.read_seq` as written (not the mark the conversation's tail implies).
async fn written_mark(s: &SqliteStorage, conv: &ConversationId, user: &str) -> i64 {
    let (conv, user) = (conv.to_string(), user.to_string());
    s.store
        .read(move |c: &Connection| {
            Ok(c.query_row(
                "SELECT read_seq FROM members WHERE conv = ?1 AND user = ?2",
                [conv, user],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap()
}

/// (my read seq, the peer's read seq) as `conversations` answers `me`.
async fn marks(s: &SqliteStorage, me: &str) -> (Seq, Seq) {
    let info = s.conversations(&uid(me)).await.unwrap().remove(0);
    (info.read_seq, info.peer_read_seq)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_senders_read_mark_rides_on_the_tail_until_the_peer_sends_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (store, writer) = Store::open(dir.path(), 256, 2).unwrap();
    let s = SqliteStorage::new(store, Arc::new(Nobody));
    for u in ["alice", "bob"] {
        s.create_user(&uid(u), "x", None, 0).await.unwrap();
    }
    let conv = ConversationId::direct(&uid("alice"), &uid("bob"));
    // The first send goes the full way, the next ones the fast way.
    for i in 0..3 {
        send(&s, "alice", "bob", &format!("a{i}")).await.unwrap();
    }
    assert_eq!(marks(&s, "alice").await, (Seq(3), Seq(0)));
    assert_eq!(marks(&s, "bob").await, (Seq(0), Seq(3)));
    assert_eq!(
        written_mark(&s, &conv, "alice").await,
        0,
        "only the tail moved"
    );
    // Marking read below the implied mark changes nothing.
    s.mark_read(&uid("alice"), &conv, Seq(2)).await.unwrap();
    assert_eq!(marks(&s, "alice").await, (Seq(3), Seq(0)));
    assert_eq!(written_mark(&s, &conv, "alice").await, 0);
    // Bob answers: the tail is his now, Alice's mark is written.
    send(&s, "bob", "alice", "b0").await.unwrap();
    assert_eq!(written_mark(&s, &conv, "alice").await, 3);
    assert_eq!(marks(&s, "alice").await, (Seq(3), Seq(4)));
    assert_eq!(marks(&s, "bob").await, (Seq(4), Seq(3)));
    // Both in one batch: the batch's last sender holds the tail.
    let held = hold_writer(&s).await;
    let a = queue(&s, message("alice", "bob", "a3")).await;
    let b = queue(&s, message("bob", "alice", "b1")).await;
    let c = queue(&s, message("alice", "bob", "a4")).await;
    held.await.unwrap().unwrap();
    for p in [a, b, c] {
        p.await.unwrap();
    }
    assert_eq!(marks(&s, "alice").await, (Seq(7), Seq(6)));
    assert_eq!(written_mark(&s, &conv, "bob").await, 6);
    drop(s);
    writer.join().unwrap();
    // After a restart the marks read the same.
    let (store, writer) = Store::open(dir.path(), 256, 2).unwrap();
    let s = SqliteStorage::new(store, Arc::new(Nobody));
    assert_eq!(marks(&s, "alice").await, (Seq(7), Seq(6)));
    assert_eq!(marks(&s, "bob").await, (Seq(6), Seq(7)));
    send(&s, "bob", "alice", "b2").await.unwrap();
    assert_eq!(marks(&s, "alice").await, (Seq(7), Seq(8)));
    assert_eq!(written_mark(&s, &conv, "alice").await, 7);
    drop(s);
    writer.join().unwrap();
}
