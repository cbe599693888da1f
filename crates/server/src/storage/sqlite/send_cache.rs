//! The writer's fast path for a plain one-to-one message: one statement per
//! send instead of seven.
//!
//! A send in a direct chat checks that the peer exists and has not blocked the
//! sender, takes the conversation's next seq, stores the row and moves the
//! sender's read mark (the conversation's tail, `history::READ_MARK`).
//! Profiled under load (docs/benchmarks.md, issue 21, 2026-12-06), those
//! statements — not the row — were the writer thread's cost, and one writer is
//! the ceiling of S2's saturation. Here the writer
//! remembers, per direct chat it has sent in, the seq counter and which of the
//! two may send, so a send runs only its `INSERT`; the counter, the last
//! activity and the read marks are written once per chat per batch, just
//! before the commit ([`SendCache::flush`]).
//!
//! **Why it stays exact.** Only the writer thread writes the database (one
//! connection; readers are read-only), and every job other than a fast send
//! flushes and forgets all of this first ([`SendCache::flush_and_forget`]):
//! a block, an unblock, a deletion, a friendship change or a group change is
//! such a job, so a fast send never acts on a state older than the last one of
//! them. Whatever the fast path cannot decide from a remembered "may send"
//! (a first message, a block, the system account, friendship rules, replies,
//! mentions, files, webhooks, an `after` not stored) goes the full way, with the error it
//! gives. A failed commit forgets everything too (the counters ran ahead).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ConversationId, UserId, SYSTEM_USER};

use super::history::by_client_id;
use super::messages::{is_stored, peer_state, SendArgs};
use super::StoreResult;
use crate::storage::SendOutcome;

/// Chats remembered at most; past this the cache is emptied after a batch.
const MAX_CHATS: usize = 65_536;

/// One direct chat as the writer knows it.
struct Chat {
    /// The two users of the id, in its order.
    users: [UserId; 2],
    /// The conversation's seq counter, including this batch's unwritten sends.
    max_seq: i64,
    /// The last send's time, unwritten while `dirty`.
    last_at: i64,
    /// Whether `max_seq`, `last_at` or `read` are ahead of the database (the
    /// chat is then listed in [`SendCache::owed`]).
    dirty: bool,
    /// Whether the first (`[0]`) / second member of the id is known to be
    /// allowed to send: the other exists and has not blocked them.
    may_send: [bool; 2],
    /// The seq of each member's last send in this batch (0: none): the read
    /// mark it implies, written at the flush — as the conversation's tail for
    /// the batch's last sender, into `members` for the other one.
    read: [i64; 2],
    /// The conversation's tail as written: its last message's sender and seq,
    /// whose read mark it implies (`history::READ_MARK`).
    tail: Tail,
}

/// Who sent a direct chat's last message as written (`conversations.tail_*`).
enum Tail {
    /// Nobody recorded (a chat from before migration 0019).
    None,
    /// One of the two (`Chat::users` index), at this seq.
    Member(usize, i64),
    /// Someone else (the `system` account), at this seq.
    Outsider(UserId, i64),
}

/// The writer thread's memory of the direct chats it sends in (module docs).
#[derive(Default)]
pub(super) struct SendCache {
    chats: HashMap<String, Chat>,
    /// The chats with unwritten state, in the order they got it.
    owed: Vec<String>,
    /// Set when writing the owed state failed: the batch must not commit.
    poisoned: Option<String>,
}

impl SendCache {
    /// Writes the owed counters and read marks into the open transaction.
    pub(super) fn flush(&mut self, conn: &Connection) {
        if let Err(e) = self.write_owed(conn) {
            self.poisoned = Some(format!("writing conversation counters: {e}"));
        }
    }

    fn write_owed(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        for id in self.owed.drain(..) {
            let Some(chat) = self.chats.get_mut(&id) else {
                continue;
            };
            // The batch's last sender becomes the tail (its read mark goes with
            // it, in the row written anyway); the other member's mark, from its
            // sends of this batch or the tail it held, is written to `members`.
            let last = usize::from(chat.read[1] > chat.read[0]);
            let other = 1 - last;
            let mut other_mark = chat.read[other];
            let mut outsider = None;
            match std::mem::replace(&mut chat.tail, Tail::Member(last, chat.read[last])) {
                Tail::Member(side, seq) if side == other => other_mark = other_mark.max(seq),
                Tail::Outsider(user, seq) => outsider = Some((user, seq)),
                Tail::Member(..) | Tail::None => {}
            }
            let marks = [(&chat.users[other], other_mark)];
            let outsider = outsider.as_ref().map(|(user, seq)| (user, *seq));
            for (user, seq) in marks.into_iter().chain(outsider).filter(|m| m.1 > 0) {
                conn.prepare_cached(
                    "UPDATE members SET read_seq = ?3 \
                     WHERE conv = ?1 AND user = ?2 AND read_seq < ?3",
                )?
                .execute(params![id, user.as_str(), seq])?;
            }
            conn.prepare_cached(
                "UPDATE conversations SET max_seq = ?2, last_at = ?3, tail_sender = ?4, \
                 tail_seq = ?5 WHERE id = ?1",
            )?
            .execute(params![
                id,
                chat.max_seq,
                chat.last_at,
                chat.users[last].as_str(),
                chat.read[last]
            ])?;
            chat.read = [0; 2];
            chat.dirty = false;
        }
        Ok(())
    }

