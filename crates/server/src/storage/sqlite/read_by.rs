//! Group read-by on SQLite: who has read a group message, derived from each
//! member's read seq (no row per member per message), a page of members at a time.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ConversationId, ErrorCode, GroupRole, Seq, UserId};

use super::accounts::parse_user;
use super::history::READ_MARK;
use super::messages::visible_from;
use super::{StoreError, StoreResult};
use crate::storage::api::{split_read_page, ReadByPage};

/// Members `m` who have not blocked the message's sender (`?2`).
const NOT_BLOCKING: &str =
    "NOT EXISTS (SELECT 1 FROM blacklist b WHERE b.owner = m.user AND b.blocked = ?2)";

/// One page of who read message `seq` of group `conv`, for `me`.
pub fn read_by(
    conn: &Connection,
    me: &UserId,
    conv: &ConversationId,
    seq: Seq,
    after: Option<&UserId>,
    limit: u32,
) -> StoreResult<ReadByPage> {
    let ConversationId::Group(g) = conv else {
        return Err(StoreError::rejected(
            ErrorCode::InvalidArgument,
            "`read_by` is for group messages; a one-to-one chat has `peer_read_seq`",
        ));
    };
    let member = super::groups::require_member(conn, g, me)?;
    let key = conv.to_string();
    let s = seq.0.min(i64::MAX as u64) as i64;
    let sender: Option<String> = conn
        .prepare_cached("SELECT sender FROM messages WHERE conv = ?1 AND seq = ?2")?
        .query_row(params![key, s], |r| r.get(0))
        .optional()?;
    let floor = visible_from(conn, me, conv)?;
    let Some(sender) = sender.filter(|_| seq.0 > floor) else {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("no message {} in {conv} that you can read", seq.0),
        ));
    };
    if sender != me.as_str() && member.role == GroupRole::Member {
        return Err(StoreError::rejected(
            ErrorCode::NotManager,
            "only the message's sender and the group's owner and admins see who read it",
        ));
    }
    let on: bool = conn
        .prepare_cached("SELECT read_by FROM groups WHERE id = ?1")?
        .query_row([g.as_str()], |r| r.get(0))?;
    if !on {
        return Err(StoreError::rejected(
            ErrorCode::ReadByOff,
            format!("group `{g}` does not show who read its messages"),
        ));
    }
    // Everyone but the sender who could see the message (joined before it, or
    // into a group showing its history), but for members who blocked its
    // sender: they were not sent it, and the sender must not watch them read.
    let (read, total): (i64, i64) = conn
        .prepare_cached(&format!(
            "SELECT COALESCE(SUM({READ_MARK} >= ?3), 0), COUNT(*)
             FROM members m JOIN conversations c ON c.id = m.conv
             WHERE m.conv = ?1 AND m.user <> ?2 AND m.visible_from < ?3 AND {NOT_BLOCKING}"
        ))?
        .query_row(params![key, sender, s], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT m.user, {READ_MARK} >= ?3 FROM members m JOIN conversations c ON c.id = m.conv
         WHERE m.conv = ?1 AND m.user <> ?2 AND m.visible_from < ?3 AND {NOT_BLOCKING} AND m.user > ?4
         ORDER BY m.user LIMIT ?5"
    ))?;
    let rows = stmt.query_map(
        params![
            key,
            sender,
            s,
            after.map(UserId::as_str).unwrap_or(""),
            i64::from(limit) + 1
        ],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)),
    )?;
    let mut page = Vec::new();
    for r in rows {
        let (user, has_read) = r?;
        page.push((parse_user(user)?, has_read));
    }
    Ok(split_read_page(
        page,
        limit,
        (read as u32, (total - read) as u32),
    ))
}
