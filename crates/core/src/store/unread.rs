//! The two counts behind a conversation's unread badge, in index look-ups rather
//! than a walk over every unread message.
//!
//! A conversation's summary is re-read after every message it gets (and for every
//! row of the conversation list). Counting with the `rows::HIDDEN` condition ran
//! two sub-queries per unread message, so each new message cost time in
//! proportion to what was already unread (release, a group with 2,000 unread:
//! 1.13 ms, with 20,000: 11.1 ms; tern-bench C2's sync spent 9 % of the database
//! thread on it). Here (47 µs and 0.32 ms, the count of my own messages left) the same
//! counts come from ranges of the `(conv, seq)` and `(conv, sender, seq)` indexes,
//! the few locally deleted messages, and the messages that mention anyone.

use rusqlite::{params, Connection};
use tern_proto::UserId;

use super::rows::HIDDEN;
use crate::error::Result;

/// Messages after `read` that are never unread: my own and hidden ones (see
/// `rows::HIDDEN`: a group message from a user I blocked, one I deleted on this
/// device, one at or before the conversation's cleared seq).
pub(super) fn not_unread_after(c: &Connection, me: &UserId, conv: &str, read: i64) -> Result<u64> {
    let cleared: i64 = c
        .prepare_cached("SELECT COALESCE(MAX(cleared_seq), 0) FROM conv_settings WHERE conv = ?1")?
        .query_row([conv], |r| r.get(0))?;
    // Everything cached up to the cleared seq is hidden.
    let up_to_cleared: i64 = if cleared > read {
        c.prepare_cached(
            "SELECT COUNT(*) FROM messages WHERE conv = ?1 AND seq > ?2 AND seq <= ?3",
        )?
        .query_row(params![conv, read, cleared], |r| r.get(0))?
    } else {
        0
    };
    let after = read.max(cleared);
    let group = conv.starts_with("g:");
    // Mine, and (in a group) those of users I blocked: ranges of (conv, sender, seq).
    let own_or_blocked: i64 = c
        .prepare_cached(
            "SELECT COUNT(*) FROM messages WHERE conv = ?1 AND seq > ?3
               AND sender IN (SELECT ?2 UNION SELECT user FROM blacklist WHERE ?4)",
        )?
        .query_row(params![conv, me.as_str(), after, group], |r| r.get(0))?;
    // Deleted on this device and not counted above: the few deleted rows drive the
    // look-up (as a join, SQLite would walk the messages and probe each).
    let deleted: i64 = c
        .prepare_cached(
            "SELECT COUNT(*) FROM deleted_local d WHERE d.conv = ?1 AND d.seq > ?3
               AND EXISTS (SELECT 1 FROM messages m WHERE m.conv = d.conv AND m.seq = d.seq
                 AND m.sender <> ?2 AND NOT (?4 AND m.sender IN (SELECT user FROM blacklist)))",
        )?
        .query_row(params![conv, me.as_str(), after, group], |r| r.get(0))?;
    Ok((up_to_cleared + own_or_blocked + deleted).max(0) as u64)
}

/// Messages from others after `read` that mention me (by id or `@all`) and are
/// not hidden. Only messages that mention someone are looked at (a partial index).
pub(super) fn unread_mentions(c: &Connection, me: &UserId, conv: &str, read: i64) -> Result<u64> {
    let n: i64 = c
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM messages m INDEXED BY messages_mentioning
             WHERE m.conv = ?1 AND m.seq > ?3
               AND m.mentions IS NOT NULL AND m.sender <> ?2 AND NOT {HIDDEN}
               AND (json_extract(m.mentions, '$.all') = 1
                    OR EXISTS (SELECT 1 FROM json_each(m.mentions, '$.users') j
                               WHERE j.value = ?2))"
        ))?
        .query_row(params![conv, me.as_str(), read], |r| r.get(0))?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts as they were first written: one walk over the unread messages
    /// with the `HIDDEN` condition. The fast ones must agree with it everywhere.
    fn reference(c: &Connection, me: &UserId, conv: &str, read: i64) -> (u64, u64) {
        let hidden_or_mine: i64 = c
            .query_row(
                &format!(
                    "SELECT COUNT(*) FROM messages m WHERE m.conv = ?1 AND m.seq > ?3
                       AND (m.sender = ?2 OR {HIDDEN})"
                ),
                params![conv, me.as_str(), read],
                |r| r.get(0),
            )
            .unwrap();
        let mentions: i64 = c
            .query_row(
                &format!(
                    "SELECT COUNT(*) FROM messages m WHERE m.conv = ?1 AND m.seq > ?3
                       AND m.mentions IS NOT NULL AND m.sender <> ?2 AND NOT {HIDDEN}
                       AND (json_extract(m.mentions, '$.all') = 1
                            OR EXISTS (SELECT 1 FROM json_each(m.mentions, '$.users') j
                                       WHERE j.value = ?2))"
                ),
                params![conv, me.as_str(), read],
                |r| r.get(0),
            )
            .unwrap();
        (hidden_or_mine as u64, mentions as u64)
    }

    #[test]
    fn the_counts_agree_with_a_walk_over_every_message() {
        let c = crate::store::open_temp();
        let me = UserId::new("alice").unwrap();
        let convs = ["d:alice:bob", "g:0123456789abcdef", "g:fedcba9876543210"];
        let senders = ["alice", "bob", "carol", "dave"];
        let mentions = [
            None,
            Some(r#"{"users":["alice"]}"#),
            Some(r#"{"users":["bob"]}"#),
            Some(r#"{"all":true}"#),
        ];
        c.execute("INSERT INTO blacklist (user) VALUES ('carol')", [])
            .unwrap();
        // A small deterministic generator: the same messages every run.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for (i, conv) in convs.iter().enumerate() {
            for seq in 1..=60i64 {
                // Gaps: some seqs are not cached.
                if next(7) == 0 {
                    continue;
                }
                let sender = senders[next(4) as usize];
                c.execute(
                    "INSERT INTO messages (conv, seq, msg_id, client_id, sender, sent_at, content, state, mentions)
                     VALUES (?1, ?2, ?2, ?3, ?4, 0, '{}', 'sent', ?5)",
                    params![conv, seq, format!("c{i}-{seq}"), sender, mentions[next(4) as usize]],
                )
                .unwrap();
                if next(5) == 0 {
                    c.execute(
                        "INSERT INTO deleted_local (conv, seq) VALUES (?1, ?2)",
                        params![conv, seq],
                    )
                    .unwrap();
                }
            }
        }
        // One group cleared up to seq 20, the direct chat up to 0.
        for (conv, cleared) in [(convs[1], 20), (convs[0], 0)] {
            c.execute(
                "INSERT INTO conv_settings (conv, cleared_seq, body) VALUES (?1, ?2, '{}')",
                params![conv, cleared],
            )
            .unwrap();
        }
        let mut checked = 0;
        for conv in convs {
            for read in 0..=62 {
                let fast = (
                    not_unread_after(&c, &me, conv, read).unwrap(),
                    unread_mentions(&c, &me, conv, read).unwrap(),
                );
                assert_eq!(fast, reference(&c, &me, conv, read), "{conv} read {read}");
                checked += 1;
            }
        }
        assert_eq!(checked, 3 * 63);
        // The cases are there: hidden, own, mentions of me.
        assert!(reference(&c, &me, convs[1], 0).0 > 20);
        assert!(reference(&c, &me, convs[2], 0).1 > 0);
    }
}