    /// Marks the open batch as one that must not commit.
    pub(super) fn poison(&mut self, why: &str) {
        self.poisoned = Some(why.to_string());
    }

    /// Before any other job: write what is owed and forget everything, so the
    /// job sees (and may change) the database as it is.
    pub(super) fn flush_and_forget(&mut self, conn: &Connection) {
        if !self.chats.is_empty() {
            self.flush(conn);
            self.forget();
        }
    }

    /// At the end of a batch (after [`SendCache::flush`]): the error that must
    /// stop its commit, if any; and the memory kept between batches bounded.
    pub(super) fn end_batch(&mut self) -> Option<String> {
        if self.chats.len() > MAX_CHATS && self.owed.is_empty() {
            self.chats.clear();
        }
        self.poisoned.take()
    }

    /// After a failed commit: the remembered counters ran ahead of the database.
    pub(super) fn forget(&mut self) {
        self.chats.clear();
        self.owed.clear();
    }
}

/// Stores a plain one-to-one message with one statement when the cache can
/// vouch for everything the full path checks; `None` (nothing written) when it
/// cannot, and the caller must take the full path.
pub(super) fn send_fast(
    conn: &Connection,
    cache: &mut SendCache,
    a: &SendArgs<'_>,
) -> StoreResult<Option<SendOutcome>> {
    let ConversationId::Direct(x, y) = a.conv else {
        return Ok(None);
    };
    let plain = x != y
        && !a.require_friendship
        && a.reply_to.is_none()
        && a.mentions.is_none()
        && super::files::referenced_files(a.content).is_empty();
    let Some(peer) = a.conv.peer_of(a.sender) else {
        return Ok(None);
    };
    if !plain || peer.as_str() == SYSTEM_USER {
        return Ok(None);
    }
    let side = usize::from(a.sender != x);
    let conv = a.conv.to_string();
    if !cache.chats.contains_key(&conv) {
        let stored: Option<(i64, Option<String>, i64)> = conn
            .prepare_cached(
                "SELECT max_seq, tail_sender, tail_seq FROM conversations WHERE id = ?1",
            )?
            .query_row([&conv], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((max_seq, tail_sender, tail_seq)) = stored else {
            return Ok(None); // the first message creates the chat: the full path
        };
        let tail = match tail_sender {
            None => Tail::None,
            Some(u) if u == x.as_str() => Tail::Member(0, tail_seq),
            Some(u) if u == y.as_str() => Tail::Member(1, tail_seq),
            Some(u) => Tail::Outsider(super::accounts::parse_user(u)?, tail_seq),
        };
        let chat = Chat {
            users: [x.clone(), y.clone()],
            max_seq,
            last_at: 0,
            dirty: false,
            may_send: [false; 2],
            read: [0; 2],
            tail,
        };
        cache.chats.insert(conv.clone(), chat);
    }
    let Some(chat) = cache.chats.get_mut(&conv) else {
        return Ok(None);
    };
    if !chat.may_send[side] {
        let (exists, blocked) = peer_state(conn, peer, a.sender)?;
        if !exists || blocked {
            return Ok(None); // the full path gives the error
        }
        chat.may_send[side] = true;
    }
    // A pipelined send waits for the one before it (`after`), as on the full path.
    if let Some(after) = a.after {
        if !is_stored(conn, a.sender, after)? {
            return Ok(None); // the full path gives the error
        }
    }
    let seq = chat.max_seq + 1;
    let ext = a.ext.map(serde_json::to_string).transpose()?;
    let content = serde_json::to_string(a.content)?;
    // A resend of a stored message changes nothing: the original is answered.
    let stored = conn
        .prepare_cached(
            "INSERT INTO messages (conv, seq, sender, client_id, sent_at, content, ext) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (client_id, sender) DO NOTHING",
        )?
        .execute(params![
            conv,
            seq,
            a.sender.as_str(),
            a.client_id.as_str(),
            a.now,
            content,
            ext
        ])?;
    if stored == 0 {
        return Ok(
            by_client_id(conn, a.sender, a.client_id)?.map(|message| SendOutcome {
                message,
                duplicate: true,
                members: Vec::new(),
            }),
        );
    }
    let id = conn.last_insert_rowid();
    chat.max_seq = seq;
    chat.last_at = a.now;
    chat.read[side] = seq;
    if !chat.dirty {
        chat.dirty = true;
        cache.owed.push(conv);
    }
    Ok(Some(SendOutcome {
        message: a.stored(seq, id),
        duplicate: false,
        members: vec![x.clone(), y.clone()],
    }))
}
