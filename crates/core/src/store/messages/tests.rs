//! Storing server messages next to my own: one row per message, failures, holes, search.

use super::*;
use crate::store::conversations::*;
use crate::store::outgoing::*;
use crate::store::search::search_in;
use tern_proto::{MsgId, WireError};

fn db() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let c = super::super::schema::open(&dir.path().join("t.db")).unwrap();
    (dir, c)
}

fn u(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

fn server_msg(conv: &ConversationId, seq: u64, sender: &str, cid: &str, text: &str) -> Message {
    Message {
        conv: conv.clone(),
        seq: Seq(seq),
        id: MsgId(seq * 10),
        client_id: ClientMsgId::new(cid).unwrap(),
        sender: u(sender),
        sent_at: 1_000 + seq as i64,
        content: Content::Text { text: text.into() },
        ext: None,
        edited_at: None,
        reply_to: None,
        mentions: None,
    }
}

fn count(c: &Connection, table: &str) -> i64 {
    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_message_pulled_twice_is_stored_once() {
    let (_d, c) = db();
    let me = u("alice");
    let conv = ConversationId::direct(&me, &u("bob"));
    let m = server_msg(&conv, 1, "bob", "b1", "hi");
    assert!(store_server_message(&c, &me, &m).unwrap().inserted);
    assert!(!store_server_message(&c, &me, &m).unwrap().inserted);
    assert_eq!(count(&c, "messages"), 1);
    let conv_row = conversation(&c, &me, &conv).unwrap().unwrap();
    assert_eq!((conv_row.max_seq.0, conv_row.unread), (1, 1));
}

#[test]
fn our_pending_message_and_its_server_copy_are_one_row() {
    let (_d, mut c) = db();
    let me = u("alice");
    let conv = ConversationId::direct(&me, &u("bob"));
    let cid = ClientMsgId::new("a1").unwrap();
    let text = Content::Text { text: "yo".into() };
    let q = queue_message(&mut c, &me, &conv, &cid, &text, None, 5).unwrap();
    assert_eq!((q.state, q.seq), (DeliveryState::Sending, None));
    assert_eq!(load_outbox(&c).unwrap().len(), 1);
    // The push of our own message (another device's view) arrives before the ack.
    let s = store_server_message(&c, &me, &server_msg(&conv, 1, "alice", "a1", "yo")).unwrap();
    assert!(s.was_pending && !s.inserted);
    assert_eq!(s.message.state, DeliveryState::Sent);
    assert!(load_outbox(&c).unwrap().is_empty());
    // The late ack changes nothing.
    let acked = ack(&mut c, &me, &cid, Seq(1), MsgId(10), 1_001)
        .unwrap()
        .unwrap();
    assert_eq!(acked.seq, Some(Seq(1)));
    assert_eq!(count(&c, "messages"), 1);
    let conv_row = conversation(&c, &me, &conv).unwrap().unwrap();
    assert_eq!(conv_row.unread, 0, "own messages are never unread");
    set_read(&c, &conv, Seq(1), true).unwrap();
    let m = message_by_client_id(&c, &me, &me, &cid).unwrap().unwrap();
    assert_eq!(m.state, DeliveryState::Read);
}

#[test]
fn failed_messages_keep_their_reason_and_can_be_requeued() {
    let (_d, mut c) = db();
    let me = u("alice");
    let conv = ConversationId::direct(&me, &u("bob"));
    let cid = ClientMsgId::new("a1").unwrap();
    queue_message(
        &mut c,
        &me,
        &conv,
        &cid,
        &Content::Text { text: "x".into() },
        None,
        5,
    )
    .unwrap();
    let we = WireError::new(tern_proto::ErrorCode::Blocked, "blocked");
    let m = mark_failed(&c, &me, &cid, Some(&we)).unwrap().unwrap();
    assert_eq!((m.state, m.error), (DeliveryState::Failed, Some(we)));
    assert!(load_outbox(&c).unwrap()[0].failed);
    assert!(mark_sending(&c, &me, &cid, 9).unwrap());
    let e = &load_outbox(&c).unwrap()[0];
    assert_eq!((e.failed, e.attempts, e.queued_at), (false, 0, 9));
}

#[test]
fn synced_seq_stops_at_holes() {
    let (_d, c) = db();
    let me = u("alice");
    let conv = ConversationId::direct(&me, &u("bob"));
    for seq in [1, 2, 4] {
        let m = server_msg(&conv, seq, "bob", &format!("b{seq}"), "x");
        store_server_message(&c, &me, &m).unwrap();
    }
    assert_eq!(advance_synced(&c, &conv, 0).unwrap(), 2);
    assert_eq!(present_seqs(&c, &conv, 2, 4).unwrap(), vec![4]);
    store_server_message(&c, &me, &server_msg(&conv, 3, "bob", "b3", "x")).unwrap();
    assert_eq!(advance_synced(&c, &conv, 0).unwrap(), 4);
    assert_eq!(
        advance_synced(&c, &conv, 10).unwrap(),
        10,
        "a floor skips history"
    );
}

#[test]
fn search_uses_trigrams_and_short_term_fallback_and_forgets_recalled() {
    let (_d, c) = db();
    let me = u("alice");
    let conv = ConversationId::direct(&me, &u("bob"));
    for (seq, t) in [(1, "大家你好呀"), (2, "Hello there"), (3, "say hello")] {
        let m = server_msg(&conv, seq, "bob", &format!("b{seq}"), t);
        store_server_message(&c, &me, &m).unwrap();
    }
    assert_eq!(search_in(&c, &me, "你好", None, 0, 10).unwrap().len(), 1);
    let hello = search_in(&c, &me, "hello", None, 0, 10).unwrap();
    assert_eq!(
        hello.iter().map(|m| m.seq.unwrap().0).collect::<Vec<_>>(),
        [3, 2]
    );
    assert_eq!(search_in(&c, &me, "\"", None, 0, 10).unwrap().len(), 0);
    assert_eq!(
        search_in(&c, &me, "say \"hello", None, 0, 10)
            .unwrap()
            .len(),
        0
    );
    assert!(recall(&c, &me, &conv, Seq(3), &u("bob"), 9)
        .unwrap()
        .is_some());
    assert!(
        recall(&c, &me, &conv, Seq(3), &u("bob"), 9)
            .unwrap()
            .is_none(),
        "once"
    );
    assert_eq!(search_in(&c, &me, "hello", None, 0, 10).unwrap().len(), 1);
}
