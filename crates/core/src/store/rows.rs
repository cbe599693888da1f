//! What the store modules share about rows: reading a message row into a
//! [`LocalMessage`], the condition that hides a message, the conversation row
//! every writer makes sure of, and the errors for a row that does not read.
//!
//! It depends on no sibling module, so `messages`, `conversations`, `search`,
//! `groups` and the rest may all use it without using each other in a circle.

use std::error::Error as StdError;

use rusqlite::{Connection, Row};
use tern_proto::{ClientMsgId, ConversationId, MsgId, Seq, UserId};

use crate::error::{Detail, Error, Result};
use crate::types::{DeliveryState, LocalMessage};

/// SQL condition on `messages m`: a message hidden from me, i.e. a group message
/// from a user on my blacklist, or a message I deleted on this device ("Delete
/// for me", table `deleted_local`). Such messages stay in the cache (so seq gaps
/// stay filled) but are left out of message pages, conversation summaries, unread
/// counts, search and `NewMessage` events; unblocking the sender shows a blocked
/// user's again. Direct messages are never hidden for a block (the server refuses
/// a blocked user's direct sends).
/// Also hidden: everything up to the conversation's `cleared_seq` ("clear
/// history", synced from the server through `store::preferences`).
pub(crate) const HIDDEN: &str =
    "((substr(m.conv, 1, 2) = 'g:' AND m.sender IN (SELECT user FROM blacklist))
      OR EXISTS (SELECT 1 FROM deleted_local d WHERE d.conv = m.conv AND d.seq = m.seq)
      OR (m.seq IS NOT NULL AND m.seq <= COALESCE(
            (SELECT s.cleared_seq FROM conv_settings s WHERE s.conv = m.conv), 0)))";

/// The columns of a [`MessageRow`], in its field order; a filter (`WHERE …`)
/// follows it.
pub(super) const MSG_SELECT: &str =
    "SELECT m.conv, m.seq, m.msg_id, m.client_id, m.sender, m.sent_at,
    m.content, m.ext, m.state, m.error, COALESCE(c.peer_read_seq, 0), m.edited_at, m.reply_to,
    m.mentions
    FROM messages m LEFT JOIN conversations c ON c.conv = m.conv";

/// A `messages` row as stored (text and integers), before it is checked and
/// turned into a [`LocalMessage`] by [`MessageRow::into_local`].
#[derive(Debug)]
pub(super) struct MessageRow {
    conv: String,
    seq: Option<i64>,
    msg_id: Option<i64>,
    client_id: String,
    sender: String,
    sent_at: i64,
    /// [`tern_proto::Content`] as JSON.
    content: String,
    ext: Option<String>,
    /// `sending`, `sent` or `failed` (see [`delivery_state`]).
    state: String,
    /// The server's refusal ([`tern_proto::WireError`]) as JSON.
    error: Option<String>,
    /// The conversation's `peer_read_seq`: my sent messages up to it are read.
    peer_read_seq: i64,
    edited_at: Option<i64>,
    reply_to: Option<i64>,
    mentions: Option<String>,
}

impl MessageRow {
    /// Reads a row selected by [`MSG_SELECT`] (for `query_map`).
    pub(super) fn read(r: &Row) -> rusqlite::Result<Self> {
        Ok(Self {
            conv: r.get(0)?,
            seq: r.get(1)?,
            msg_id: r.get(2)?,
            client_id: r.get(3)?,
            sender: r.get(4)?,
            sent_at: r.get(5)?,
            content: r.get(6)?,
            ext: r.get(7)?,
            state: r.get(8)?,
            error: r.get(9)?,
            peer_read_seq: r.get(10)?,
            edited_at: r.get(11)?,
            reply_to: r.get(12)?,
            mentions: r.get(13)?,
        })
    }

    /// The message as `me` sees it; a value that does not read is an error.
    pub(super) fn into_local(self, me: &UserId) -> Result<LocalMessage> {
        let sender = UserId::new(self.sender).map_err(bad)?;
        let outgoing = &sender == me;
        let mut state = delivery_state(&self.state)?;
        if outgoing
            && state == DeliveryState::Sent
            && self.seq.is_some_and(|s| s <= self.peer_read_seq)
        {
            state = DeliveryState::Read;
        }
        Ok(LocalMessage {
            conv: ConversationId::parse(&self.conv).map_err(bad)?,
            client_id: ClientMsgId::new(self.client_id).map_err(bad)?,
            seq: self.seq.map(|s| Seq(s as u64)),
            id: self.msg_id.map(|i| MsgId(i as u64)),
            sender,
            outgoing,
            sent_at: self.sent_at,
            content: serde_json::from_str(&self.content).map_err(bad)?,
            ext: self
                .ext
                .map(|e| serde_json::from_str(&e))
                .transpose()
                .map_err(bad)?,
            state,
            error: self
                .error
                .map(|e| serde_json::from_str(&e))
                .transpose()
                .map_err(bad)?,
            edited_at: self.edited_at,
            reply_to: self.reply_to.map(|r| Seq(r as u64)),
            mentions: self
                .mentions
                .map(|m| serde_json::from_str(&m))
                .transpose()
                .map_err(bad)?,
        })
    }
}

