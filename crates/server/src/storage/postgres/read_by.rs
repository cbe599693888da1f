//! Group read-by on PostgreSQL (a port of `sqlite::read_by`).

use tern_proto::{ConversationId, ErrorCode, GroupRole, Seq, UserId};

use super::messages::visible_from;
use super::{groups, parse_user, Tx};
use crate::storage::api::{split_read_page, ReadByPage};
use crate::storage::{StoreError, StoreResult};

/// One page of who read message `seq` of group `conv`, for `me`.
pub(super) async fn read_by(
    c: &Tx<'_>,
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
    let member = groups::require_member(c, g, me).await?;
    let key = conv.to_string();
    let s = seq.0.min(i64::MAX as u64) as i64;
    let sender: Option<String> = c
        .query_opt(
            "SELECT sender FROM messages WHERE conv = $1 AND seq = $2",
            &[&key, &s],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let floor = visible_from(c, me, conv).await?;
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
    let on: bool = c
        .query_one("SELECT read_by FROM groups WHERE id = $1", &[&g.as_str()])
        .await?
        .try_get(0)?;
    if !on {
        return Err(StoreError::rejected(
            ErrorCode::ReadByOff,
            format!("group `{g}` does not show who read its messages"),
        ));
    }
    let counts = c
        .query_one(
            "SELECT COALESCE(SUM(CASE WHEN read_seq >= $3 THEN 1 ELSE 0 END), 0)::BIGINT,
               COUNT(*) FROM members m
             WHERE conv = $1 AND user_id <> $2 AND visible_from < $3
               AND NOT EXISTS (SELECT 1 FROM blacklist b WHERE b.owner = m.user_id AND b.blocked = $2)",
            &[&key, &sender, &s],
        )
        .await?;
    let (read, total): (i64, i64) = (counts.try_get(0)?, counts.try_get(1)?);
    let rows = c
        .query(
            "SELECT user_id, read_seq >= $3 FROM members m
             WHERE conv = $1 AND user_id <> $2 AND visible_from < $3
               AND NOT EXISTS (SELECT 1 FROM blacklist b WHERE b.owner = m.user_id AND b.blocked = $2)
               AND user_id COLLATE \"C\" > $4
             ORDER BY user_id COLLATE \"C\" LIMIT $5",
            &[
                &key,
                &sender,
                &s,
                &after.map(UserId::as_str).unwrap_or(""),
                &(i64::from(limit) + 1),
            ],
        )
        .await?;
    let mut page = Vec::with_capacity(rows.len());
    for r in rows {
        page.push((parse_user(r.try_get(0)?)?, r.try_get::<_, bool>(1)?));
    }
    Ok(split_read_page(
        page,
        limit,
        (read as u32, (total - read) as u32),
    ))
}