/// The messages [`MSG_SELECT`] `filter` selects, as `me` sees them.
pub(super) fn query_messages(
    c: &Connection,
    me: &UserId,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<LocalMessage>> {
    let sql = format!("{MSG_SELECT} {filter}");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, MessageRow::read)?;
    rows.map(|r| r?.into_local(me)).collect()
}

/// A stored `messages.state` (`sending`, `sent`, `failed`); `Read` is not
/// stored but derived from the peer's read mark.
pub(super) fn delivery_state(s: &str) -> Result<DeliveryState> {
    match s {
        "sending" => Ok(DeliveryState::Sending),
        "sent" => Ok(DeliveryState::Sent),
        "failed" => Ok(DeliveryState::Failed),
        other => Err(corrupt("messages.state", other)),
    }
}

/// Makes sure a conversation row exists.
pub(super) fn ensure_conv(c: &Connection, conv: &ConversationId) -> Result<()> {
    c.prepare_cached("INSERT OR IGNORE INTO conversations (conv) VALUES (?1)")?
        .execute([conv.to_string()])?;
    Ok(())
}

/// A stored value that does not read (an id, JSON), keeping why as the source.
pub(super) fn bad(e: impl StdError + Send + Sync + 'static) -> Error {
    Error::Storage(Detail::caused(format!("corrupt row: {e}"), e))
}

/// A value this client does not know in `column` (`table.column`).
pub(super) fn corrupt(column: &str, value: impl ToString) -> Error {
    Error::Corrupt {
        column: column.to_owned(),
        value: value.to_string(),
    }
}

/// Values the cache cannot read are errors naming the column and the value,
/// never a default: each is written here with rusqlite directly, as a damaged or
/// newer cache would hold it.
#[cfg(test)]
mod tests {
    use rusqlite::params;
    use tern_proto::ConversationId;

    use super::*;
    use crate::store::{conversations, notices, open_temp, relations};

    fn me() -> UserId {
        UserId::new("alice").unwrap()
    }

    fn assert_corrupt<T: std::fmt::Debug>(r: Result<T>, column: &str, value: &str) {
        match r {
            Err(Error::Corrupt {
                column: c,
                value: v,
            }) => {
                assert_eq!((c.as_str(), v.as_str()), (column, value));
                let words = Error::Corrupt {
                    column: c,
                    value: v,
                }
                .to_string();
                assert_eq!(
                    words,
                    format!("local storage: unknown value {value:?} in {column}")
                );
            }
            other => panic!("expected Corrupt({column}, {value}), got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_message_state_is_an_error_not_sent() {
        let c = open_temp();
        let conv = ConversationId::direct(&me(), &UserId::new("bob").unwrap());
        c.execute(
            "INSERT INTO messages (conv, seq, msg_id, client_id, sender, sent_at, content, state)
             VALUES (?1, 1, 10, 'b1', 'bob', 5, '{\"type\":\"text\",\"text\":\"hi\"}', ?2)",
            params![conv.to_string(), "delivered"],
        )
        .unwrap();
        let page = query_messages(&c, &me(), "WHERE m.conv = ?1", &[&conv.to_string()]);
        assert_corrupt(page, "messages.state", "delivered");
        // A known state reads again.
        c.execute("UPDATE messages SET state = 'sent'", []).unwrap();
        let page = query_messages(&c, &me(), "WHERE m.conv = ?1", &[&conv.to_string()]);
        assert_eq!(page.unwrap()[0].state, DeliveryState::Sent);
    }

    #[test]
    fn an_unknown_application_state_is_an_error_not_pending() {
        let c = open_temp();
        c.execute(
            "INSERT INTO applications (from_user, to_user, greeting, state, created_at, updated_at)
             VALUES ('bob', 'alice', 'hi', 'maybe', 1, 1)",
            [],
        )
        .unwrap();
        assert_corrupt(
            relations::applications(&c, &me(), true),
            "applications.state",
            "maybe",
        );
    }

    #[test]
    fn an_unreadable_change_version_is_an_error_not_zero() {
        let c = open_temp();
        assert_eq!(relations::version(&c).unwrap(), 0, "none yet: 0");
        relations::set_meta(&c, "change_version", "12x").unwrap();
        assert_corrupt(relations::version(&c), "meta.value (change_version)", "12x");
    }

    #[test]
    fn an_unknown_member_notice_kind_is_an_error() {
        let c = open_temp();
        c.execute(
            "INSERT INTO member_notices (conv, kind, user, by_user, at, name)
             VALUES ('g:team', 'promoted', 'bob', NULL, 1, NULL)",
            [],
        )
        .unwrap();
        let conv = ConversationId::parse("g:team").unwrap();
        assert_corrupt(
            notices::list(&c, &conv, None, 10),
            "member_notices.kind",
            "promoted",
        );
    }

    #[test]
    fn a_bad_stored_id_is_a_storage_error_keeping_its_cause() {
        let c = open_temp();
        let bob = UserId::new("bob").unwrap();
        c.execute(
            "INSERT INTO users (user, nickname, avatar, signature) VALUES ('bob', 'B', ?1, '')",
            ["not a file id!"],
        )
        .unwrap();
        let conv = ConversationId::direct(&me(), &bob);
        ensure_conv(&c, &conv).unwrap();
        let err = conversations::conversation(&c, &me(), &conv).unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "{err:?}");
        assert!(err.to_string().starts_with("local storage: corrupt row: "));
        assert!(err.cause_of::<tern_proto::IdError>().is_some(), "{err:?}");
    }
}
